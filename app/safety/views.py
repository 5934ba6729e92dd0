"""Safety pages: block and mute buttons, the report form, the lists of people you keep away."""

from __future__ import annotations

from flask import Blueprint, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts.forms import EmptyForm, apply_errors
from app.errors import DomainError
from app.pagination import next_page_url, page_params
from app.redirects import referrer_or, see_other
from app.safety import queries, services
from app.safety.forms import REASON_LABELS, ReportForm
from app.safety.models import REPORT_REASONS
from app.web import is_htmx, render_page

bp = Blueprint("safety", __name__)

PAGE_SIZE = 30


@bp.app_template_global()
def report_reasons() -> list[tuple[str, str]]:
    """Return the report reasons with their labels, in the order the form offers them."""
    return [(reason, str(REASON_LABELS[reason])) for reason in REPORT_REASONS]


@bp.app_template_filter()
def reason_label(reason: str) -> str:
    """Name a report reason for people."""
    label = REASON_LABELS.get(reason)
    return str(label) if label else reason


def _back(username: str):
    """Go back where the button was (no JavaScript), or to the profile."""
    return see_other(referrer_or(url_for("social.profile", username=username)))


@bp.post("/u/<username>/block")
@login_required
def toggle_block(username: str):
    """Block or unblock someone; htmx gets the button back."""
    on = request.form.get("on") == "1"
    if not EmptyForm().validate_on_submit():
        return _back(username)
    if on:
        target = services.block(blocker=current_user, username=username)
        message = _("You blocked @%(name)s.", name=target.username)
    else:
        target = services.unblock(blocker=current_user, username=username)
        message = _("You unblocked @%(name)s.", name=target.username)
    if is_htmx():
        return render_page("safety/block_button.html", user=target, blocking=on)
    flash(message, "success")
    return _back(target.username)


@bp.post("/u/<username>/mute")
@login_required
def toggle_mute(username: str):
    """Mute or unmute someone; htmx gets the button back."""
    on = request.form.get("on") == "1"
    if not EmptyForm().validate_on_submit():
        return _back(username)
    if on:
        target = services.mute(muter=current_user, username=username)
        message = _("You muted @%(name)s.", name=target.username)
    else:
        target = services.unmute(muter=current_user, username=username)
        message = _("You unmuted @%(name)s.", name=target.username)
    if is_htmx():
        return render_page("safety/mute_button.html", user=target, muting=on)
    flash(message, "success")
    return _back(target.username)


@bp.get("/report")
@login_required
def report_page():
    """Show the report form on a page of its own (browsers without JavaScript land here too)."""
    form = ReportForm(
        formdata=None,
        target_type=request.args.get("target_type", ""),
        target_id=request.args.get("target_id", ""),
    )
    # htmx asks for the form alone when a report dialog opens (safety/_report.html).
    return render_page("safety/report.html", block="form", form=form, done=False)


@bp.post("/reports")
@login_required
def file_report():
    """Report a post, a comment or a person to the moderators."""
    form = ReportForm()
    if form.validate_on_submit():
        try:
            services.report(
                reporter=current_user,
                target_type=form.target_type.data or "",
                target_id=form.target_id.data or "",
                reason=form.reason.data or "",
                note=form.note.data or "",
            )
        except DomainError as error:
            if error.status == 404:
                raise
            apply_errors(form, error)
        else:
            if is_htmx():
                return render_page("safety/report.html", block="form", form=form, done=True)
            flash(_("Thank you. The moderators will look at your report."), "success")
            return see_other(referrer_or(url_for("feeds.home")))
    return render_page("safety/report.html", block="form", form=form, done=False), 422


def _people(kind: str):
    """List the people you blocked or muted, with undo buttons."""
    limit, cursor = page_params(PAGE_SIZE)
    lister = queries.blocked_users if kind == "blocked" else queries.muted_users
    page = lister(current_user, limit=limit, cursor=cursor)
    endpoint = "safety.blocked_people" if kind == "blocked" else "safety.muted_people"
    next_url = next_page_url(endpoint, page)
    return render_page(
        "safety/people.html",
        block="items" if cursor else None,
        kind=kind,
        people=page.items,
        next_url=next_url,
    )


@bp.get("/settings/blocked")
@login_required
def blocked_people():
    """Show everyone you blocked."""
    return _people("blocked")


@bp.get("/settings/muted")
@login_required
def muted_people():
    """Show everyone you muted."""
    return _people("muted")
