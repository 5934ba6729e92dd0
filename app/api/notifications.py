"""API routes for notifications: list, unread count, mark read."""

from __future__ import annotations

from flask import jsonify, request

from app.api import bp
from app.api.common import api_user, auth_required, json_body, page_params, typed_fields
from app.api.serializers import notification_json, page_json
from app.notifications import queries, services


@bp.get("/notifications")
@auth_required
def list_notifications():
    """Return your notifications, newest first."""
    limit, cursor = page_params()
    page = queries.notifications_page(api_user(), limit=limit, cursor=cursor)
    return jsonify(page_json(page, notification_json))


@bp.get("/notifications/unread_count")
@auth_required
def unread_notifications():
    """Return how many notifications you have not read."""
    return jsonify(count=queries.unread_count(api_user()))


@bp.post("/notifications/read")
@auth_required
def mark_notifications_read():
    """Mark the notifications named by ``ids`` read, or all of them when no ids come."""
    # An empty body means "all", like {} does: a client need not invent one.
    body = json_body() if request.get_data(cache=True) else {}
    data = typed_fields(body, optional={"ids": list[int]})
    services.mark_read(user=api_user(), ids=data.get("ids"))
    return "", 204
