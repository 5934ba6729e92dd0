"""Build the zip of an export: every file written row by row, straight to disk.

Memory stays bounded whatever the account's size: each listing is one query whose rows are
streamed (``yield_per``: a server-side cursor on PostgreSQL) into a zip entry that is itself
written as a stream, and the zip is a file on disk, never a buffer. Each file is one query
(authors and senders joined, not looked up row by row), so the number of queries does not
grow with the data.

What the zip holds (README.txt says the same to its reader):

- ``profile.json``: the account's own fields (email, profile, settings, counters, dates).
- ``posts/<id>.md`` (Markdown with a small header) and ``posts.json``: every post.
- ``comments/<id>.md`` and ``comments.json``: every comment, with its post and parent.
- ``followers.json``, ``following.json``: both directions of follows.
- ``followed_tags.json``: the tags followed; ``notification_settings.json``: how to be told.
- ``bookmarks.json``, ``reactions.json``: saved posts and reactions given.
- ``conversations.json`` and ``messages.json``: every conversation the person is in, with
  **both sides' messages**: the others' messages were sent to this person, who could read them
  anyway; leaving them out would make the threads unreadable. Nobody else's conversations.
"""

from __future__ import annotations

import json
import os
import secrets
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.extensions import db
from app.messaging.models import ConversationMember, Message
from app.notifications.queries import settings_of
from app.posts.models import Bookmark, Comment, Post, Reaction, Tag
from app.social.models import Follow
from app.tags.models import TagFollow
from app.timeutil import isoformat, utcnow

# Rows fetched per round trip while streaming.
CHUNK = 500

README = """\
Your DevThread data
===================

This archive holds what DevThread stores about your account @{username}, as of {built_at} UTC.

profile.json         your account: email address, profile, settings, counters, dates
posts/<id>.md        each of your posts as Markdown (the text you wrote), with a small header
posts.json           the same posts as JSON (with the rendered HTML and the counters)
comments/<id>.md     each of your comments as Markdown
comments.json        the same comments as JSON (post and parent they belong to)
followers.json       the people who follow you
following.json       the people you follow
followed_tags.json   the tags you follow
notification_settings.json  which notifications reach you on the site and by mail; the digest
bookmarks.json       the posts you saved
reactions.json       the reactions you gave
conversations.json   your direct-message conversations and who is in them
messages.json        every message of those conversations, yours and the other
                     person's (they were sent to you), oldest first per conversation

Times are UTC, in ISO 8601. JSON files hold one array each.
Nothing of other people's private data is included beyond the messages they sent you.
"""


