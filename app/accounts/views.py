"""Account pages: register, log in, log out, settings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts import queries, services
from app.accounts.auth import login_limits, register_limits, sign_in, sign_out
from app.accounts.forms import (
    EmptyForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    RegisterForm,
    apply_errors,
)
from app.errors import DomainError
from app.redirects import go, safe_next
from app.safety import queries as safety
from app.web import is_htmx, render_page

bp = Blueprint("accounts", __name__)

# How many blocked and muted people the settings page lists before "See everyone".
SAFETY_LIST = 10
# How many sign-ins the settings page lists (newest first); "log out everywhere" ends the rest.
SESSIONS_LIST = 50


@bp.route("/register", methods=["GET", "POST"])
@register_limits
def register():
    """Show the sign-up form, or create the account and sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("feeds.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(
                username=form.username.data or "",
                email=form.email.data or "",
                password=form.password.data or "",
            )
        except DomainError as error:
            apply_errors(form, error)
        else:
            sign_in(user)
            flash(_("Welcome to DevThread, %(name)s!", name=user.username), "success")
            return go(url_for("feeds.home"))
    status = 422 if form.is_submitted() else 200
    return render_page("accounts/register.html", block="form", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    """Show the sign-in form, or sign in."""
    if current_user.is_authenticated:
        return redirect(safe_next(url_for("feeds.home")))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                login=form.login.data or "", password=form.password.data or ""
            )
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            sign_in(user, remember=bool(form.remember.data))
            return go(safe_next(url_for("feeds.home")))
    status = 422 if form.is_submitted() else 200
    return render_page("accounts/login.html", block="form", form=form), status


@bp.post("/logout")
def logout():
    """Sign out of this browser."""
    form = EmptyForm()
    if form.validate_on_submit():
        sign_out()
        flash(_("You are signed out."), "info")
    return go(url_for("feeds.home"))


@bp.get("/settings")
@login_required
def settings():
    """Show the profile, password and session settings."""
    return render_settings()


@bp.post("/settings/profile")
@login_required
def update_profile():
    """Save the profile."""
    form = ProfileForm()
    if form.validate_on_submit():
        try:
            services.update_profile(
                user=current_user,
                display_name=form.display_name.data or "",
                bio=form.bio.data or "",
                location=form.location.data or "",
                website=form.website.data or "",
                dm_policy=form.dm_policy.data or "everyone",
            )
        except DomainError as error:
            apply_errors(form, error)
        else:
            return saved("profile", _("Your profile is saved."))
    return render_settings(profile_form=form, block="profile", status=422)


@bp.post("/settings/password")
@login_required
def change_password():
    """Change the password and sign out every other session."""
    form = PasswordForm()
    if form.validate_on_submit():
        current = queries.get_session(current_user.current_session_id)
        remember = bool(current and current.remember)
        try:
            user = services.change_password(
                user=current_user._get_current_object(),
                current_password=form.current_password.data or "",
                new_password=form.new_password.data or "",
            )
        except DomainError as error:
            apply_errors(form, error)
        else:
            # Every sign-in ended, this one too: start a fresh one here, as it was. The page
            # reloads in full, since its CSRF token belonged to the session that ended.
            sign_in(user, remember=remember)
            flash(_("Password changed. Your other sessions are signed out."), "success")
            return go(url_for("accounts.settings"))
    return render_settings(password_form=form, block="password", status=422)


@bp.post("/settings/sessions")
@login_required
def log_out_everywhere():
    """Sign out every browser and app, this one included."""
    form = EmptyForm()
    if form.validate_on_submit():
        services.log_out_everywhere(user=current_user)
        sign_out()
        flash(_("You are signed out everywhere."), "info")
    return go(url_for("accounts.login"))


@bp.post("/settings/sessions/<id:session_id>/sign-out")
@login_required
def sign_out_session(session_id: int):
    """Sign out one browser or app from the list of sign-ins."""
    form = EmptyForm()
    if not form.validate_on_submit():
        return go(url_for("accounts.settings"))
    if session_id == current_user.current_session_id:
        sign_out()
        flash(_("You are signed out."), "info")
        return go(url_for("accounts.login"))
    services.end_session(user=current_user, session_id=session_id)
    return saved("signed_in", _("That session is signed out."))


def saved(block: str, message: str):
    """Confirm a saved settings form: in place for htmx, else flash and reload the page."""
    if is_htmx():
        return render_settings(block=block, notices={block: message})
    flash(message, "success")
    return redirect(url_for("accounts.settings"), code=303)


def render_settings(
    profile_form: ProfileForm | None = None,
    password_form: PasswordForm | None = None,
    block: str | None = None,
    status: int = 200,
    notices: dict[str, str] | None = None,
):
    """Render the settings page (or one of its forms for htmx)."""
    return render_page(
        "accounts/settings.html",
        block=block,
        profile_form=profile_form or ProfileForm(obj=current_user, formdata=None),
        password_form=password_form or PasswordForm(formdata=None),
        sessions_form=EmptyForm(),
        signed_in=queries.user_sessions(current_user, limit=SESSIONS_LIST, cursor=None),
        notices=notices or {},
        blocked=safety.blocked_users(current_user, limit=SAFETY_LIST, cursor=None),
        muted=safety.muted_users(current_user, limit=SAFETY_LIST, cursor=None),
    ), status
