"""API routes for notifications: list, unread count, mark read."""

from __future__ import annotations

from app.api import bp
from app.api.common import api_user
from app.api.spec import operation
from app.notifications import queries, services
from app.notifications.payloads import (
    MarkRead,
    NotificationList,
    NotificationSettings,
    NotificationSettingsChange,
    UnreadCount,
    notification_payload,
    notification_settings,
)
from app.payloads import PageQuery, page_of


@bp.get("/notifications")
@operation(
    "Your notifications, newest first",
    "Notifications",
    {200: ("One page of notifications.", NotificationList)},
    query=PageQuery,
    auth=True,
)
def list_notifications(query: PageQuery):
    """Return your notifications, newest first."""
    page = queries.notifications_page(api_user(), limit=query.limit, cursor=query.cursor)
    return page_of(NotificationList, page, notification_payload)


@bp.get("/notifications/unread_count")
@operation(
    "How many notifications you have not read",
    "Notifications",
    {200: ("The count.", UnreadCount)},
    auth=True,
)
def unread_notifications():
    """Return how many notifications you have not read."""
    return UnreadCount(count=queries.unread_count(api_user()))


@bp.post("/notifications/read")
@operation(
    "Mark notifications read",
    "Notifications",
    {204: ("Marked.", None)},
    # An empty body means "all", like {} does: a client need not invent one.
    body=MarkRead,
    body_required=False,
    body_description="No body, or no `ids`: mark all of them read.",
    auth=True,
)
def mark_notifications_read(body: MarkRead):
    """Mark the notifications named by ``ids`` read, or all of them when no ids come."""
    services.mark_read(user=api_user(), ids=body.ids)


@bp.get("/me/notification_settings")
@operation(
    "Your notification settings",
    "Notifications",
    {200: ("Each type on the site and by mail, and the digest.", NotificationSettings)},
    auth=True,
)
def get_notification_settings():
    """Return your notification settings."""
    return notification_settings(queries.settings_of(api_user().id))


@bp.patch("/me/notification_settings")
@operation(
    "Change your notification settings",
    "Notifications",
    {200: ("All your settings, changed.", NotificationSettings)},
    body=NotificationSettingsChange,
    auth=True,
    description="`web: false`: that type is neither stored nor pushed to you. `email: true`: a "
    "mail for each one (to a verified address). An unknown type or value is 422.",
)
def update_notification_settings(body: NotificationSettingsChange):
    """Change some of your notification settings."""
    types = {
        kind: change.model_dump(exclude_none=True) for kind, change in (body.types or {}).items()
    }
    settings = services.update_settings(user_id=api_user().id, types=types, digest=body.digest)
    return notification_settings(settings)
