"""gunicorn for the web service: the image, docker-compose.yml and the HTTP benchmarks all start
it with this file (`gunicorn -c deploy/gunicorn/gunicorn.conf.py annotation.wsgi:application`),
so a benchmark measures what production runs. Every value can be set from the environment.

Threaded workers: a thread waiting on a slow client, a file or the database does not hold a
whole process, and a kept-alive connection costs no worker while it is idle. The threads of a
process share a pool of at most DB_POOL_MAX_SIZE database connections (settings.py), so one
replica opens at most WEB_WORKERS x DB_POOL_MAX_SIZE of PostgreSQL's max_connections (100 by
default) whatever WEB_THREADS is.

The application is loaded once, in the master, and the workers are forked from it
(WEB_PRELOAD, on by default): its ~100 MB of imported code and data are then shared
copy-on-write rather than loaded again by each worker. This is safe because loading it opens
no connection (database, pool, Redis and broker connect on first use, in the worker) and
starts no thread; tests/test_web_imports.py checks both. A HUP then restarts the workers on the
code the master loaded: deploy new code by restarting the service.
"""

import os
from typing import Any

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
# One process per core: a process runs one thread of Python at a time, so more processes than
# cores buy no throughput and each costs ~95 MB resident. Measured on 2 cores (issue 17): 2 x 12
# threads with pools of 6 served claims, submits and chunks as fast as 3 x 8 with pools of 4
# (the same 12 connections) in ~100 MB less.
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "12"))
worker_class = "gthread"
timeout = 120
# No access log by default: the app writes each request's line itself, with its request id
# (annotation.observability); WEB_ACCESS_LOG=- adds gunicorn's.
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
raw_env = [f"DB_POOL_MAX_SIZE={os.environ.get('DB_POOL_MAX_SIZE') or 6}"]
preload_app = os.environ.get("WEB_PRELOAD", "1") != "0"


def when_ready(server: Any) -> None:
    """Before the first fork: the URLconf too (every view, DRF, the OpenAPI generator, ~20 MB a
    worker would otherwise load on its first request), then freeze what is loaded so that the
    workers' garbage collections never write to (and so copy) those shared pages."""
    if preload_app:
        from annotation.wsgi import load_for_fork

        load_for_fork()
