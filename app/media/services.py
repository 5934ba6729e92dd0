"""Picture use cases: upload, avatar, link to posts, release, moderate, erase, clean up.

Files are written before the row that names them is committed, and deleted only after the
commit that forgot them (the job ``media.delete_files``, which checks again that no live upload
shares their content hash): a failed request leaves at most an unnamed file, never a row
without its files.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, exists, literal, select

from app.accounts.models import User
from app.accounts.rules import require_verified_email
from app.errors import Forbidden, NotFound, ValidationError
from app.extensions import db
from app.jobs import enqueue
from app.media import images
from app.media.models import ALT_MAX, Media, PostMedia
from app.media.queries import key_in_use, keys_in, used_bytes
from app.media.storage import get_storage
from app.timeutil import utcnow

log = logging.getLogger(__name__)

REASONS = {
    "not_image": lambda: _("That file is not a picture: send a PNG, JPEG, WebP or GIF."),
    "svg": lambda: _("SVG pictures are not accepted: send a PNG, JPEG, WebP or GIF."),
    "too_many_pixels": lambda: _(
        "That picture is too large: at most %(n)d megapixels.",
        n=current_app.config["MEDIA_MAX_PIXELS"] // 1_000_000,
    ),
    "too_many_frames": lambda: _(
        "That animation has too many frames: at most %(n)d.",
        n=current_app.config["MEDIA_MAX_FRAMES"],
    ),
    "truncated": lambda: _("That picture is damaged or incomplete: it could not be read."),
}


def limits() -> images.Limits:
    """Return the upload limits of this app's settings."""
    config = current_app.config
    return images.Limits(
        max_pixels=config["MEDIA_MAX_PIXELS"], max_frames=config["MEDIA_MAX_FRAMES"]
    )


def _refuse(field: str, message: str) -> ValidationError:
    return ValidationError(message, {field: [message]})


def check_alt(alt: str | None) -> str:
    """Return the alt text trimmed; 422 when too long or holding control characters."""
    alt = " ".join((alt or "").split())
    if len(alt) > ALT_MAX:
        raise _refuse("alt", _("Use at most %(n)d characters.", n=ALT_MAX))
    if any(ord(ch) < 32 or ch == "\x7f" for ch in alt):
        raise _refuse("alt", _("Remove the control characters."))
    return alt


def _require_active(user: User) -> None:
    if user.suspended:
        raise Forbidden(_("Your account is suspended: you cannot upload pictures."))


def _process(data: bytes, *, avatar: bool) -> images.Processed:
    if not data:
        raise _refuse("file", _("Choose a picture to upload."))
    if len(data) > current_app.config["MEDIA_MAX_BYTES"]:
        # The request limit stops most; this one counts the file alone.
        raise _refuse("file", too_large_message())
    try:
        if avatar:
            return images.process_avatar(data, limits())
        return images.process_picture(data, limits())
    except images.BadImage as bad:
        raise _refuse("file", REASONS[bad.reason]()) from None


def too_large_message() -> str:
    """Say how large an upload may be."""
    megabytes = current_app.config["MEDIA_MAX_BYTES"] / (1024 * 1024)
    return _("That file is too large: at most %(n)s MB.", n=f"{megabytes:g}")


def _check_quota(owner: User, adding: int, *, freeing: int = 0) -> None:
    quota = current_app.config["MEDIA_QUOTA_BYTES"]
    if used_bytes(owner.id) - freeing + adding > quota:
        raise _refuse(
            "file",
            _(
                "Your pictures use all of your %(n)s MB: delete posts with pictures first.",
                n=f"{quota / (1024 * 1024):g}",
            ),
        )


def _store(processed: images.Processed) -> list[str]:
    """Write every file; on failure remove what this call wrote."""
    store = get_storage()
    written: list[str] = []
    try:
        for name, rendition in processed.names():
            store.save(name, rendition.data, rendition.content_type)
            written.append(name)
    except Exception:
        _unstore(processed.key, written)
        raise
    return written


def _unstore(key: str, names: list[str]) -> None:
    """Delete files this request wrote, unless a committed upload has the same content."""
    db.session.rollback()
    if key_in_use(key):
        return
    store = get_storage()
    for name in names:
        try:
            store.delete(name)
        except Exception:  # pragma: no cover - the store is away; the file stays unnamed
            log.exception("could not delete %s after a failed upload", name)


def _commit_with_files(processed: images.Processed, written: list[str]) -> None:
    try:
        db.session.commit()
    except Exception:
        _unstore(processed.key, written)
        raise


def upload_picture(*, owner: User, data: bytes, alt: str | None = None) -> Media:
    """Store a picture for posts: checked, re-encoded, in two sizes, each also as WebP."""
    _require_active(owner)
    # Pictures are for posts, and posting waits for a verified address (when required).
    require_verified_email(owner)
    alt = check_alt(alt)
    processed = _process(data, avatar=False)
    _check_quota(owner, processed.total_bytes)
    small = next((r for r in processed.renditions if r.suffix), None)
    media = Media(
        owner_id=owner.id,
        kind="picture",
        key=processed.key,
        ext=processed.ext,
        width=processed.width,
        height=processed.height,
        small_width=small.width if small else 0,
        small_height=small.height if small else 0,
        bytes=processed.total_bytes,
        alt=alt,
        created_at=utcnow(),
    )
    written = _store(processed)
    db.session.add(media)
    _commit_with_files(processed, written)
    return media


