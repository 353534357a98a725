"""gunicorn settings for Hợp tác (see docs/deploy.md). Every value can be set from the
environment, so the same file serves a small VM and a larger app server."""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


wsgi_app = "cooperation.wsgi:application"
# Behind nginx on the same machine: listen on loopback only.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: requests are short and CPU-bound (PDFs take a few seconds each).
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
worker_class = "sync"
# WeasyPrint grows a worker's memory with each PDF (~150 MiB after one, more after several):
# recycle workers regularly, with jitter so they do not all restart at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 500)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 50)
# Long enough for the biggest PDF (~5 s) with a margin; a stuck worker is killed after this.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Trust X-Forwarded-* only from the local nginx.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Limits on the request line and headers (nginx applies its own body limit).
limit_request_line = 4094
limit_request_fields = 100
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Load the application before forking: faster start and shared memory pages.
preload_app = True
