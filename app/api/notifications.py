"""API routes for notifications: list, unread count, mark read."""

from __future__ import annotations

from app.api import bp
from app.api.common import api_user
from app.api.spec import operation
from app.notifications import queries, services
from app.notifications.payloads import (
    MarkRead,
    NotificationList,
    UnreadCount,
    notification_payload,
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
