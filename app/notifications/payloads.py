"""Notifications as payloads, for the API and the sockets alike."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from app.accounts.payloads import UserSummary, user_summary
from app.notifications.models import CONFIGURABLE_TYPES, DIGEST_CHOICES, NOTIFICATION_TYPES
from app.notifications.models import Notification as NotificationRow
from app.notifications.queries import NotificationItem, Settings
from app.payloads import (
    LIST_MAX,
    Count,
    Id,
    ItemsPage,
    Patch,
    Payload,
    Request,
    Time,
    choice,
)
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


class TypeSetting(Payload):
    """One type of notification: shown on the site, and mailed."""

    web: bool
    email: bool


class TypeSettingChange(Request):
    """What to change for one type of notification; a field left out stays as it is."""

    web: bool | None = None
    email: bool | None = None


Digest = Annotated[
    choice(DIGEST_CHOICES),  # type: ignore[valid-type]
    Field(description="A mail summing up what you missed: never, every day or every week."),
]
ConfigurableType = choice(CONFIGURABLE_TYPES)


class NotificationSettings(Payload):
    """Your notification settings: each type on the site and by mail, and the digest."""

    types: dict[ConfigurableType, TypeSetting]  # type: ignore[valid-type]
    digest: Digest


class NotificationSettingsChange(Patch):
    """The settings to change: some types (some of their fields), the digest, or both."""

    types: (
        Annotated[
            dict[ConfigurableType, TypeSettingChange],  # type: ignore[valid-type]
            Field(description="An unknown type is 422; a type left out stays as it is."),
        ]
        | None
    ) = None
    digest: Digest | None = None


def notification_settings(settings: Settings) -> NotificationSettings:
    """Return someone's notification settings as a payload."""
    return NotificationSettings(
        types={
            kind: TypeSetting(web=web, email=email) for kind, (web, email) in settings.types.items()
        },
        digest=settings.digest,
    )
