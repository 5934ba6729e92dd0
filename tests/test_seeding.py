"""Generated data at scale: counts, counters, tags, search and feeds on a small seed."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select, text

from app.accounts.models import User
from app.accounts.rules import identity_key
from app.extensions import db
from app.feeds import queries as feeds
from app.posts import services
from app.posts.models import REACTION_KINDS, Comment, Post, PostTag, Reaction, Tag
from app.search.queries import search_posts
from app.seeding import BENCH_READER, BENCH_READER_FOLLOWS, counter_mismatches, seed_world
from app.social.models import Follow


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def reader() -> User:
    return db.session.scalar(select(User).where(User.username == BENCH_READER))


def assert_identity_keys_filled() -> None:
    """Every account, however it was written, carries the keys sign-in and sign-up compare."""
    rows = db.session.execute(
        select(User.username, User.email, User.username_key, User.email_key)
    ).all()
    assert rows
    for username, email, username_key, email_key in rows:
        assert (username_key, email_key) == (identity_key(username), identity_key(email))


def index_names() -> set[str]:
    if db.engine.dialect.name == "postgresql":
        sql = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'index'"
    return set(db.session.scalars(text(sql)))


def test_small_seed_has_consistent_counters_tags_search_and_feeds(ctx):
    indexes_before = index_names()
    report = seed_world(users=300, posts=2000, random_seed=7)
    assert report.rows["users"] == 300 and report.rows["posts"] == 2000
    assert count(User) == 300 and count(Post) == 2000
    assert count(Follow) > 300 * 10
    assert count(Comment) > 100 and count(Reaction) > 500
    # Every counter equals the rows it counts; post_tags carry their post's time.
    assert counter_mismatches() == {}
    assert_identity_keys_filled()
    # The bulk load put back every index and key it set aside.
    assert index_names() == indexes_before

    kinds = Counter(db.session.scalars(select(Reaction.kind)))
    assert set(kinds) == set(REACTION_KINDS) and kinds.most_common(1)[0][0] == "like"
    assert db.session.scalar(select(func.count()).where(Comment.parent_id.is_not(None))) > 0

    # tags_text lists exactly the post's tags, at most five, from a skewed vocabulary.
    names = dict(db.session.execute(select(Tag.id, Tag.name)).all())
    tags_of: dict[int, set[str]] = {}
    for post_id, tag_id in db.session.execute(select(PostTag.post_id, PostTag.tag_id)):
        tags_of.setdefault(post_id, set()).add(names[tag_id])
    for post_id, tags_text in db.session.execute(select(Post.id, Post.tags_text)):
        assert set(tags_text.split()) == tags_of.get(post_id, set())
        assert len(tags_of.get(post_id, ())) <= 5
    popular = db.session.scalars(select(Tag).order_by(Tag.posts_count.desc())).first()
    assert popular.posts_count > 2000 * 0.1

    # Posts look like Markdown with code, and one render per body is stored consistently.
    bodies = db.session.execute(select(Post.body, Post.body_html, Post.body_text)).all()
    assert any("```" in body for body, _, _ in bodies)
    by_body: dict[str, tuple[str, str]] = {}
    for body, html, plain in bodies:
        assert by_body.setdefault(body, (html, plain)) == (html, plain)

    me = reader()
    assert me.following_count == min(BENCH_READER_FOLLOWS, 300 - 1)

    found = search_posts("query planner", limit=10, cursor=None, viewer=None)
    assert found.items and all("planner" in v.post.body.lower() for v in found.items)
    if db.engine.dialect.name == "sqlite":
        # FTS5's own check; with rank 1 it also compares posts_fts with the posts table.
        db.session.execute(
            text("INSERT INTO posts_fts(posts_fts, rank) VALUES('integrity-check', 1)")
        )

    followed = set(
        db.session.scalars(select(Follow.followee_id).where(Follow.follower_id == me.id))
    )
    home = feeds.home(user=me, limit=20, cursor=None)
    assert len(home.items) == 20 and home.next_cursor
    assert all(v.post.author_id in followed | {me.id} for v in home.items)
    assert len(feeds.latest(limit=20, cursor=None, viewer=me).items) == 20
    assert feeds.by_tag(popular, limit=20, cursor=None, viewer=None).items
    feeds.refresh_snapshot()
    assert feeds.trending(limit=20, cursor=None, viewer=None).items


def test_bench_reader_follows_exactly_500_when_there_are_enough_people(ctx):
    seed_world(users=620, posts=0)
    me = reader()
    assert me.following_count == BENCH_READER_FOLLOWS
    assert (
        db.session.scalar(select(func.count()).where(Follow.follower_id == me.id))
        == BENCH_READER_FOLLOWS
    )
    assert counter_mismatches() == {}


def test_posts_only_adds_posts_by_existing_people_and_ids_continue(ctx):
    seed_world(users=80, posts=300)
    seed_world(users=0, posts=400, random_seed=9)
    assert count(User) == 80 and count(Post) == 700
    assert counter_mismatches() == {}
    # Sequences continue after the ids the seed wrote: a normal write still works.
    me = reader()
    post = services.create_post(author=me, body="After the seed #benchmarking", tags=["python"])
    assert post.id > 700 - 1 and "python" in post.tag_names
    assert counter_mismatches() == {}


def test_posts_need_someone_to_write_them(ctx):
    with pytest.raises(ValueError, match="no users"):
        seed_world(users=0, posts=10)


def test_seed_command_adds_people_and_posts(runner, app):
    assert runner.invoke(args=["seed"]).exit_code == 0  # the demo data set alone
    with app.app_context():
        users, posts = count(User), count(Post)
    result = runner.invoke(args=["seed", "--users", "60", "--posts", "150"])
    assert result.exit_code == 0, result.output
    assert "posts 150" in result.output and BENCH_READER in result.output
    again = runner.invoke(args=["seed", "--users", "0", "--posts", "25"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert count(User) == users + 60 and count(Post) == posts + 175
        assert counter_mismatches() == {}
        assert_identity_keys_filled()  # the demo accounts and the generated ones