def export_dir() -> Path:
    """Return the folder export zips are written to (created when missing)."""
    path = Path(current_app.config["EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_file_name() -> str:
    """Return a random file name for a zip: it tells nothing and cannot be guessed."""
    return f"{secrets.token_urlsafe(24)}.zip"


def build_zip(user: User, path: Path) -> int:
    """Write the user's data to a zip at ``path`` (through a temporary file); return its size."""
    partial = path.with_suffix(".part")
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            _write(archive, user)
        os.replace(partial, path)
    finally:
        if partial.exists():
            partial.unlink()
    return path.stat().st_size


def _stream(statement: Select) -> Iterator[Any]:
    """Yield a query's rows a chunk at a time (a server-side cursor on PostgreSQL)."""
    result = db.session.execute(statement.execution_options(yield_per=CHUNK))
    try:
        yield from result
    finally:
        result.close()


def _json_array(archive: zipfile.ZipFile, name: str, items: Iterable[dict[str, Any]]) -> None:
    """Write an iterable of objects as one JSON array, one object at a time."""
    with archive.open(name, "w") as raw:
        _put(raw, "[")
        for index, item in enumerate(items):
            _put(raw, ("\n" if index == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
        _put(raw, "\n]\n")


def _put(raw: IO[bytes], text: str) -> None:
    raw.write(text.encode("utf-8"))


def _time(value: datetime | None) -> str | None:
    return isoformat(value)


def _write(archive: zipfile.ZipFile, user: User) -> None:
    archive.writestr(
        "README.txt",
        README.format(username=user.username, built_at=utcnow().strftime("%Y-%m-%d %H:%M")),
    )
    archive.writestr("profile.json", json.dumps(_profile(user), ensure_ascii=False, indent=2))
    _posts(archive, user)
    _comments(archive, user)
    _people(archive, "followers.json", Follow.follower_id, Follow.followee_id, user)
    _people(archive, "following.json", Follow.followee_id, Follow.follower_id, user)
    _followed_tags(archive, user)
    _bookmarks(archive, user)
    _reactions(archive, user)
    _messages(archive, user)


def _profile(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "display_name": user.display_name,
        "bio": user.bio,
        "location": user.location,
        "website": user.website,
        "role": user.role,
        "dm_policy": user.dm_policy,
        "locale": user.locale,
        "time_zone": user.time_zone,
        "two_factor": user.two_factor,
        "has_password": user.has_password,
        "followers_count": user.followers_count,
        "following_count": user.following_count,
        "posts_count": user.posts_count,
        "created_at": _time(user.created_at),
        "last_seen_at": _time(user.last_seen_at),
    }


def _markdown(header: dict[str, Any], body: str) -> str:
    lines = ["---", *(f"{key}: {value}" for key, value in header.items() if value is not None)]
    return "\n".join([*lines, "---", "", body, ""])


def _posts(archive: zipfile.ZipFile, user: User) -> None:
    columns = (
        Post.id,
        Post.body,
        Post.body_html,
        Post.tags_text,
        Post.created_at,
        Post.edited_at,
        Post.comments_count,
        Post.reactions_count,
    )
    statement = select(*columns).where(Post.author_id == user.id).order_by(Post.id)

    def items() -> Iterator[dict[str, Any]]:
        for row in _stream(statement):
            item = {
                "id": row.id,
                "url": f"/p/{row.id}",
                "body": row.body,
                "body_html": row.body_html,
                "tags": sorted(row.tags_text.split()),
                "created_at": _time(row.created_at),
                "edited_at": _time(row.edited_at),
                "comments_count": row.comments_count,
                "reactions_count": row.reactions_count,
            }
            header = {
                "id": row.id,
                "created_at": item["created_at"],
                "edited_at": item["edited_at"],
                "tags": " ".join(item["tags"]) or None,
            }
            archive.writestr(f"posts/{row.id}.md", _markdown(header, row.body))
            yield item

    _two_passes(archive, "posts.json", items)


def _two_passes(archive: zipfile.ZipFile, name: str, items) -> None:
    """Write a JSON array of ``items()`` while they also write entries of their own."""
    # zipfile has one entry open for writing at a time, and each item writes its Markdown
    # entry: the JSON array goes to a temporary file first (streamed, on disk), then into
    # the archive in chunks.
    scratch = Path(archive.filename or ".").with_suffix(f".{name}.tmp")
    try:
        with scratch.open("w", encoding="utf-8") as out:
            out.write("[")
            for index, item in enumerate(items()):
                out.write(("\n" if index == 0 else ",\n") + json.dumps(item, ensure_ascii=False))
            out.write("\n]\n")
        with scratch.open("rb") as source, archive.open(name, "w") as target:
            while chunk := source.read(1 << 16):
                target.write(chunk)
    finally:
        scratch.unlink(missing_ok=True)


def _comments(archive: zipfile.ZipFile, user: User) -> None:
    statement = (
        select(
            Comment.id,
            Comment.post_id,
            Comment.parent_id,
            Comment.body,
            Comment.created_at,
            Comment.edited_at,
            Comment.deleted_at,
        )
        .where(Comment.author_id == user.id, Comment.deleted_at.is_(None))
        .order_by(Comment.id)
    )

    def items() -> Iterator[dict[str, Any]]:
        for row in _stream(statement):
            item = {
                "id": row.id,
                "post_id": row.post_id,
                "parent_id": row.parent_id,
                "url": f"/p/{row.post_id}#comment-{row.id}",
                "body": row.body,
                "created_at": _time(row.created_at),
                "edited_at": _time(row.edited_at),
            }
            header = {
                "id": row.id,
                "post": f"/p/{row.post_id}",
                "parent_id": row.parent_id,
                "created_at": item["created_at"],
            }
            archive.writestr(f"comments/{row.id}.md", _markdown(header, row.body))
            yield item

    _two_passes(archive, "comments.json", items)


def _people(archive: zipfile.ZipFile, name: str, other_column, own_column, user: User) -> None:
    statement = (
        select(User.username, User.display_name, Follow.created_at)
        .join(Follow, other_column == User.id)
        .where(own_column == user.id, User.deletion_due_at.is_(None))
        .order_by(Follow.created_at)
    )
    _json_array(
        archive,
        name,
        (
            {"username": r.username, "display_name": r.display_name, "since": _time(r.created_at)}
            for r in _stream(statement)
        ),
    )


def _followed_tags(archive: zipfile.ZipFile, user: User) -> None:
    statement = (
        select(Tag.name, TagFollow.created_at)
        .join(TagFollow, TagFollow.tag_id == Tag.id)
        .where(TagFollow.user_id == user.id)
        .order_by(TagFollow.created_at)
    )
    _json_array(
        archive,
        "followed_tags.json",
        ({"name": r.name, "since": _time(r.created_at)} for r in _stream(statement)),
    )
    settings = settings_of(user.id)
    types = {kind: {"web": web, "email": email} for kind, (web, email) in settings.types.items()}
    archive.writestr(
        "notification_settings.json",
        json.dumps({"types": types, "digest": settings.digest}, ensure_ascii=False, indent=2),
    )


def _bookmarks(archive: zipfile.ZipFile, user: User) -> None:
    author = aliased(User)
    statement = (
        select(Bookmark.post_id, Bookmark.created_at, author.username)
        .join(Post, Post.id == Bookmark.post_id)
        .join(author, author.id == Post.author_id)
        .where(Bookmark.user_id == user.id)
        .order_by(Bookmark.created_at)
    )
    _json_array(
        archive,
        "bookmarks.json",
        (
            {
                "post_id": r.post_id,
                "url": f"/p/{r.post_id}",
                "author": r.username,
                "saved_at": _time(r.created_at),
            }
            for r in _stream(statement)
        ),
    )


def _reactions(archive: zipfile.ZipFile, user: User) -> None:
    statement = (
        select(Reaction.post_id, Reaction.kind, Reaction.created_at)
        .where(Reaction.user_id == user.id)
        .order_by(Reaction.created_at, Reaction.post_id, Reaction.kind)
    )
    _json_array(
        archive,
        "reactions.json",
        (
            {
                "post_id": r.post_id,
                "url": f"/p/{r.post_id}",
                "kind": r.kind,
                "at": _time(r.created_at),
            }
            for r in _stream(statement)
        ),
    )


def _messages(archive: zipfile.ZipFile, user: User) -> None:
    mine = select(ConversationMember.conversation_id).where(ConversationMember.user_id == user.id)
    members = (
        select(ConversationMember.conversation_id, User.username)
        .join(User, User.id == ConversationMember.user_id)
        .where(ConversationMember.conversation_id.in_(mine))
        .order_by(ConversationMember.conversation_id, User.username)
    )

    def conversations() -> Iterator[dict[str, Any]]:
        current: dict[str, Any] | None = None
        for row in _stream(members):
            if current is None or current["id"] != row.conversation_id:
                if current is not None:
                    yield current
                current = {"id": row.conversation_id, "participants": []}
            current["participants"].append(row.username)
        if current is not None:
            yield current

    _json_array(archive, "conversations.json", conversations())
    sender = aliased(User)
    statement = (
        select(
            Message.id,
            Message.conversation_id,
            Message.body,
            Message.created_at,
            Message.sender_id,
            sender.username,
        )
        .join(sender, sender.id == Message.sender_id)
        .where(Message.conversation_id.in_(mine))
        .order_by(Message.conversation_id, Message.id)
    )
    _json_array(
        archive,
        "messages.json",
        (
            {
                "id": r.id,
                "conversation_id": r.conversation_id,
                "sender": r.username,
                "mine": r.sender_id == user.id,
                "body": r.body,
                "created_at": _time(r.created_at),
            }
            for r in _stream(statement)
        ),
    )
