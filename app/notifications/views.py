"""The notifications page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.forms import EmptyForm
from app.accounts.views import render_settings, saved
from app.errors import ValidationError
from app.notifications import queries, services
from app.notifications.models import CONFIGURABLE_TYPES
from app.notifications.payloads import notification_payload
from app.notifications.unsubscribe import read_token
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


@bp.post("/settings/notifications")
@login_required
def update_settings():
    """Save which notifications show on the site and come by mail, and the digest."""
    form = EmptyForm()
    error = None
    if form.validate_on_submit():
        types = {
            kind: {
                "web": request.form.get(f"{kind}-web") == "on",
                "email": request.form.get(f"{kind}-email") == "on",
            }
            for kind in CONFIGURABLE_TYPES
        }
        try:
            services.update_settings(
                user_id=current_user.id, types=types, digest=request.form.get("digest", "off")
            )
        except ValidationError as invalid:
            error = invalid
        else:
            return saved("notification_settings", _("Your notification settings are saved."))
    else:
        error = ValidationError(_("The form expired: send it again."))
    notices = {"notification_error": str(error)}
    return render_settings(block="notification_settings", status=422, notices=notices)


# Mail programs call these without a session or CSRF token (csrf-exempt in app/__init__.py).
unsubscribe_bp = Blueprint("unsubscribe", __name__)


@unsubscribe_bp.get("/unsubscribe/<token>")
def confirm_unsubscribe(token: str):
    """Ask before unsubscribing: link scanners follow GET links, people press the button."""
    read = read_token(token)
    if read is None:
        return render_template("notifications/unsubscribe.html", invalid=True), 404
    return render_template("notifications/unsubscribe.html", kind=read[1], token=token, done=False)


@unsubscribe_bp.post("/unsubscribe/<token>")
def unsubscribe(token: str):
    """Turn off the mail the token names (RFC 8058 one-click, or the confirm button)."""
    read = read_token(token)
    if read is None or not services.unsubscribe(user_id=read[0], kind=read[1]):
        return render_template("notifications/unsubscribe.html", invalid=True), 404
    return render_template("notifications/unsubscribe.html", kind=read[1], token=token, done=True)
