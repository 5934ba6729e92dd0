"""Run the feed, tag, trending and search queries on a seeded database and EXPLAIN them.

Captures the exact SQL that app/feeds, app/posts and app/search emit for each case, times
the Python call (median of a few runs), then prints EXPLAIN (ANALYZE, BUFFERS) of each
statement. PostgreSQL only.

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/devthread_bench \\
        SECRET_KEY=x .venv/bin/python bench/explain.py > bench/results/explain.txt
    ... bench/explain.py --only home,tag,search --set jit=on      # a setting, this session only
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, select, text

from app import create_app
from app.accounts.models import User
from app.extensions import db
from app.pagination import encode_cursor


def rare_words() -> list[str]:
    """Return a rare and a very rare project name of the seed (ranks 1,000 and 20,000)."""
    try:
        from app.seeding.content import project_words
    except ImportError:  # an older checkout, for before/after comparisons
        return []
    words = project_words(20_000)
    return [words[999], words[19_999]]


def cases(
    reader: User, tag_name: str, depth: int, rare: list[str]
) -> dict[str, Callable[[], object]]:
    """Return the calls to measure, by name."""
    from app.feeds import queries as feeds
    from app.search.queries import search_posts

    tag = feeds.get_tag(tag_name)
    home_deep = db.session.execute(
        text(
            "SELECT created_at, id FROM posts WHERE author_id = :me OR author_id IN"
            " (SELECT followee_id FROM follows WHERE follower_id = :me)"
            " ORDER BY created_at DESC, id DESC OFFSET :n LIMIT 1"
        ),
        {"me": reader.id, "n": depth},
    ).one()
    latest_deep = db.session.execute(
        text(
            "SELECT created_at, id FROM posts ORDER BY created_at DESC, id DESC OFFSET :n LIMIT 1"
        ),
        {"n": depth * 10},
    ).one()
    tag_deep = db.session.execute(
        text(
            "SELECT post_created_at, post_id FROM post_tags WHERE tag_id = :t"
            " ORDER BY post_created_at DESC, post_id DESC OFFSET :n LIMIT 1"
        ),
        {"t": tag.id, "n": depth * 10},
    ).one()
    sparse = db.session.scalars(
        select(User).where(User.following_count.between(8, 12)).order_by(User.id)
    ).first()
    return {
        "home, first page": lambda: feeds.home(user=reader, limit=20, cursor=None),
        f"home of someone following {sparse.following_count} people": lambda: feeds.home(
            user=sparse, limit=20, cursor=None
        ),
        f"home, deep page (after {depth:,} posts)": lambda: feeds.home(
            user=reader, limit=20, cursor=encode_cursor(*home_deep)
        ),
        "latest, first page": lambda: feeds.latest(limit=20, cursor=None, viewer=reader),
        f"latest, deep page (after {depth * 10:,} posts)": lambda: feeds.latest(
            limit=20, cursor=encode_cursor(*latest_deep), viewer=reader
        ),
        f"tag {tag_name}, first page": lambda: feeds.by_tag(
            tag, limit=20, cursor=None, viewer=reader
        ),
        f"tag {tag_name}, deep page (after {depth * 10:,} posts)": lambda: feeds.by_tag(
            tag, limit=20, cursor=encode_cursor(*tag_deep), viewer=reader
        ),
        "trending, compute_snapshot": feeds.compute_snapshot,
        "trending, first page": lambda: feeds.trending(limit=20, cursor=None, viewer=reader),
        "search 'python' (very common)": lambda: search_posts(
            "python", limit=20, cursor=None, viewer=reader
        ),
        "search 'query planner' (common)": lambda: search_posts(
            "query planner", limit=20, cursor=None, viewer=reader
        ),
        "search 'readiness probes' (less common)": lambda: search_posts(
            "readiness probes", limit=20, cursor=None, viewer=reader
        ),
        "search 'zyzzyva' (no match)": lambda: search_posts(
            "zyzzyva", limit=20, cursor=None, viewer=reader
        ),
        **{
            f"search '{word}' (rare project name, {label})": (
                lambda word=word: search_posts(word, limit=20, cursor=None, viewer=reader)
            )
            for word, label in zip(rare, ("rank 1,000", "rank 20,000"), strict=False)
        },
    }


def main() -> int:
    """Time each case and print its statements' plans."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tag", default="python")
    parser.add_argument("--depth", type=int, default=2000, help="home-feed posts to skip")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--only",
        help="run only the cases whose name contains one of these words (comma-separated;"
        " 'trending, compute_snapshot' writes a snapshot: leave it out on a shared database)",
    )
    parser.add_argument("--no-plans", action="store_true")
    parser.add_argument("--rare", nargs="*", help="rare search words (default: from the seed)")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a PostgreSQL setting for this script's sessions only, e.g. --set jit=on"
        " --set random_page_cost=1.1 (the app itself runs with jit=off: POSTGRES_JIT)",
    )
    args = parser.parse_args()
    settings = {"jit": "off", **dict(item.split("=", 1) for item in args.set)}
    # Per session, as the app sets jit: the server's own settings stay as they are.
    app = create_app(
        {
            "DATABASE_URL": os.environ.get("DATABASE_URL"),
            "SECRET_KEY": os.environ.get("SECRET_KEY"),
            "POSTGRES_JIT": True,
            "SQLALCHEMY_ENGINE_OPTIONS": {
                "connect_args": {
                    "options": " ".join(f"-c {name}={value}" for name, value in settings.items())
                }
            },
        }
    )
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            raise SystemExit("Point DATABASE_URL at the seeded PostgreSQL database.")
        reader = db.session.scalar(select(User).where(User.username == "bench_reader"))
        captured: list[tuple[str, object]] = []

        @event.listens_for(db.engine, "before_cursor_execute")
        def _capture(conn, cursor, statement, parameters, context, executemany):
            captured.append((statement, parameters))

        rare = args.rare if args.rare is not None else rare_words()
        for name in settings:
            print(f"{name} = {db.session.scalar(text(f'SHOW {name}'))}")
        print()
        for name, call in cases(reader, args.tag, args.depth, rare).items():
            if args.only and not any(word in name for word in args.only.split(",")):
                continue
            timings = []
            for _ in range(args.runs):
                captured.clear()
                db.session.expire_all()
                started = time.perf_counter()
                call()
                timings.append((time.perf_counter() - started) * 1000)
                db.session.rollback()
            statements = [
                (s, p) for s, p in captured if not s.lstrip().upper().startswith("INSERT")
            ]
            print(
                f"=== {name}: median {statistics.median(timings):.1f} ms"
                f" (min {min(timings):.1f}, {args.runs} runs), {len(captured)} statements"
            )
            if args.no_plans:
                continue
            raw = db.session.connection().connection.driver_connection
            for statement, parameters in statements:
                if statement.lstrip().upper().startswith(("DELETE", "SAVEPOINT", "RELEASE")):
                    continue
                with raw.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                print("--- " + " ".join(statement.split())[:300])
                print(plan)
            db.session.rollback()
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
