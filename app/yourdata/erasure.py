"""Erase a deleted account: everything it holds, in batches, keeping every counter right.

Run by the job ``accounts.erase`` once the grace period is over. Each step takes at most
ERASE_BATCH_SIZE rows per transaction (the rows it takes are locked first, so a second run of
the job at the same time waits, then finds them gone) and commits, so a large account never
holds long locks. Every step is "delete what is left", so a run that stopped half-way (a worker
killed, a retry) or a second run finishes the work or does nothing: safe to run twice.

What goes: posts (with what hangs off them: their comments, reactions, bookmarks, tags' counts),
comments (one with replies stays as a placeholder without words; its author is the tombstone,
shown as "deleted"), reactions, follows both ways, bookmarks, conversations with their messages
(a conversation needs both people: the other person's copy goes too, and the stored socket
events that would replay them to the other person), notifications to and from
the person, mentions, blocks, mutes, reports by and about them, stored socket events, sign-ins,
refresh tokens, two-factor secrets, recovery codes, passkeys, connected accounts, exports (and
their files), uploaded pictures and avatars (and their files). The user row becomes a tombstone
without personal data (``deleted-<id>``, no email, no password, no profile), so placeholders and
the audit log's ids still resolve; the username and the email address are free again. The audit
log keeps one ``user.erase`` entry (the id only) and loses the person's name and words from older
entries.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from flask import current_app
from sqlalchemy import ColumnElement, delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from app.accounts import services as accounts
from app.accounts.models import (
    AccountLink,
    AuthChallenge,
    OAuthIdentity,
    Passkey,
    RecoveryCode,
    RefreshToken,
    TotpCredential,
    User,
)
from app.admin import services as audit
from app.cache import touch
from app.extensions import db
from app.media import services as media
from app.messaging.models import Conversation, ConversationMember
from app.notifications.models import DigestSetting, Notification, NotificationSetting
from app.posts.models import (
    REACTION_KINDS,
    Bookmark,
    Comment,
    Mention,
    Post,
    PostTag,
    Reaction,
    Tag,
)
from app.realtime.models import StoredEvent
from app.safety.models import Block, Mute, Report
from app.social.models import Follow
from app.tags.models import TagFollow
from app.timeutil import utcnow
from app.yourdata.models import DataExport

log = logging.getLogger(__name__)


def tombstone_name(user_id: int) -> str:
    """Return the name an erased account keeps: no one can register it (hyphens are refused)."""
    return f"deleted-{user_id}"


def erase_account(user_id: int) -> bool:
    """Erase an account whose grace period is over; tell whether it was erased by this call.

    Does nothing for an account that is gone, erased already, no longer being deleted (the
    deletion was cancelled) or not due yet.
    """
    user = db.session.get(User, user_id)
    now = utcnow()
    if (
        user is None
        or user.erased_at is not None
        or user.deletion_due_at is None
        or user.deletion_due_at > now
    ):
        db.session.rollback()
        return False
    size = max(1, int(current_app.config["ERASE_BATCH_SIZE"]))
    for step in STEPS:
        while step(user_id, size):
            db.session.commit()
        db.session.commit()
    _finish(user_id)
    return True


# --- The steps: each handles at most ``size`` rows and tells whether it found any. ------------


def _posts(user_id: int, size: int) -> bool:
    ids = _locked_ids(Post.id, Post.author_id == user_id, size, order=Post.id)
    if not ids:
        return False
    # The tags' counters: how many of this batch's posts carry each tag.
    per_tag = db.session.execute(
        select(PostTag.tag_id, func.count())
        .where(PostTag.post_id.in_(ids))
        .group_by(PostTag.tag_id)
    ).all()
    for tag_id, count in per_tag:
        db.session.execute(
            update(Tag).where(Tag.id == tag_id).values(posts_count=Tag.posts_count - count)
        )
    # Their comments, reactions, bookmarks, tags, mentions, notifications and trending entries
    # go with them (ON DELETE CASCADE).
    _delete(Post, Post.id.in_(ids))
    touch(db.session, "posts")
    return True


def _comments(user_id: int, size: int) -> bool:
    # Newest first: a reply by the person goes before the comment it answers.
    rows = db.session.execute(
        select(Comment.id, Comment.post_id)
        .where(Comment.author_id == user_id, Comment.deleted_at.is_(None))
        .order_by(Comment.id.desc())
        .limit(size)
        .with_for_update()
    ).all()
    if not rows:
        return False
    ids = [row.id for row in rows]
    answered = set(
        db.session.scalars(
            select(Comment.parent_id).where(Comment.parent_id.in_(ids)).group_by(Comment.parent_id)
        )
    )
    leaves = [i for i in ids if i not in answered]
    if leaves:
        _delete(Comment, Comment.id.in_(leaves))
    if answered:
        # A comment with replies keeps its place in the thread, without its words.
        db.session.execute(
            update(Comment)
            .where(Comment.id.in_(answered))
            .values(deleted_at=utcnow(), body="", body_html="", edited_at=None)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(delete(Mention).where(Mention.comment_id.in_(answered)))
    # comments_count counts the comments that have words: each of these leaves it.
    for post_id, count in Counter(row.post_id for row in rows).items():
        db.session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(comments_count=Post.comments_count - count)
            .execution_options(synchronize_session=False)
        )
    touch(db.session, "posts")
    return True


def _orphan_placeholders(user_id: int, size: int) -> bool:
    # A placeholder whose replies were the person's own (erased above) answers nobody now.
    reply = aliased(Comment)
    ids = _locked_ids(
        Comment.id,
        (Comment.author_id == user_id)
        & Comment.deleted_at.is_not(None)
        & ~exists().where(reply.parent_id == Comment.id),
        size,
    )
    if not ids:
        return False
    _delete(Comment, Comment.id.in_(ids))
    return True


def _reactions(user_id: int, size: int) -> bool:
    rows = db.session.execute(
        select(Reaction.post_id, Reaction.kind)
        .where(Reaction.user_id == user_id)
        .limit(size)
        .with_for_update()
    ).all()
    if not rows:
        return False
    for kind in REACTION_KINDS:
        post_ids = [row.post_id for row in rows if row.kind == kind]
        if not post_ids:
            continue
        _delete(
            Reaction,
            (Reaction.user_id == user_id)
            & (Reaction.kind == kind)
            & Reaction.post_id.in_(post_ids),
        )
        column = getattr(Post, f"{kind}_count")
        db.session.execute(
            update(Post)
            .where(Post.id.in_(post_ids))
            .values({column: column - 1, Post.reactions_count: Post.reactions_count - 1})
            .execution_options(synchronize_session=False)
        )
    touch(db.session, "posts")
    return True


def _following(user_id: int, size: int) -> bool:
    ids = _locked_ids(Follow.followee_id, Follow.follower_id == user_id, size)
    if not ids:
        return False
    _delete(Follow, (Follow.follower_id == user_id) & Follow.followee_id.in_(ids))
    _bump(User.followers_count, ids)
    return True


def _followers(user_id: int, size: int) -> bool:
    ids = _locked_ids(Follow.follower_id, Follow.followee_id == user_id, size)
    if not ids:
        return False
    _delete(Follow, (Follow.followee_id == user_id) & Follow.follower_id.in_(ids))
    _bump(User.following_count, ids)
    return True


def _conversations(user_id: int, size: int) -> bool:
    ids = _locked_ids(
        ConversationMember.conversation_id, ConversationMember.user_id == user_id, size
    )
    if not ids:
        return False
    # The other person's "new message" notifications point at these conversations (no key).
    _delete(
        Notification,
        (Notification.type == "message") & Notification.conversation_id.in_(ids),
    )
    _forget_message_events(user_id, ids)
    _delete(Conversation, Conversation.id.in_(ids))  # members and messages go with them
    return True


def _forget_message_events(user_id: int, conversation_ids: list[int]) -> None:
    """Drop the other members' stored "message" events of these conversations (socket replay).

    The events keep each message as JSON, which neither database indexes the same way: the
    other members' message events are read a chunk at a time and matched here.
    """
    others = select(ConversationMember.user_id).where(
        ConversationMember.conversation_id.in_(conversation_ids),
        ConversationMember.user_id != user_id,
    )
    wanted = set(conversation_ids)
    result = db.session.execute(
        select(StoredEvent.id, StoredEvent.data)
        .where(StoredEvent.user_id.in_(others), StoredEvent.type == "message")
        .execution_options(yield_per=1000)
    )
    stale = [row.id for row in result if (row.data or {}).get("conversation_id") in wanted]
    result.close()
    for start in range(0, len(stale), 1000):
        _delete(StoredEvent, StoredEvent.id.in_(stale[start : start + 1000]))


def _by_key(model, key, condition_of: Callable[[int], ColumnElement[bool]]):
    """Make a step that deletes a batch of ``model`` rows matching a condition, by ``key``."""

    def step(user_id: int, size: int) -> bool:
        ids = _locked_ids(key, condition_of(user_id), size)
        if not ids:
            return False
        _delete(model, condition_of(user_id) & key.in_(ids))
        return True

    step.__name__ = f"_{model.__tablename__}"
    return step


def _exports(user_id: int, size: int) -> bool:
    exports = db.session.scalars(
        select(DataExport).where(DataExport.user_id == user_id).limit(size)
    ).all()
    if not exports:
        return False
    folder = Path(current_app.config["EXPORT_DIR"])
    for export in exports:
        if export.file_name:
            (folder / export.file_name).unlink(missing_ok=True)
        db.session.delete(export)
    return True


def _media(user_id: int, size: int) -> bool:
    """Erase the person's uploaded pictures and avatars; their files go after each commit."""
    # The job media.delete_files deletes the files (local or S3) once the batch is committed,
    # keeping those an identical upload of someone else still uses.
    return media.erase_media_of(user_id=user_id, commit=False, limit=size) > 0


