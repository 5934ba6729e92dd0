"""Your data's pages: ask for an export and download it, delete the account, or cancel that."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, session, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.auth import CANCEL_DELETION_KEY, cancel_offer, sign_in, sign_out
from app.accounts.forms import EmptyForm, apply_errors
from app.accounts.views import render_settings
from app.errors import DomainError
from app.redirects import go, safe_next
from app.web import is_htmx, render_page
from app.yourdata import queries, services
from app.yourdata.downloads import send_export
from app.yourdata.forms import CancelDeletionForm, DeleteAccountForm

bp = Blueprint("yourdata", __name__)


@bp.post("/settings/data/export")
@login_required
def request_export():
    """Ask for a copy of your data; a job builds it and mails you."""
    form = EmptyForm()
    if not form.validate_on_submit():
        return go(url_for("accounts.settings"))
    try:
        services.request_export(user=current_user)
    except DomainError as error:
        notice, status = error.message, error.status
    else:
        notice, status = _("Your export is being prepared. We will mail you when it is ready."), 200
    if not is_htmx():
        flash(notice, "success" if status == 200 else "info")
        return redirect(url_for("accounts.settings", _anchor="your-data"), code=303)
    return render_settings(block="your_data", your_data={"export_notice": notice}, status=status)


@bp.get("/settings/data/exports/<id:export_id>/download")
@login_required
def download_export(export_id: int):
    """Download one of your ready exports (a zip)."""
    return send_export(current_user, queries.export_of(current_user, export_id))


@bp.post("/settings/data/delete")
@login_required
def delete_account():
    """Delete your account: it is hidden now and erased after the grace period."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            user = services.request_deletion(
                user=current_user,
                password=form.password.data or "",
                username=form.username.data or "",
                code=form.code.data or "",
            )
        except DomainError as error:
            apply_errors(form, error)
            status = error.status
        else:
            erase_on = format_date(user.deletion_due_at, "long")
            sign_out()
            flash(
                _(
                    "Your account will be erased on %(date)s. Sign in before then to cancel.",
                    date=erase_on,
                ),
                "info",
            )
            return go(url_for("feeds.home"))
    else:
        status = 422
    return render_settings(block="delete_account", your_data={"delete_form": form}, status=status)


@bp.route("/login/cancel-deletion", methods=["GET", "POST"])
def cancel_deletion():
    """Offer to cancel the deletion of the account that just signed in; cancel and sign in."""
    offer = cancel_offer()
    user = queries.pending_user(offer[0]) if offer else None
    if current_user.is_authenticated or user is None:
        session.pop(CANCEL_DELETION_KEY, None)
        return redirect(url_for("accounts.login"))
    form = CancelDeletionForm()
    status = 200
    if form.validate_on_submit():
        try:
            services.cancel_deletion(user=user, code=form.code.data or "")
        except DomainError as error:
            apply_errors(form, error)
            status = error.status
        else:
            session.pop(CANCEL_DELETION_KEY, None)
            sign_in(user, remember=offer[1])  # a new session: the offer goes with the old one
            flash(_("Welcome back: your account will not be deleted."), "success")
            return go(safe_next(url_for("feeds.home")))
    elif form.is_submitted():
        status = 422
    page = render_page(
        "yourdata/cancel_deletion.html",
        form=form,
        user=user,
        erase_on=format_date(user.deletion_due_at, "long"),
    )
    return page, status
