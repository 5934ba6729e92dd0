"""Search relevance and keyset walks: the obvious best posts come first on every ranking.

The rankings: FTS5 on SQLite; on PostgreSQL every match ranked by the RUM index (migration
0013; it must be installed: `make rum`) and the newest-matches window it falls back to
without RUM (forced here with SEARCH_RANK_EVERY_MATCH off).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, func, literal_column, select, text
from sqlalchemy.engine import make_url

from app.accounts.models import User
from app.cache import bump
from app.extensions import db
from app.posts import services
from app.posts.models import Post
from app.safety import services as safety
from app.search import queries
from tests.conftest import DATABASE_URL, make_user

# Each query's expected best posts, best first, by the name the corpus gives them.
RELEVANCE = [
    ("postgres", ["postgres_tagged_thrice", "postgres_thrice"]),
    ("query planner", ["planner_phrase_twice", "planner_phrase_once"]),
    ('"connection pooling"', ["pooling_phrase_twice", "pooling_phrase_once"]),
    ("rust ownership", ["rust_tagged_ownership"]),
    ("redis cache invalidation", ["redis_all_three_twice", "redis_all_three"]),
    ("python -django", ["python_tagged_flask"]),
    ("kubernetes", ["kubernetes_title"]),
]

FILLER = "We shipped a small fix today and wrote down what we learned along the way."

CORPUS = {
    "postgres_tagged_thrice": "Postgres tuning: postgres settings for postgres #postgres",
    "postgres_thrice": "postgres, postgres and more postgres on a quiet afternoon.",
    "postgres_once_a": f"{FILLER} We also moved one table to postgres.",
    "postgres_once_b": f"Our postgres backup ran late. {FILLER}",
    "planner_phrase_twice": "The query planner explained: how the query planner picks a plan.",
    "planner_phrase_once": f"{FILLER} The query planner chose a sequential scan.",
    "planner_scattered": f"A slow query kept us busy. {FILLER} {FILLER} The planner was fine.",
    "pooling_phrase_twice": "Connection pooling, then more connection pooling: pgbouncer notes.",
    "pooling_phrase_once": f"{FILLER} Connection pooling fixed the spikes.",
    "pooling_apart": f"Every connection matters. {FILLER} Pooling came later.",
    "rust_tagged_ownership": "Rust ownership explained with rust examples #rust",
    "rust_ownership_once": f"{FILLER} Ownership in rust took a while to click.",
    "rust_only": f"We tried rust for the parser. {FILLER}",
    "redis_all_three_twice": "Redis cache invalidation: redis cache invalidation done right.",
    "redis_all_three": f"{FILLER} Redis, a cache, and the invalidation that bit us.",
    "redis_cache_only": f"{FILLER} The redis cache was warm.",
    "python_tagged_flask": "Python and flask: python all day #python",
    "python_django": "Python and django for the web #python",
    "python_once": f"{FILLER} A python script did the migration.",
    "kubernetes_title": "Kubernetes: kubernetes probes and kubernetes rollouts #kubernetes",
    "kubernetes_once": f"{FILLER} The kubernetes upgrade went fine.",
    "unrelated_a": FILLER,
    "unrelated_b": f"{FILLER} Nothing else to report.",
    "unrelated_c": "Coffee, then code review, then lunch.",
}


# The rankings this run's database has: PostgreSQL's two, or SQLite's FTS5.
RANKINGS = ["every match", "window"] if DATABASE_URL.startswith("postgresql") else ["fts5"]


@pytest.fixture(params=RANKINGS)
def ranking(request, app, monkeypatch) -> str:
    """Run the test on each ranking this database has (PostgreSQL: RUM and its fallback)."""
    if request.param == "window":
        monkeypatch.setitem(app.config, "SEARCH_RANK_EVERY_MATCH", False)
    elif request.param == "every match":
        with app.app_context():
            assert queries.ranks_every_match(), (
                "PostgreSQL has no RUM index: install postgresql-15-rum (make rum) and migrate"
            )
    return request.param


@pytest.fixture
def corpus(app, ctx) -> dict[str, int]:
    """Post the relevance corpus in a shuffled order, so ids do not follow the ranking."""
    author = db.session.get(User, make_user(app, "writer"))
    names = sorted(CORPUS, key=lambda name: (len(name) % 5, name))
    return {name: services.create_post(author=author, body=CORPUS[name]).id for name in names}


def walk(raw: str, limit: int = 100, viewer: User | None = None) -> list[int]:
    """Walk every page of a post search and return the ids in order."""
    seen: list[int] = []
    cursor = None
    for _ in range(500):
        page = queries.search_posts(raw, limit=limit, cursor=cursor, viewer=viewer)
        seen += [view.post.id for view in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("the walk never ended")


@pytest.mark.parametrize("raw,best", RELEVANCE, ids=[raw for raw, _ in RELEVANCE])
def test_the_obvious_best_posts_come_first(corpus, ranking, raw, best):
    found = walk(raw)
    assert found[: len(best)] == [corpus[name] for name in best]
    assert len(found) == len(set(found))


def test_every_match_is_found_once(corpus, ranking):
    found = walk("postgres", limit=1)
    assert sorted(found) == sorted(corpus[name] for name in CORPUS if name.startswith("postgres"))


def reference(raw: str) -> list[int]:
    """Return PostgreSQL's order of every match, sorted the slow way: (distance, newest id)."""
    tsquery = func.websearch_to_tsquery("english", queries._websearch_text(queries.parse(raw)))
    vector = literal_column("posts.search_vector")
    distance = vector.op("<=>")(tsquery)
    return list(
        db.session.scalars(
            select(Post.id).where(vector.op("@@")(tsquery)).order_by(distance, Post.id.desc())
        )
    )