def _sign_ins(user_id: int, size: int) -> bool:
    user = db.session.get(User, user_id)
    accounts.end_all_sign_ins(user=user)  # sessions (and their refresh tokens), sockets
    for model in (
        RefreshToken,
        RecoveryCode,
        TotpCredential,
        AuthChallenge,
        Passkey,
        OAuthIdentity,
        AccountLink,  # mailed links: they hold addresses (a pending one among them)
        TagFollow,  # what they followed, and how they wanted to be told (small, per person)
        NotificationSetting,
        DigestSetting,
    ):
        _delete(model, model.user_id == user_id)
    return False


STEPS: list[Callable[[int, int], bool]] = [
    _sign_ins,
    _posts,
    _comments,
    _orphan_placeholders,
    _reactions,
    _following,
    _followers,
    _by_key(Bookmark, Bookmark.post_id, lambda uid: Bookmark.user_id == uid),
    _conversations,
    _by_key(
        Notification,
        Notification.id,
        lambda uid: or_(Notification.user_id == uid, Notification.actor_id == uid),
    ),
    _by_key(Mention, Mention.id, lambda uid: Mention.user_id == uid),
    _by_key(Block, Block.blocked_id, lambda uid: Block.blocker_id == uid),
    _by_key(Block, Block.blocker_id, lambda uid: Block.blocked_id == uid),
    _by_key(Mute, Mute.muted_id, lambda uid: Mute.muter_id == uid),
    _by_key(Mute, Mute.muter_id, lambda uid: Mute.muted_id == uid),
    _by_key(
        Report, Report.id, lambda uid: or_(Report.reporter_id == uid, Report.target_user_id == uid)
    ),
    _by_key(StoredEvent, StoredEvent.id, lambda uid: StoredEvent.user_id == uid),
    _exports,
    _media,
]


