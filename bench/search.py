"""Time post search in process: every match ranked (RUM) against the newest-matches window.

For each query, the first page and a walk of the next pages, on the ranking the database
offers (RUM when migration 0013 made its index: with the shared first page missed, then
hit, then hit while posts are written: a post write bumps the ``posts`` namespace before each
call, which dropped the shared page before it survived writes) and on the window
(SEARCH_RANK_EVERY_MATCH off); best and median of a few runs, the load average beside them.
PostgreSQL only.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/devthread_bench_search \\
        SECRET_KEY=x .venv/bin/python bench/search.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select

from app import create_app
from app.accounts.models import User
from app.cache import bump
from app.extensions import db

QUERIES = (
    "query planner",
    "python",
    "readiness probes",
    '"zero-downtime migrations"',
    "rust deploy",
    "venventor",
    "zyzzyva",
)


def measure(call, runs: int) -> tuple[float, float, int]:
    """Return the best and median milliseconds of ``call`` and its statement count."""
    statements = 0

    def count(*_args) -> None:
        nonlocal statements
        statements += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        timings = []
        for _ in range(runs):
            statements = 0
            start = time.perf_counter()
            call()
            timings.append((time.perf_counter() - start) * 1000)
            db.session.rollback()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return min(timings), statistics.median(timings), statements


def main() -> int:
    """Print one line per query, path and page."""
    from app.search.queries import ranks_every_match, search_posts

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pages", type=int, default=5, help="pages walked after the first")
    parser.add_argument("--query", action="append", help="a query (repeatable)")
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            raise SystemExit("Point DATABASE_URL at the seeded PostgreSQL database.")
        reader = db.session.scalar(select(User).where(User.username == "bench_reader"))
        print(f"load average before: {os.getloadavg()}")
        print("| query | path | page | best ms | median ms | statements |")
        print("|---|---|---|---:|---:|---:|")
        for path in ("ranked", "ranked, cached", "ranked, cached, writes", "window"):
            app.config["SEARCH_RANK_EVERY_MATCH"] = path != "window"
            # "ranked" misses the shared first page on purpose (the cost of a new query).
            cached = path.startswith("ranked, cached")
            app.config["SEARCH_CACHE_SECONDS"] = 60.0 if cached else 0.0
            if path != "window" and not ranks_every_match():
                print("(no RUM index: the ranked path is the window)")
            for query in args.query or QUERIES:
                cursor = None
                for page_number in range(1 + args.pages):
                    writes = path.endswith("writes")

                    def call(cursor=cursor, query=query, writes=writes):
                        if writes:
                            bump("posts")  # what every post written does after its commit
                        return search_posts(query, limit=20, cursor=cursor, viewer=reader)

                    best, median, statements = measure(call, args.runs)
                    print(
                        f"| {query} | {path} | {page_number + 1} | {best:.1f} | {median:.1f}"
                        f" | {statements} |"
                    )
                    cursor = call().next_cursor
                    db.session.rollback()
                    if cursor is None:
                        break
        print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
