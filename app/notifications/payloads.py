"""Notifications as payloads, for the API and the sockets alike."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from app.accounts.payloads import UserSummary, user_summary
from app.notifications.models import NOTIFICATION_TYPES
from app.notifications.models import Notification as NotificationRow
from app.notifications.queries import NotificationItem
from app.payloads import LIST_MAX, Count, Id, ItemsPage, Payload, Request, Time, choice
from app.timeutil import isoformat


class Notification(Payload):
    """Something that happened to you; a removal notice also says what was removed and why."""

    id: Id
    type: Annotated[
        choice(NOTIFICATION_TYPES),  # type: ignore[valid-type]
        Field(description="`removed`: the moderators (the actor) took down what you wrote."),
    ]
    actor: UserSummary
    post_id: Id | None
    comment_id: Id | None
    conversation_id: Id | None
    created_at: Time
    read: bool
    target_type: Annotated[
        Literal["post", "comment", "content"],
        Field(description="Only on `removed`: a post, a comment, or everything you wrote."),
    ] = "content"
    reason: Annotated[
        str | None, Field(description="Only on `removed`: the moderators' reason.")
    ] = None


class NotificationList(ItemsPage[Notification]):
    """A page of notifications."""


class UnreadCount(Payload):
    """How many notifications you have not read."""

    count: Count


class Unread(Payload):
    """A socket's ``unread`` frame: what is waiting for you."""

    notifications: Count
    messages: Count


class MarkRead(Request):
    """The notifications to mark read; without ``ids`` (or with null), all of them."""

    ids: (
        Annotated[
            list[Id],
            Field(
                max_length=LIST_MAX,
                description="The notifications to mark read; without it, all of them.",
            ),
        ]
        | None
    ) = None


def notification_payload(notification: NotificationRow | NotificationItem) -> Notification:
    """Return a notification; a moderators' notice also says what was removed and why."""
    fields = {
        "id": notification.id,
        "type": notification.type,
        "actor": user_summary(notification.actor),
        "post_id": notification.post_id,
        "comment_id": notification.comment_id,
        "conversation_id": notification.conversation_id,
        "created_at": isoformat(notification.created_at),
        "read": notification.read_at is not None,
    }
    if notification.type == "removed":
        fields["target_type"] = notification.target_type
        fields["reason"] = notification.reason
    return Notification(**fields)
