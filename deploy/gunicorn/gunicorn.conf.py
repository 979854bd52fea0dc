"""gunicorn for the web service: the image, docker-compose.yml and the HTTP benchmarks all start
it with this file (`gunicorn -c deploy/gunicorn/gunicorn.conf.py annotation.wsgi:application`),
so a benchmark measures what production runs. Every value can be set from the environment."""

import os

bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_WORKERS", "3"))
threads = int(os.environ.get("WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = 120
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None
