"""Feed, trending and search queries on generated data: same answers, cheaper plans."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, or_, select, text

from app.accounts.models import User
from app.accounts.queries import resolve_usernames
from app.extensions import db
from app.feeds import queries as feeds
from app.posts import services
from app.posts.markdown import render_markdown
from app.posts.models import Post, TrendingEntry, TrendingSnapshot
from app.posts.queries import newest_first
from app.search import queries as search
from app.seeding import BENCH_READER, seed_world
from app.seeding.content import project_words
from app.social.models import Follow
from tests.conftest import refresh_trending

postgresql_only = pytest.mark.redis_only  # deselected from the SQLite run


@pytest.fixture
def world(ctx):
    """Seed a small network and return its bench reader."""
    seed_world(users=250, posts=3000, random_seed=11)
    return db.session.scalar(select(User).where(User.username == BENCH_READER))


def walk(fetch, pages: int = 50) -> list[int]:
    """Follow the cursors of a list and return the ids, in order."""
    ids: list[int] = []
    cursor = None
    for _ in range(pages):
        page = fetch(cursor)
        ids += [view.post.id for view in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    return ids


def test_seeded_bodies_are_what_the_renderer_makes(world):
    posts = db.session.scalars(select(Post).order_by(Post.id).limit(40)).all()
    for post in posts:
        rendered = render_markdown(post.body, resolve_mentions=resolve_usernames)
        assert (post.body_html, post.body_text) == (rendered.html, rendered.text)


@postgresql_only
@pytest.mark.parametrize("scan", [1, 2000, 100_000])
def test_home_gives_the_same_pages_as_the_plain_query(world, monkeypatch, scan):
    monkeypatch.setattr(feeds, "HOME_SCAN", scan)
    sparse = db.session.scalars(
        select(User).where(User.following_count.between(1, 5)).order_by(User.id)
    ).first()
    for user in (world, sparse):
        followed = select(Follow.followee_id).where(Follow.follower_id == user.id)
        plain = select(Post).where(or_(Post.author_id == user.id, Post.author_id.in_(followed)))

        def two_passes(cursor, user=user):
            return feeds.home(user=user, limit=15, cursor=cursor)

        def one_query(cursor, user=user, plain=plain):
            # Its own shape per reader: the plain query holds the reader's id as a literal.
            shape = ("plain-home", user.id)
            return newest_first(
                shape, lambda _viewer_id: plain, {}, limit=15, cursor=cursor, viewer=user
            )

        expected = walk(one_query, pages=8)
        assert walk(two_passes, pages=8) == expected and expected


@postgresql_only
def test_cursors_do_not_depend_on_the_session_time_zone(world):
    utc = walk(lambda c: feeds.latest(limit=25, cursor=c, viewer=None), pages=6)
    db.session.execute(text("SET LOCAL TIME ZONE 'America/New_York'"))
    assert walk(lambda c: feeds.latest(limit=25, cursor=c, viewer=None), pages=6) == utc
    assert walk(lambda c: feeds.home(user=world, limit=25, cursor=c), pages=4)


@postgresql_only
def test_trending_in_sql_ranks_like_the_python_formula(world, app):
    in_sql = feeds.compute_snapshot()
    sql_rows = db.session.execute(
        select(TrendingEntry.post_id, TrendingEntry.score)
        .where(TrendingEntry.snapshot == in_sql)
        .order_by(TrendingEntry.rank)
    ).all()
    computed_at = db.session.get(TrendingSnapshot, in_sql).computed_at
    snapshot = TrendingSnapshot(computed_at=computed_at)
    db.session.add(snapshot)
    db.session.flush()
    feeds._rank_in_python(snapshot.id, computed_at)
    python_rows = db.session.execute(
        select(TrendingEntry.post_id, TrendingEntry.score)
        .where(TrendingEntry.snapshot == snapshot.id)
        .order_by(TrendingEntry.rank)
    ).all()
    assert len(sql_rows) == len(python_rows) > 100
    # The same posts in the same order; scores equal but for float rounding.
    assert [r.post_id for r in sql_rows[:200]] == [r.post_id for r in python_rows[:200]]
    for (_, a), (_, b) in zip(sql_rows, python_rows, strict=True):
        assert a == pytest.approx(b, rel=1e-6)
    page = feeds.trending(limit=20, cursor=None, viewer=world)
    assert len(page.items) == 20 and page.next_cursor


def test_requests_read_the_jobs_ranking_and_never_compute_one(world, app):
    assert feeds.current_snapshot() is None
    assert feeds.trending(limit=20, cursor=None, viewer=world).items == []
    refresh_trending(app)
    first = feeds.current_snapshot()
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/feed/trending?limit=5").get_json()["items"]
    assert db.session.scalar(select(func.count()).select_from(TrendingSnapshot)) == 1
    refresh_trending(app)
    assert feeds.current_snapshot() != first


@pytest.mark.parametrize("window,scan", [(30, 200), (30, 10_000), (10_000, 200)])
def test_search_walks_its_window_once_in_rank_order(world, app, monkeypatch, window, scan):
    # The window is PostgreSQL's ranking without RUM (tests/test_search_ranking.py has RUM's).
    monkeypatch.setitem(app.config, "SEARCH_RANK_EVERY_MATCH", False)
    monkeypatch.setitem(app.config, "SEARCH_WINDOW", window)
    monkeypatch.setitem(app.config, "SEARCH_RECENT_SCAN", scan)
    seen: list[int] = []
    cursor = None
    added = None
    for step in range(100):
        page = search.search_posts("query planner", limit=7, cursor=cursor, viewer=world)
        seen += [view.post.id for view in page.items]
        if step == 1 and db.engine.dialect.name == "postgresql":
            # New posts while walking: never a repeat, never a hole in what was there.
            # (Not on SQLite: FTS5's bm25 moves every score when a matching post arrives.)
            added = services.create_post(author=world, body="Another query planner surprise.").id
        cursor = page.next_cursor
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) > 0
    matching = {
        post.id
        for post in db.session.scalars(select(Post))
        if "query planner" in post.body_text.lower()
    }
    assert set(seen) <= matching
    before = matching - {added}
    if db.engine.dialect.name == "postgresql":
        # The window is the newest matches when the walk began, each once.
        newest = db.session.scalars(
            select(Post.id)
            .where(Post.id.in_(before))
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(window)
        )
        assert set(newest) <= set(seen)
    else:
        assert before <= set(seen)


def test_a_rare_word_finds_exactly_its_posts(world):
    # Each seeded post names a project; words far down the Zipf list are rare.
    by_word: dict[str, list[int]] = {}
    for post_id, body in db.session.execute(select(Post.id, Post.body)):
        match = re.search(r"working on (\w+)\.", body)
        assert match, body
        by_word.setdefault(match[1], []).append(post_id)
    assert set(by_word) <= set(project_words(50_000))
    word, ids = next((w, ids) for w, ids in by_word.items() if 1 <= len(ids) <= 3)
    found = search.search_posts(word, limit=20, cursor=None, viewer=None)
    assert sorted(v.post.id for v in found.items) == sorted(ids)
    assert search.search_posts("zyzzyva", limit=20, cursor=None, viewer=None).items == []


def test_a_search_page_costs_a_fixed_number_of_statements(world, app):
    from sqlalchemy import event

    from app.search.queries import ranks_every_match

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for words in ("query planner", "python", "zyzzyva"):
            statements.clear()
            search.search_posts(words, limit=20, cursor=None, viewer=world)
            # The window, or the ranking (RUM's scan, a walk by id through a big tie, the
            # cached keys' authors) and the viewer's blocks; posts with their authors; the
            # viewer's reactions and bookmarks.
            assert len(statements) <= 6, (words, statements)
            statements.clear()
            search.search_posts(words, limit=20, cursor=None, viewer=world)
            # Again: the first page's keys come from the cache (RUM), blocks applied to them.
            assert len(statements) <= 3 + ranks_every_match(), (words, statements)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_tag_names_come_from_tags_text_and_agree_with_the_rows(world):
    post = services.create_post(author=world, body="Trying #zig today", tags=["Rust", "go"])
    assert post.tag_names == ["go", "rust", "zig"]
    assert [tag.name for tag in post.tags] == post.tag_names
    assert [tag.name for tag in post.tag_rows] == post.tag_names
    edited = services.edit_post(post_id=post.id, editor=world, body="Now #elixir", tags=["go"])
    assert edited.tag_names == ["elixir", "go"]
    assert [tag.name for tag in edited.tag_rows] == ["elixir", "go"]


def test_an_anonymous_latest_page_is_one_statement(world):
    from sqlalchemy import event

    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        page = feeds.latest(limit=20, cursor=None, viewer=None)
        names = [view.post.tag_names for view in page.items]
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    # Posts with their authors; tags come from tags_text, not from another query.
    assert len(statements) == 1 and any(names)
