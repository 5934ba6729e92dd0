"""gunicorn settings for production-like serving (``make serve``).

Nothing of the app is imported here: gevent patches the worker before the app loads,
which keeps psycopg and redis cooperative (see docs/operations.md).
"""

import os
import resource

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gevent"
# Each open WebSocket holds one connection slot for its whole life.
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "10000"))
preload_app = False
backlog = int(os.environ.get("BACKLOG", "4096"))
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("ACCESS_LOG", "-") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Raise the open-file limit towards the hard limit: every socket is a file."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, workers * worker_connections + 1024))
    if wanted > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
