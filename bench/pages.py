"""Measure the CPU each signed-in HTML page costs, in process, with its size and CSRF tokens.

Builds the app on the seeded database (read only: nothing is written but the sign-in's session
record), signs in as the bench reader through the /login page, then fetches each page through
Flask's test client, best of ``--rounds`` rounds of ``--requests`` requests, and prints the CPU
time per request (process time: the server's work without the network and the load generator),
the page's bytes, its CSRF tokens and its SQL statements.

    .venv/bin/python bench/pages.py
    .venv/bin/python bench/pages.py --pages home,post --requests 50
    .venv/bin/python bench/pages.py --pages home --profile 30   # top 30 of cProfile
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import re
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/devthread_bench"
PAGES = ("pk", "home", "post", "profile", "tag", "search", "notifications", "bookmarks", "latest")


def facts(url: str) -> dict[str, object]:
    """Pick the pages' subjects as bench/feeds.py does: busiest post, top tag, most followed."""
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        one = conn.execute
        post = one("SELECT id FROM posts ORDER BY comments_count DESC, id LIMIT 1").fetchone()
        tag = one("SELECT name FROM tags ORDER BY posts_count DESC LIMIT 1").fetchone()
        author = one(
            "SELECT username FROM users WHERE erased_at IS NULL"
            " ORDER BY followers_count DESC LIMIT 1"
        ).fetchone()
        reader = one("SELECT id FROM users WHERE username = 'bench_reader'").fetchone()
    return {"post": post[0], "tag": tag[0], "profile": author[0], "reader": reader[0]}


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and print one line per page."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    )
    parser.add_argument("--pages", default=",".join(PAGES))
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--login", default="bench_reader")
    parser.add_argument("--password", default="devthread-demo")
    parser.add_argument("--query", default="query planner")
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL"))
    parser.add_argument("--profile", type=int, default=0, help="print the top N of cProfile")
    parser.add_argument("--sort", default="tottime", help="cProfile's order (cumulative, ...)")
    parser.add_argument("--callees", default="", help="with --profile: what this function calls")
    args = parser.parse_args(argv)

    from sqlalchemy import event

    from app import create_app
    from app.extensions import db

    subject = facts(args.database_url)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "SECRET_KEY": "bench-pages-secret-key-that-is-long-enough",
            "RATELIMIT_ENABLED": False,
            "JOBS_BACKEND": "local",
            "REQUIRE_VERIFIED_EMAIL": False,
            "REDIS_URL": args.redis_url,
            "BENCH_ROUTES": True,  # the one-row primary-key route: the reference
        }
    )
    # The access log would cost more than some pages: leave it out of the measurement.
    logging.disable(logging.CRITICAL)
    paths = {
        "pk": f"/_bench/user/{subject['reader']}",
        "home": "/",
        "latest": "/latest",
        "post": f"/p/{subject['post']}",
        "profile": f"/u/{urllib.parse.quote(str(subject['profile']))}",
        "tag": f"/tags/{urllib.parse.quote(str(subject['tag']))}",
        "search": f"/search?q={urllib.parse.quote(args.query)}",
        "notifications": "/notifications",
        "bookmarks": "/bookmarks",
    }
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert token, "no CSRF token on /login"
    signed = client.post(
        "/login", data={"login": args.login, "password": args.password, "csrf_token": token[1]}
    )
    assert signed.status_code in (302, 303), f"sign-in failed: {signed.status_code}"
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    load = os.getloadavg()
    print(f"# {time.strftime('%Y-%m-%d %H:%M:%S')} load average {load[0]:.2f} {load[1]:.2f}")
    print(f"# {args.rounds} rounds x {args.requests} requests, best round; subjects {subject}")
    print(
        f"{'page':<14} {'status':>6} {'cpu ms':>8} {'x pk':>6} {'KB':>7} {'csrf':>5} {'sql':>4}"
        f" {'calls':>6}"
    )
    reference = None
    for name in args.pages.split(","):
        path = paths[name]
        response = client.get(path)
        body = response.get_data(as_text=True)
        statements.clear()
        client.get(path)
        sql = len(statements)
        if args.profile:
            profile = cProfile.Profile(time.process_time)  # CPU, not waits on the database
            profile.enable()
            for _ in range(args.requests):
                client.get(path).get_data()
            profile.disable()
            print(f"## {name} ({path}), {args.requests} requests")
            stats = pstats.Stats(profile).sort_stats(args.sort)
            if args.callees:
                stats.print_callees(args.callees)
            else:
                stats.print_stats(args.profile)
            continue
        best = float("inf")
        for _ in range(args.rounds):
            started = time.process_time()
            for _ in range(args.requests):
                client.get(path).get_data()
            best = min(best, (time.process_time() - started) / args.requests)
        # Python calls per request (cProfile's count): the same on a busy machine as on a quiet one.
        counter = cProfile.Profile()
        counter.runcall(lambda url: client.get(url).get_data(), path)
        calls = pstats.Stats(counter).total_calls  # type: ignore[attr-defined]
        tokens = len(re.findall(r'name="csrf_token"|name="csrf-token"|X-CSRFToken', body))
        if name == "pk":
            reference = best
        # The page's CPU against the PK route's: what the benchmark's ratio is when the database
        # is not the bottleneck (its target is the inverse: a share of the PK route's req/s).
        ratio = f"{best / reference:6.2f}" if reference else f"{'-':>6}"
        print(
            f"{name:<14} {response.status_code:>6} {best * 1000:8.2f} {ratio}"
            f" {len(body.encode()) / 1024:7.1f} {tokens:>5} {sql:>4} {calls:>6}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
