"""The production stack (settings, middleware, gunicorn) serving views that do nothing: what a
request costs before any of the platform's own work (bench_trace_ingest's floor)."""
