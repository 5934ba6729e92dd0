"""Measure API routes in process: CPU per request through Flask's test client, best of N runs.

No server, no network, no load generator: only the app's own work (and its SQL round trips),
so numbers are comparable on a shared machine. Signs in as the bench reader on the seeded
PostgreSQL database (``bench/feeds.py`` seeds nothing; ``flask seed`` does).

    .venv/bin/python bench/inprocess.py --routes pk,home,latest,tag --runs 3 --requests 200
    .venv/bin/python bench/inprocess.py --routes home --profile 30   # top 30 of cProfile
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:5432/devthread_bench"


def main() -> None:
    """Run the measurement and print one line per route."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    # With Redis, as in production: jobs are queued there (nobody runs them), not run in a
    # thread of this process, which would be measured too.
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--routes", default="pk,home,latest,tag")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--login", default="bench_reader")
    parser.add_argument("--password", default="devthread-demo")
    parser.add_argument("--tag", default="python")
    parser.add_argument("--profile", type=int, default=0, help="print the top N of cProfile")
    parser.add_argument("--sort", default="tottime", help="cProfile's order (cumulative, ...)")
    args = parser.parse_args()

    from app import create_app
    from app.accounts.models import User
    from app.extensions import db

    config = {
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "RATELIMIT_ENABLED": False,
        "REQUIRE_VERIFIED_EMAIL": False,
        "BENCH_ROUTES": True,
    }
    app = create_app(config)
    client = app.test_client()
    answer = client.post(
        "/api/v1/auth/login", json={"login": args.login, "password": args.password}
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    headers = {"Authorization": f"Bearer {answer.get_json()['access_token']}"}
    with app.app_context():
        user_id = db.session.scalar(db.select(User.id).where(User.username == args.login))
    paths = {
        "healthz": "/healthz",
        "pk": f"/_bench/user/{user_id}",
        "home": "/api/v1/feed/home",
        "latest": "/api/v1/feed/latest",
        "tag": f"/api/v1/tags/{args.tag}/posts",
        "search": "/api/v1/search?q=python",
    }
    for name in args.routes.split(","):
        path = paths[name]
        for _ in range(20):  # warm-up: connections, caches, compiled statements
            assert client.get(path, headers=headers).status_code == 200
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(args.requests):
                client.get(path, headers=headers)
            profile.disable()
            pstats.Stats(profile).sort_stats(args.sort).print_stats(args.profile)
            continue
        best_cpu = best_wall = float("inf")
        for _ in range(args.runs):
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(args.requests):
                client.get(path, headers=headers)
            best_cpu = min(best_cpu, (time.process_time() - cpu) / args.requests)
            best_wall = min(best_wall, (time.perf_counter() - wall) / args.requests)
        print(
            f"{name:8} cpu {best_cpu * 1000:6.2f} ms  wall {best_wall * 1000:6.2f} ms"
            f"  (best of {args.runs}x{args.requests}; load {os.getloadavg()[0]:.2f})"
        )


if __name__ == "__main__":
    main()
