"""The notifications page."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user, login_required

from app.accounts.forms import EmptyForm
from app.notifications import queries, services
from app.notifications.payloads import notification_payload
from app.pagination import next_page_url, page_params
from app.web import is_htmx, render_page

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def list_notifications():
    """Show your notifications, newest first."""
    limit, cursor = page_params(30)
    page = queries.notifications_page(current_user, limit=limit, cursor=cursor)
    next_url = next_page_url("notifications.list_notifications", page)
    return render_page(
        "notifications/list.html",
        block="items" if cursor else None,
        items=[notification_payload(n).json_dict() for n in page.items],
        next_url=next_url,
        form=EmptyForm(),
    )


@bp.post("/notifications/read")
@login_required
def mark_read():
    """Mark every notification read."""
    if EmptyForm().validate_on_submit():
        services.mark_read(user=current_user)
    if is_htmx():
        return list_notifications()
    return redirect(url_for("notifications.list_notifications"), code=303)
