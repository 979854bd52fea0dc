"""Django's PostgreSQL backend, its connection pool's health check replaced (base.py)."""
