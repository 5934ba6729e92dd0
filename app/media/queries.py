"""Reads of pictures: by name for rendering, usage for the quota, recent uploads for staff."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.media.models import Media, PostMedia
from app.pagination import Page, after_cursor, cut_page, decode_cursor

# A picture's address as it appears in a body: its key is what we look up.
MEDIA_PATH_RE = re.compile(r"/media/([0-9a-f]{64})(?:-[0-9]{2,4})?\.(?:jpg|png|gif|webp)")


def keys_in(text: str) -> list[str]:
    """Return the picture keys a body refers to, unique, in order."""
    return list(dict.fromkeys(match.group(1) for match in MEDIA_PATH_RE.finditer(text)))


def pictures_by_key(keys: list[str]) -> dict[str, Media]:
    """Return the picture uploaded under each key (a live one when several share it)."""
    if not keys:
        return {}
    rows = db.session.scalars(
        select(Media)
        .where(Media.key.in_(keys), Media.kind == "picture")
        .order_by(Media.removed_at.is_not(None), Media.id)
    )
    found: dict[str, Media] = {}
    for row in rows:
        found.setdefault(row.key, row)
    return found


def used_bytes(owner_id: int) -> int:
    """Return what someone's uploads take in the store."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(Media.bytes), 0)).where(
            Media.owner_id == owner_id, Media.removed_at.is_(None)
        )
    )
    return int(total or 0)


def media_or_none(media_id: int) -> Media | None:
    """Return an upload by id."""
    return db.session.get(Media, media_id)


def post_ids_showing(media_id: int) -> list[int]:
    """Return the posts that refer to an upload."""
    return list(
        db.session.scalars(
            select(PostMedia.post_id)
            .where(PostMedia.media_id == media_id)
            .order_by(PostMedia.post_id)
        )
    )


def key_in_use(key: str) -> bool:
    """Tell whether a live upload still needs the files of ``key``."""
    return (
        db.session.scalar(
            select(Media.id).where(Media.key == key, Media.removed_at.is_(None)).limit(1)
        )
        is not None
    )


@dataclass
class Upload:
    """An upload as the staff list shows it: the row, who sent it and the posts showing it."""

    media: Media
    uploader: User
    post_ids: list[int]


def recent_uploads(*, limit: int, cursor: str | None) -> Page[Upload]:
    """Return uploads newest first, with their uploader and posts, in three queries."""
    columns = (Media.created_at, Media.id)
    stmt = select(Media).order_by(Media.created_at.desc(), Media.id.desc()).limit(limit + 1)
    after = decode_cursor(cursor, datetime, int)
    if after is not None:
        stmt = stmt.where(after_cursor(columns, after))
    rows = list(db.session.scalars(stmt))
    page = cut_page(rows, limit=limit, key=lambda m: (m.created_at, m.id))
    posts: dict[int, list[int]] = {}
    if page.items:
        links = db.session.execute(
            select(PostMedia.media_id, PostMedia.post_id).where(
                PostMedia.media_id.in_([m.id for m in page.items])
            )
        )
        for media_id, post_id in links:
            posts.setdefault(media_id, []).append(post_id)
    return page.with_items(
        [
            Upload(media=m, uploader=m.owner, post_ids=sorted(posts.get(m.id, [])))
            for m in page.items
        ]
    )
