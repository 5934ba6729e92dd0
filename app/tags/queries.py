"""Reads of followed tags."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from app.errors import NotFound
from app.extensions import db
from app.pagination import Page, keyset_page
from app.posts.models import Tag
from app.posts.rules import TAG_RE
from app.tags.models import TagFollow


def existing_tag(name: str) -> Tag:
    """Return the tag with this name; NotFound when no post carries it (none is made here)."""
    name = name.lower()
    # No tag can have a name the rule refuses, and PostgreSQL refuses some strings (NUL).
    tag = db.session.scalar(select(Tag).where(Tag.name == name)) if TAG_RE.match(name) else None
    if tag is None:
        raise NotFound(_("Nothing is tagged #%(tag)s yet.", tag=name))
    return tag


def is_following(user_id: int | None, tag_id: int) -> bool:
    """Tell whether this person follows this tag (False for nobody)."""
    if user_id is None:
        return False
    return db.session.get(TagFollow, (user_id, tag_id)) is not None


def followed_tags(user_id: int, *, limit: int, cursor: str | None = None) -> Page:
    """Return the tags someone follows, the latest followed first: rows of (name, posts_count)."""
    query = (
        select(Tag.name, Tag.posts_count, TagFollow.created_at, TagFollow.tag_id)
        .join(Tag, Tag.id == TagFollow.tag_id)
        .where(TagFollow.user_id == user_id)
    )
    return keyset_page(
        query,
        key=(TagFollow.created_at, TagFollow.tag_id),
        limit=limit,
        cursor=cursor,
        row_key=lambda row: (row.created_at, row.tag_id),
    )
