"""Admin pages: dashboard, people, reports, audit log. Staff only; everyone else gets 404."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts.forms import apply_errors
from app.admin import charts, queries, services
from app.admin.forms import ReasonForm, ResolveForm, RoleForm
from app.admin.models import AUDIT_ACTIONS
from app.errors import DomainError
from app.extensions import csrf
from app.media import queries as media_queries
from app.pagination import next_page_url, page_params
from app.realtime.hub import hub
from app.safety.models import ID_MAX, REPORT_TARGETS
from app.social.queries import user_or_404
from app.web import render_page

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 30
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@bp.before_request
def staff_only() -> None:
    """Answer 404 to all but moderators and admins (before CSRF, so nothing hints at a page)."""
    if not (current_user.is_authenticated and current_user.is_staff):
        abort(404)
    if request.method in WRITE_METHODS:
        csrf.protect()


@bp.route("", methods=["POST", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(rest: str = ""):
    """Answer 404 for any other address or method under /admin (never 405, which would hint)."""
    abort(404)


@bp.get("")
def dashboard():
    """Show the totals, the last 30 days per day, and the live sockets."""
    titles = {
        "signups": _("Sign-ups"),
        "posts": _("Posts"),
        "comments": _("Comments"),
        "active": _("Active people"),
        "open_reports": _("Open reports (at the end of the day)"),
    }
    series = queries.daily()
    return render_page(
        "admin/dashboard.html",
        totals=queries.totals(),
        charts=[charts.bar_chart(s.key, titles[s.key], s.days, s.values) for s in series],
        sockets=hub.count(),
    )


@bp.get("/users")
def users():
    """List accounts, newest first, by name or email prefix, role and suspension."""
    filters = {key: request.args.get(key, "") for key in ("q", "role", "suspended")}
    limit, cursor = page_params(PAGE_SIZE)
    page = queries.users_page(**filters, limit=limit, cursor=cursor)
    next_url = next_page_url("admin.users", page, **filters)
    return render_page(
        "admin/users.html",
        block="items" if cursor else None,
        page=page,
        filters=filters,
        next_url=next_url,
    )


def render_user(username: str, *, status: int = 200, **forms):
    """Render a person's admin page, with any form that came back with errors."""
    user = user_or_404(username, deleting=True)
    return render_page(
        "admin/user.html",
        user=user,
        activity=queries.activity(user),
        suspend_form=forms.get("suspend_form") or ReasonForm(formdata=None, prefix="suspend"),
        content_form=forms.get("content_form") or ReasonForm(formdata=None, prefix="content"),
        role_form=forms.get("role_form") or RoleForm(formdata=None, prefix="role", role=user.role),
        reset_form=forms.get("reset_form") or ReasonForm(formdata=None, prefix="reset"),
    ), status


@bp.get("/users/<username>")
def user_detail(username: str):
    """Show a person: activity, reports about them, and what staff can do."""
    return render_user(username)


def _act(username: str, form, form_name: str, action, success: str):
    """Run an action from a form on the person's page: back to it, or the form with errors."""
    try:
        action(form)
    except DomainError as error:
        if error.status != 422:
            raise
        apply_errors(form, error)
        return render_user(username, status=422, **{form_name: form})
    flash(success, "success")
    return redirect(url_for("admin.user_detail", username=username), code=303)


@bp.post("/users/<username>/suspend")
def suspend(username: str):
    """Suspend someone, with a reason."""
    return _act(
        username,
        ReasonForm(prefix="suspend"),
        "suspend_form",
        lambda f: services.suspend_user(
            actor=current_user, username=username, reason=f.reason.data or ""
        ),
        _("@%(name)s is suspended and signed out everywhere.", name=username),
    )


@bp.post("/users/<username>/unsuspend")
def unsuspend(username: str):
    """Lift someone's suspension, with a reason."""
    return _act(
        username,
        ReasonForm(prefix="suspend"),
        "suspend_form",
        lambda f: services.unsuspend_user(
            actor=current_user, username=username, reason=f.reason.data or ""
        ),
        _("@%(name)s can sign in again.", name=username),
    )