def _current_avatar(user: User) -> Media | None:
    if not user.avatar_url.startswith("/media/"):
        return None
    return db.session.scalar(
        select(Media)
        .where(
            Media.owner_id == user.id,
            Media.kind == "avatar",
            literal("/media/") + Media.key + "-400." + Media.ext == user.avatar_url,
        )
        .limit(1)
    )


def set_avatar(*, user: User, data: bytes) -> User:
    """Make an upload someone's avatar (400, 96 and 40 px squares); the old one goes."""
    _require_active(user)
    processed = _process(data, avatar=True)
    old = _current_avatar(user)
    _check_quota(user, processed.total_bytes, freeing=old.bytes if old else 0)
    media = Media(
        owner_id=user.id,
        kind="avatar",
        key=processed.key,
        ext=processed.ext,
        width=processed.width,
        height=processed.height,
        bytes=processed.total_bytes,
        created_at=utcnow(),
    )
    written = _store(processed)
    db.session.add(media)
    if old is not None:
        _forget([old])
    user.avatar_url = media.url
    _commit_with_files(processed, written)
    return user


def remove_avatar(*, user: User) -> None:
    """Go back to the generated avatar; the uploaded one is deleted."""
    old = _current_avatar(user)
    if old is not None:
        _forget([old])
    user.avatar_url = ""
    db.session.commit()


def _forget(rows: list[Media]) -> None:
    """Delete rows now and their files after the commit (when no live upload shares them)."""
    names = [name for row in rows for name in row.file_names()]
    for row in rows:
        db.session.delete(row)
    if names:
        enqueue("media.delete_files", names)


def delete_unused_files(names: list[str]) -> int:
    """Delete stored files whose content no live upload has; return how many went."""
    store = get_storage()
    gone = 0
    for name in names:
        key = name[:64]
        if key_in_use(key):
            continue
        store.delete(name)
        gone += 1
    return gone


def link_post(*, post_id: int, author_id: int, body: str) -> None:
    """Record which uploads a post refers to (in the caller's transaction)."""
    keys = keys_in(body)
    chosen: dict[str, int] = {}
    if keys:
        # One upload per key: the author's own when they have it (identical files share a key).
        rows = db.session.execute(
            select(Media.key, Media.id, Media.owner_id)
            .where(Media.key.in_(keys), Media.kind == "picture", Media.removed_at.is_(None))
            .order_by(Media.id)
        )
        for key, media_id, owner_id in rows:
            if key not in chosen or owner_id == author_id:
                chosen[key] = media_id
    ids = set(chosen.values())
    current = set(
        db.session.scalars(select(PostMedia.media_id).where(PostMedia.post_id == post_id))
    )
    if current - ids:
        db.session.execute(
            delete(PostMedia).where(
                PostMedia.post_id == post_id, PostMedia.media_id.in_(current - ids)
            )
        )
    for media_id in sorted(ids - current):
        db.session.add(PostMedia(post_id=post_id, media_id=media_id))


def release_post(*, post_id: int) -> None:
    """Before a post is deleted: delete its pictures that no other post refers to."""
    media_ids = list(
        db.session.scalars(select(PostMedia.media_id).where(PostMedia.post_id == post_id))
    )
    if not media_ids:
        return
    db.session.execute(delete(PostMedia).where(PostMedia.post_id == post_id))
    orphans = list(
        db.session.scalars(
            select(Media).where(
                Media.id.in_(media_ids),
                Media.kind == "picture",
                ~exists().where(PostMedia.media_id == Media.id),
            )
        )
    )
    _forget(orphans)


def remove_media(*, media_id: int, actor: User) -> Media:
    """Take an upload down (moderation): its files go, the row stays as "picture removed"."""
    media = db.session.get(Media, media_id)
    if media is None:
        raise NotFound(_("That picture does not exist."))
    if media.removed_at is None:
        media.removed_at = utcnow()
        media.removed_by_id = actor.id
        if media.kind == "avatar":
            db.session.execute(
                User.__table__.update()
                .where(User.id == media.owner_id, User.avatar_url == media.url)
                .values(avatar_url="")
            )
        enqueue("media.delete_files", media.file_names())
    return media


def erase_media_of(*, user_id: int, commit: bool = True, limit: int | None = None) -> int:
    """Delete an account's uploads and their files (account erasure); return how many went.

    ``limit`` takes at most that many rows (the erasure job works in batches, committing
    between them); the files go after each commit.
    """
    statement = select(Media).where(Media.owner_id == user_id).order_by(Media.id)
    if limit is not None:
        statement = statement.limit(limit)
    rows = list(db.session.scalars(statement))
    _forget(rows)
    db.session.execute(
        User.__table__.update()
        .where(User.id == user_id, User.avatar_url.like("/media/%"))
        .values(avatar_url="")
    )
    if commit:
        db.session.commit()
    return len(rows)


def cleanup_unused() -> int:
    """Delete pictures no post refers to and avatars nobody wears, older than the grace time."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["MEDIA_UNUSED_TTL"])
    worn = exists().where(User.avatar_url == literal("/media/") + Media.key + "-400." + Media.ext)
    shown = exists().where(PostMedia.media_id == Media.id)
    rows = list(
        db.session.scalars(
            select(Media)
            .where(
                Media.created_at < cutoff,
                ((Media.kind == "picture") & ~shown) | ((Media.kind == "avatar") & ~worn),
            )
            .limit(1000)
        )
    )
    _forget(rows)
    db.session.commit()
    return len(rows)
