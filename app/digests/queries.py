"""Reads of a digest: what someone missed since their last one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select

from app.accounts.models import User
from app.extensions import db
from app.notifications.models import DigestSetting, Notification
from app.notifications.queries import unread_count_of
from app.posts.models import Post, PostTag
from app.safety.queries import hidden_ids
from app.social.models import Follow
from app.tags.models import TagFollow

NOTIFICATIONS_SHOWN = 5
POSTS_SHOWN = 5


def due_batch(frequency: str, *, before: datetime, after_id: int, size: int) -> list[Any]:
    """Return the next people of one frequency whose last digest is older than ``before``.

    Rows of (user_id, last_digest_at, username, email, locale, time_zone), by id: the job walks
    them in batches.
    """
    statement: Select = (
        select(
            DigestSetting.user_id,
            DigestSetting.last_digest_at,
            User.username,
            User.email,
            User.locale,
            User.time_zone,
        )
        .join(User, User.id == DigestSetting.user_id)
        .where(
            DigestSetting.digest == frequency,
            DigestSetting.user_id > after_id,
            or_(DigestSetting.last_digest_at.is_(None), DigestSetting.last_digest_at < before),
            User.erased_at.is_(None),
            User.suspended.is_(False),
            # Optional mail goes only to an address its owner proved.
            User.email_verified_at.is_not(None),
        )
        .order_by(DigestSetting.user_id)
        .limit(size)
    )
    return list(db.session.execute(statement).all())


def digest_of(user_id: int, *, since: datetime) -> dict[str, Any]:
    """Return someone's digest since a time: unread notifications and the followed top posts."""
    hidden = hidden_ids(user_id)
    notifications = db.session.execute(
        select(Notification.type, User.username, Notification.post_id)
        .join(User, User.id == Notification.actor_id)
        .where(
            Notification.user_id == user_id,
            Notification.read_at.is_(None),
            Notification.created_at > since,
            Notification.actor_id.not_in(hidden_ids(user_id, muted=False)),
        )
        .order_by(Notification.id.desc())
        .limit(NOTIFICATIONS_SHOWN)
    ).all()
    followed = select(Follow.followee_id).where(Follow.follower_id == user_id)
    tagged = select(PostTag.post_id).where(
        PostTag.tag_id.in_(select(TagFollow.tag_id).where(TagFollow.user_id == user_id)),
        PostTag.post_created_at > since,
    )
    engagement = Post.reactions_count + 2 * Post.comments_count
    posts = db.session.execute(
        select(Post.id, Post.body_text, Post.reactions_count, Post.comments_count, User.username)
        .join(User, User.id == Post.author_id)
        .where(
            Post.created_at > since,
            Post.draft.is_(False),
            or_(Post.author_id.in_(followed), Post.id.in_(tagged)),
            Post.author_id.not_in(hidden),
            Post.author_id != user_id,
        )
        .order_by(engagement.desc(), Post.id.desc())
        .limit(POSTS_SHOWN)
    ).all()
    return {
        "unread_count": unread_count_of(user_id),
        "notifications": [
            {"type": row.type, "actor": row.username, "post_id": row.post_id}
            for row in notifications
        ],
        "posts": [
            {
                "id": row.id,
                "author": row.username,
                "excerpt": _excerpt(row.body_text),
                "reactions": row.reactions_count,
                "comments": row.comments_count,
            }
            for row in posts
        ],
    }


def _excerpt(text: str, size: int = 140) -> str:
    """Cut a post's text to one line of ``size`` characters at most."""
    line = " ".join(text.split())
    return line if len(line) <= size else line[: size - 1].rstrip() + "…"


def count_due(frequency: str) -> int:
    """Return how many people get this digest (for the worker's logs)."""
    return (
        db.session.scalar(
            select(func.count()).select_from(DigestSetting).where(DigestSetting.digest == frequency)
        )
        or 0
    )