@bp.post("/users/<username>/role")
def change_role(username: str):
    """Change someone's role (admins only)."""
    return _act(
        username,
        RoleForm(prefix="role"),
        "role_form",
        lambda f: services.change_role(
            actor=current_user,
            username=username,
            role=f.role.data or "",
            reason=f.reason.data or "",
        ),
        _("The role of @%(name)s is saved.", name=username),
    )


@bp.post("/users/<username>/password-reset")
def send_password_reset(username: str):
    """Mail someone a password reset link; the audit log keeps who did it."""
    return _act(
        username,
        ReasonForm(prefix="reset"),
        "reset_form",
        lambda f: services.send_password_reset(
            actor=current_user, username=username, reason=f.reason.data or ""
        ),
        _("A password reset link is mailed to @%(name)s.", name=username),
    )


@bp.post("/users/<username>/remove-content")
def remove_content(username: str):
    """Delete every post and comment of someone, with a reason."""
    return _act(
        username,
        ReasonForm(prefix="content"),
        "content_form",
        lambda f: services.remove_user_content(
            actor=current_user, username=username, reason=f.reason.data or ""
        ),
        _("The posts and comments of @%(name)s are removed.", name=username),
    )


def render_reports(*, status: int = 200, failed: tuple[str, int, ResolveForm] | None = None):
    """Render the open reports by target (with the form that failed, if any)."""
    limit, cursor = page_params(PAGE_SIZE)
    page = queries.report_groups(limit=limit, cursor=cursor)
    next_url = next_page_url("admin.reports", page)
    return render_page(
        "admin/reports.html",
        block="items" if cursor else None,
        page=page,
        next_url=next_url,
        failed=failed,
    ), status


@bp.get("/reports")
def reports():
    """Show the open reports grouped by target, oldest first, with the content in context."""
    return render_reports()


@bp.post("/reports/<target_type>/<id:target_id>/resolve")
def resolve(target_type: str, target_id: int):
    """Dismiss the reports on a target, remove the content, or suspend its author."""
    # An id PostgreSQL cannot hold names nothing (and must not reach it as an error).
    if target_type not in REPORT_TARGETS or target_id > ID_MAX:
        abort(404)
    form = ResolveForm()
    try:
        services.resolve_reports(
            actor=current_user,
            target_type=target_type,
            target_id=target_id,
            action=form.action.data or "",
            reason=form.reason.data or "",
        )
    except DomainError as error:
        if error.status != 422:
            raise
        apply_errors(form, error)
        return render_reports(status=422, failed=(target_type, target_id, form))
    flash(_("Done. The reports on that are closed."), "success")
    return redirect(url_for("admin.reports"), code=303)


def render_media(*, status: int = 200, failed: tuple[int, ReasonForm] | None = None):
    """Render the recent uploads (with the removal form that failed, if any)."""
    limit, cursor = page_params(PAGE_SIZE)
    page = media_queries.recent_uploads(limit=limit, cursor=cursor)
    return render_page(
        "admin/media.html",
        block="items" if cursor else None,
        page=page,
        next_url=next_page_url("admin.media", page),
        failed=failed,
    ), status


@bp.get("/media")
def media():
    """List recent uploads, newest first, with a thumbnail, the uploader and the posts."""
    return render_media()


@bp.post("/media/<id:media_id>/remove")
def remove_media(media_id: int):
    """Take an uploaded picture down, with a reason (kept in the audit log)."""
    form = ReasonForm(prefix=f"media-{media_id}")
    try:
        services.remove_media(actor=current_user, media_id=media_id, reason=form.reason.data or "")
    except DomainError as error:
        if error.status != 422:
            raise
        apply_errors(form, error)
        return render_media(status=422, failed=(media_id, form))
    flash(_("The picture is removed."), "success")
    return redirect(url_for("admin.media"), code=303)


@bp.get("/audit")
def audit():
    """Show the audit log, newest first, by actor, action and target."""
    filters = {key: request.args.get(key, "") for key in ("actor", "action", "target")}
    if filters["action"] not in AUDIT_ACTIONS:
        filters["action"] = ""
    limit, cursor = page_params(PAGE_SIZE)
    page = queries.audit_page(**filters, limit=limit, cursor=cursor)
    next_url = next_page_url("admin.audit", page, **filters)
    return render_page(
        "admin/audit.html",
        block="items" if cursor else None,
        page=page,
        filters=filters,
        actions=AUDIT_ACTIONS,
        next_url=next_url,
    )