def _finish(user_id: int) -> None:
    """Make the user row a tombstone and note the erasure in the audit log; commit."""
    user = db.session.get(User, user_id, with_for_update=True)
    if user is None or user.erased_at is not None:
        db.session.rollback()
        return
    name = tombstone_name(user.id)
    user.username = name
    user.email = f"erased-{user.id}"  # no "@": no address, and no one can register it
    user.pending_email = None
    user.email_verified_at = None
    user.password_hash = ""
    user.display_name = user.bio = user.location = user.website = user.avatar_url = ""
    user.role = "user"
    user.suspended = False
    user.dm_policy = "everyone"
    user.locale = user.time_zone = None
    user.followers_count = user.following_count = user.posts_count = 0
    user.last_seen_at = None
    user.deletion_requested_at = None
    user.erased_at = utcnow()
    audit.forget_person(user_id=user.id, name=name)
    audit.record_erasure(user_id=user.id)
    db.session.commit()
    log.info("account %s erased", user_id)


# --- Helpers --------------------------------------------------------------------------------


def _locked_ids(key, condition: ColumnElement[bool], size: int, *, order=None) -> list:
    """Return up to ``size`` keys of the rows matching, locked until the commit (PostgreSQL)."""
    statement = select(key).where(condition).limit(size).with_for_update()
    if order is not None:
        statement = statement.order_by(order)
    return list(db.session.scalars(statement))


def _delete(model, condition: ColumnElement[bool]) -> None:
    db.session.execute(delete(model).where(condition).execution_options(synchronize_session=False))


def _bump(column, user_ids: list[int]) -> None:
    """Take one off a counter of each of these users (one follow each went)."""
    db.session.execute(
        update(User)
        .where(User.id.in_(user_ids))
        .values({column: column - 1})
        .execution_options(synchronize_session=False)
    )
