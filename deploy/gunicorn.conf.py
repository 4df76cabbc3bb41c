"""gunicorn for releasemgmt in production, behind deploy/nginx.conf (docs/OPERATIONS.md).

    .venv/bin/gunicorn releasemgmt.wsgi -c deploy/gunicorn.conf.py

Sync workers are right only behind a buffering proxy: nginx hands them whole requests and takes
whole answers, so a slow or stalled client never holds a worker. Never expose this port itself.
Environment: GUNICORN_BIND (default 127.0.0.1:8000), GUNICORN_WORKERS (default 2 x cores + 1).
"""

import os

bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("GUNICORN_WORKERS", "0")) or 2 * (os.cpu_count() or 1) + 1
worker_class = "sync"
# A request still running after this long is killed (nginx waits proxy_read_timeout 60 s).
timeout = 30
graceful_timeout = 20
# Only the proxy on this machine may tell gunicorn the scheme (Django reads it through
# SECURE_PROXY_SSL_HEADER, the client address through TRUSTED_PROXY_COUNT).
forwarded_allow_ips = "127.0.0.1,::1"
# gunicorn 27's control socket has a shared default path a second instance would take over.
control_socket_disable = True
# Django's connection pool is per process: no --preload (docs/OPERATIONS.md).
preload_app = False
accesslog = "-"