@pytest.fixture
def ties(app, ctx) -> dict[str, list[int]]:
    """Many posts at a few equal ranks, posted interleaved (ids do not follow the ranks)."""
    author = db.session.get(User, make_user(app, "writer"))
    other = db.session.get(User, make_user(app, "other"))
    made: dict[str, list[int]] = {"once": [], "twice": [], "tagged": [], "other": []}
    for i in range(45):
        made["once"].append(services.create_post(author=author, body=f"tied words, take {i}").id)
        if i % 3 == 0:
            body = f"tied words and tied words again {i}"
            made["twice"].append(services.create_post(author=author, body=body).id)
        if i % 9 == 0:
            body = f"tied words from someone else {i} #tied"
            made["other"].append(services.create_post(author=other, body=body).id)
        if i % 15 == 0:
            body = f"tied words {i} #tied #words"
            made["tagged"].append(services.create_post(author=author, body=body).id)
    return made


def every(ties: dict[str, list[int]]) -> list[int]:
    """Return the ids of every tied post."""
    return [post_id for ids in ties.values() for post_id in ids]


@pytest.mark.parametrize("big_tie", [3, 10_000], ids=["ties walked by id", "ties read whole"])
@pytest.mark.parametrize("limit", [1, 7, 100])
def test_a_walk_through_equal_ranks_returns_each_post_once_in_rank_order(
    ties, app, monkeypatch, big_tie, limit
):
    if db.engine.dialect.name != "postgresql":
        found = walk("tied words", limit=limit)
        assert sorted(found) == sorted(every(ties))
        return
    assert queries.ranks_every_match(), "PostgreSQL has no RUM index (make rum)"
    monkeypatch.setitem(app.config, "SEARCH_BIG_TIE", big_tie)
    assert walk("tied words", limit=limit) == reference("tied words")
    assert len(reference("tied words")) == sum(len(ids) for ids in ties.values())


@pytest.mark.parametrize("big_tie", [3, 10_000], ids=["ties walked by id", "ties read whole"])
def test_a_walk_skips_blocked_people_and_keeps_everyone_else(ties, app, monkeypatch, big_tie):
    monkeypatch.setitem(app.config, "SEARCH_BIG_TIE", big_tie)
    reader = db.session.get(User, make_user(app, "reader"))
    safety.block(blocker=reader, username="other")
    found = walk("tied words", limit=4, viewer=reader)
    expected = ties["once"] + ties["twice"] + ties["tagged"]
    assert sorted(found) == sorted(expected)
    assert len(found) == len(set(found))
    if db.engine.dialect.name == "postgresql":
        hidden = set(ties["other"])
        assert found == [i for i in reference("tied words") if i not in hidden]


