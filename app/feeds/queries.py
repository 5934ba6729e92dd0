"""Feeds: home, latest, trending, tag and profile, each keyset-paginated."""

from __future__ import annotations

import math
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, insert, or_, select

from app.accounts.models import User
from app.errors import NotFound
from app.extensions import db
from app.pagination import Page, decode_cursor, encode_cursor
from app.posts.models import Post, PostTag, Tag, TrendingEntry, TrendingSnapshot
from app.posts.queries import PostView, newest_first, views_for
from app.posts.rules import TAG_RE
from app.safety.queries import not_hidden
from app.social.models import Follow
from app.timeutil import utcnow

# Trending: Hacker News' gravity over engagement (see docs/feeds.md for why).
TRENDING_WINDOW = timedelta(days=7)
TRENDING_SIZE = 1000
TRENDING_GRAVITY = 1.8
COMMENT_WEIGHT = 2.0


def latest(*, limit: int, cursor: str | None, viewer: User | None) -> Page[PostView]:
    """Return every post, newest first."""
    query = select(Post).where(not_hidden(Post.author_id, viewer))
    return newest_first(query, limit=limit, cursor=cursor, viewer=viewer)


def home(*, user: User, limit: int, cursor: str | None) -> Page[PostView]:
    """Return the posts of the people the user follows, and the user's own, newest first."""
    followed = select(Follow.followee_id).where(Follow.follower_id == user.id)
    query = select(Post).where(
        or_(Post.author_id == user.id, Post.author_id.in_(followed)),
        not_hidden(Post.author_id, user),
    )
    return newest_first(query, limit=limit, cursor=cursor, viewer=user)


def by_author(
    author: User, *, limit: int, cursor: str | None, viewer: User | None
) -> Page[PostView]:
    """Return one person's posts, newest first (none across a block; muting does not hide them)."""
    query = select(Post).where(
        Post.author_id == author.id, not_hidden(Post.author_id, viewer, muted=False)
    )
    return newest_first(query, limit=limit, cursor=cursor, viewer=viewer)


def get_tag(name: str) -> Tag | None:
    """Return the tag with this name, if any."""
    name = name.lower()
    if not TAG_RE.match(name):
        # No tag can have it, and PostgreSQL refuses some strings (NUL) with an error.
        return None
    return db.session.scalar(select(Tag).where(Tag.name == name))


def tag_or_404(name: str) -> Tag:
    """Return the tag with this name, or raise NotFound."""
    tag = get_tag(name)
    if tag is None:
        raise NotFound(_("Nothing is tagged #%(tag)s yet.", tag=name))
    return tag


def by_tag(tag: Tag, *, limit: int, cursor: str | None, viewer: User | None) -> Page[PostView]:
    """Return the posts with a tag, newest first, read from the tag's own index."""
    query = (
        select(Post)
        .join(PostTag, PostTag.post_id == Post.id)
        .where(PostTag.tag_id == tag.id, not_hidden(Post.author_id, viewer))
    )
    return newest_first(
        query,
        limit=limit,
        cursor=cursor,
        viewer=viewer,
        created=PostTag.post_created_at,
        ident=PostTag.post_id,
    )


def score(reactions: int, comments: int, age_hours: float) -> float:
    """Rank a post: engagement over (age + 2)^gravity, as Hacker News does."""
    return (1 + reactions + COMMENT_WEIGHT * comments) / math.pow(age_hours + 2, TRENDING_GRAVITY)


def current_snapshot() -> int:
    """Return the newest trending snapshot, computing a new one when it is stale."""
    refresh = current_app.config.get("TRENDING_REFRESH_SECONDS", 60)
    now = utcnow()
    latest_snapshot = db.session.execute(
        select(TrendingSnapshot.id, TrendingSnapshot.computed_at)
        .order_by(TrendingSnapshot.computed_at.desc())
        .limit(1)
    ).first()
    if latest_snapshot and (now - latest_snapshot.computed_at).total_seconds() < refresh:
        return latest_snapshot.id
    return compute_snapshot()


def compute_snapshot() -> int:
    """Score the recent posts and store the ranking as a new snapshot."""
    now = utcnow()
    rows = db.session.execute(
        select(Post.id, Post.created_at, Post.reactions_count, Post.comments_count).where(
            Post.created_at > now - TRENDING_WINDOW
        )
    ).all()
    ranked = sorted(
        (
            (
                score(
                    r.reactions_count, r.comments_count, (now - r.created_at).total_seconds() / 3600
                ),
                r.id,
            )
            for r in rows
        ),
        reverse=True,
    )[:TRENDING_SIZE]
    snapshot = TrendingSnapshot(computed_at=now)
    db.session.add(snapshot)
    db.session.flush()
    if ranked:
        db.session.execute(
            insert(TrendingEntry),
            [
                {"snapshot": snapshot.id, "rank": rank, "post_id": post_id, "score": value}
                for rank, (value, post_id) in enumerate(ranked, start=1)
            ],
        )
    keep = current_app.config.get("TRENDING_KEEP_SECONDS", 3600)
    db.session.execute(
        delete(TrendingSnapshot).where(TrendingSnapshot.computed_at < now - timedelta(seconds=keep))
    )
    db.session.commit()
    return snapshot.id


def trending(*, limit: int, cursor: str | None, viewer: User | None) -> Page[PostView]:
    """Return recent posts ranked by decayed engagement; a walk stays on one snapshot."""
    after = decode_cursor(cursor, int, int)
    if after:
        snapshot, after_rank = after
        exists = db.session.get(TrendingSnapshot, snapshot)
        if exists is None:
            # That ranking expired: continue from the same place in the newest one.
            snapshot = current_snapshot()
    else:
        snapshot, after_rank = current_snapshot(), 0
    rows = db.session.execute(
        select(TrendingEntry.rank, Post)
        .join(Post, Post.id == TrendingEntry.post_id)
        .where(
            TrendingEntry.snapshot == snapshot,
            TrendingEntry.rank > after_rank,
            not_hidden(Post.author_id, viewer),
        )
        .order_by(TrendingEntry.rank)
        .limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(snapshot, rows[-1][0]) if more and rows else None
    return Page(views_for([post for _, post in rows], viewer), next_cursor)
