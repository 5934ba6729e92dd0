"""gunicorn settings for production-like serving (``make serve``, the Docker image).

Nothing of the app is imported here: gevent patches the worker before the app loads,
which keeps psycopg and redis cooperative (see docs/operations.md).
"""

import glob
import os
import resource

# A gevent Greenlet otherwise keeps the stack that spawned it: memory held for as long as each
# WebSocket lives (about 3 KB per socket, measured with tracemalloc; issue 13).
os.environ.setdefault("GEVENT_TRACK_GREENLET_TREE", "false")

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gevent"
# Each open WebSocket holds one connection slot for its whole life.
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "10000"))
preload_app = False
backlog = int(os.environ.get("BACKLOG", "4096"))
timeout = 30
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# The app writes its own access line (JSON, with the request id and route); ACCESS_LOG=- adds
# gunicorn's as well.
accesslog = os.environ.get("ACCESS_LOG") or None
errorlog = "-"
# Addresses whose X-Forwarded-Proto gunicorn trusts; the app's PROXY_FIX handles X-Forwarded-For.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    """Raise the open-file limit and start the metrics directory empty."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = min(hard, max(soft, workers * worker_connections + 1024))
    if wanted > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if metrics_dir:
        # Files left by an earlier run would be added to this run's counters. Only the
        # client's own *.db files are removed, whatever directory the variable names.
        os.makedirs(metrics_dir, exist_ok=True)
        for path in glob.glob(os.path.join(metrics_dir, "*.db")):
            os.remove(path)


def child_exit(server, worker):
    """Drop the exited worker's live gauges (open sockets, pool) from the metrics."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """Keep what the worker loaded to start out of the garbage collector's full passes."""
    # Modules, the app, its metadata and pools are made once and live as long as the worker,
    # but each full collection walked them all: 40-150 ms pauses, about 1 request in 100 of
    # the API home feed at one client (its p99 42-55 ms against a p95 of 2 ms; with the freeze
    # 2.3 ms: docs/performance.md §12). gc.freeze parks them in a generation never collected.
    import gc

    gc.collect()
    gc.freeze()