@pytest.mark.parametrize("big_tie", [3, 10_000], ids=["ties walked by id", "ties read whole"])
def test_new_posts_during_a_walk_never_repeat_or_hide_a_post(ties, app, monkeypatch, big_tie):
    monkeypatch.setitem(app.config, "SEARCH_BIG_TIE", big_tie)
    author = db.session.scalar(select(User).where(User.username == "writer"))
    before = set(every(ties))
    seen: list[int] = []
    cursor = None
    for step in range(200):
        page = queries.search_posts("tied words", limit=5, cursor=cursor, viewer=None)
        seen += [view.post.id for view in page.items]
        # Posts at every rank arrive while the walk goes on.
        services.create_post(author=author, body=f"tied words, late {step}")
        services.create_post(author=author, body=f"tied words and tied words, late {step}")
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen))
    assert before <= set(seen)


def test_the_migration_leaves_one_full_text_index(app, ctx):
    if db.engine.dialect.name != "postgresql":
        return
    indexes = set(
        db.session.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'posts'"))
    )
    # RUM answers @@ as GIN did: keeping both would double the cost of every post written.
    assert "ix_posts_search_rum" in indexes and "ix_posts_search" not in indexes


@pytest.mark.parametrize("first_keys", [101, 12], ids=["every match cached", "a full ranking"])
def test_first_pages_share_one_ranking_while_posts_are_written(ties, app, monkeypatch, first_keys):
    if db.engine.dialect.name != "postgresql":
        return
    monkeypatch.setitem(app.config, "SEARCH_BIG_TIE", 3)
    monkeypatch.setattr(queries, "FIRST_KEYS", first_keys)
    bump("post-edits")  # an earlier test's ranking of these words may still be cached
    reader = db.session.get(User, make_user(app, "reader"))
    safety.block(blocker=reader, username="other")
    scans: list[str] = []
    checking: list[bool] = []

    def count(conn, cursor, statement, *args) -> None:
        # The ranking's scans in distance order (the costly part), not the test's own reference.
        if "<=>" in statement and "ORDER BY" in statement and not checking:
            scans.append(statement)

    def expected() -> list[int]:
        checking.append(True)
        try:
            return reference("tied words")
        finally:
            checking.clear()

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        first = queries.search_posts("tied words", limit=10, cursor=None, viewer=None)
        ranked_scans = len(scans)
        again = queries.search_posts("tied words", limit=10, cursor=None, viewer=None)
        theirs = queries.search_posts("tied words", limit=10, cursor=None, viewer=reader)
        assert ranked_scans > 0 and len(scans) == ranked_scans
        order = expected()
        assert [v.post.id for v in first.items] == [v.post.id for v in again.items] == order[:10]
        visible = [i for i in order if i not in set(ties["other"])]
        assert [v.post.id for v in theirs.items] == visible[:10]
        # The cursors of cached pages go on where the database would.
        rest = walk_from(theirs.next_cursor, reader)
        assert [v.post.id for v in theirs.items] + rest == visible
        # New posts join the shared ranking without a new scan, each at its place.
        author = db.session.scalar(select(User).where(User.username == "writer"))
        scans.clear()
        best = services.create_post(author=author, body="tied words tied words #tied #words").id
        also = services.create_post(author=author, body="tied words, the newest take").id
        fresh = queries.search_posts("tied words", limit=10, cursor=None, viewer=None)
        assert scans == [], "new posts keep the shared ranking"
        assert fresh.items[0].post.id == best == expected()[0]
        assert [v.post.id for v in fresh.items] == expected()[:10]
        assert also in [v.post.id for v in fresh.items] or also not in expected()[:10]
        # A deleted post is gone from the next first page at once.
        services.delete_post(post_id=best, actor=author)
        after_delete = queries.search_posts("tied words", limit=10, cursor=None, viewer=None)
        assert scans == [], "a deletion keeps the shared ranking"
        assert [v.post.id for v in after_delete.items] == expected()[:10]
        # Blocking someone hides their posts from the next first page at once (a ranking left
        # too short by it is read from the database).
        safety.block(blocker=reader, username="writer")
        blocked = queries.search_posts("tied words", limit=10, cursor=None, viewer=reader)
        assert blocked.items == []  # every match is by one of the two people blocked now
        walked = walk_from(after_delete.next_cursor, None)
        assert [v.post.id for v in after_delete.items] + walked == expected()
        # An edit can make an older post match: the ranking starts again.
        unrelated = services.create_post(author=author, body="nothing to see here").id
        services.edit_post(post_id=unrelated, editor=author, body="tied words tied words tied")
        edited = queries.search_posts("tied words", limit=10, cursor=None, viewer=None)
        assert scans, "an edit drops the shared ranking"
        assert [v.post.id for v in edited.items] == expected()[:10]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_ranking_older_than_the_prepared_look_back_is_ranked_again(ties, app, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        return
    bump("post-edits")  # an earlier test's ranking of these words may still be cached
    scans: list[str] = []

    def count(conn, cursor, statement, *args) -> None:
        if "<=>" in statement and "ORDER BY" in statement:
            scans.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        first = queries.search_posts("tied words", limit=10, cursor=None, viewer=None)
        kept = queries.search_posts("tied words", limit=10, cursor=None, viewer=None)
        ranked = len(scans)
        assert ranked > 0
        # The prepared "matches since" statement may only look back half of RECENT: a ranking
        # older than that is not reused, whatever the cache still holds.
        monkeypatch.setattr(queries, "RECENT", timedelta(0))
        again = queries.search_posts("tied words", limit=10, cursor=None, viewer=None)
        assert len(scans) > ranked
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    order = reference("tied words")[:10]
    assert [v.post.id for v in first.items] == [v.post.id for v in kept.items] == order
    assert [v.post.id for v in again.items] == order


def walk_from(cursor: str | None, viewer: User | None) -> list[int]:
    """Walk the pages after a cursor."""
    seen: list[int] = []
    while cursor is not None:
        page = queries.search_posts("tied words", limit=6, cursor=cursor, viewer=viewer)
        seen += [view.post.id for view in page.items]
        cursor = page.next_cursor
    return seen


@pytest.fixture
def database_without_rum(app) -> Iterator[str]:
    """Give the test an empty database owned by a role that may not create extensions."""
    if not DATABASE_URL.startswith("postgresql"):
        yield ""
        return
    role = "devthread_no_superuser"
    name = make_url(DATABASE_URL).database + "_norum"
    admin = create_engine(
        make_url(DATABASE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}):
            conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        conn.execute(text(f'CREATE DATABASE "{name}" OWNER {role}'))
    try:
        url = make_url(DATABASE_URL).set(database=name, username=role)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_without_rum_the_migration_keeps_gin_and_search_ranks_the_window(
    database_without_rum, other_app, caplog
):
    if not database_without_rum:
        return
    other = other_app(SQLALCHEMY_DATABASE_URI=database_without_rum)
    with other.app_context(), caplog.at_level(logging.WARNING):
        upgrade()
        indexes = set(
            db.session.scalars(text("SELECT indexname FROM pg_indexes WHERE tablename = 'posts'"))
        )
        assert "ix_posts_search" in indexes and "ix_posts_search_rum" not in indexes
        assert "search keeps the GIN index" in caplog.text
        assert not queries.ranks_every_match()
        db.session.remove()
    make_user(other, "writer")
    with other.test_request_context():
        writer = db.session.scalar(select(User).where(User.username == "writer"))
        once = services.create_post(author=writer, body="a note on postgres").id
        tagged = services.create_post(author=writer, body="postgres, postgres #postgres").id
        page = queries.search_posts("postgres", limit=10, cursor=None, viewer=None)
        assert [view.post.id for view in page.items] == [tagged, once]
        db.session.remove()
