"""gunicorn settings for production (``gunicorn -c gunicorn.conf.py wsgi:app``)."""

import multiprocessing
import os

import gunicorn.http.wsgi

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so slow leaks cannot build up; with the app preloaded a
# recycled worker is a fork of the master (milliseconds), not a fresh import (~1 s).
max_requests = 2000
max_requests_jitter = 200
preload_app = True
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No server banner with a version in it.
gunicorn.http.wsgi.SERVER = "OmniScope"


def post_fork(server, worker):
    """A worker opens its own database connections (redis-py checks the pid itself)."""
    app = server.app.wsgi()
    extension = getattr(app, "extensions", {}).get("sqlalchemy")
    if extension is not None:
        with app.app_context():
            extension.engine.dispose(close=False)
