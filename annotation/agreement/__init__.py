"""Agreement engine: pure numpy functions over ratings arrays (no Django, no ORM)."""
