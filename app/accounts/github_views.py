"""Sign in with GitHub pages: the way out to GitHub, the way back, a new account, connections.

The callback does one of four things (app/accounts/identities.py decides): sign in the user a
known GitHub account belongs to; link by a verified primary email that is an account's address
(and say so); offer a new account, after the person picks its username; or, when it started
from the settings page, connect GitHub to the signed-in account. Every refusal is a page that
says why (400 expired or forged state, 403 declined, unverified or suspended, 409 connected
elsewhere, 502 GitHub down), never a 500.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Blueprint, current_app, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.accounts import github, identities
from app.accounts.auth import complete_sign_in, offer_cancel_deletion, register_limits
from app.accounts.forms import EmptyForm, ProviderSignUpForm, apply_errors
from app.accounts.identities import ExternalProfile
from app.errors import AccountPendingDeletion, BadRequest, DomainError, NotFound
from app.extensions import client_address, limiter
from app.redirects import go, local_or, safe_next, see_other
from app.web import render_page

bp = Blueprint("github", __name__)

# The session key of a GitHub sign-in waiting for its new account's username, and how long
# it waits (seconds): the person is choosing a name, not leaving for lunch.
PENDING = "github_signup"
PENDING_TTL = 15 * 60

# The page and API sign-ins share this budget per address: GitHub's is one more way in.
per_ip = limiter.shared_limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_IP"], scope="login-ip", key_func=client_address
)


@bp.app_context_processor
def sign_in_choices() -> dict[str, Any]:
    """Tell the login, register and settings pages whether to offer GitHub."""
    return {"github_enabled": github.enabled()}


def require_enabled() -> None:
    """Answer 404 when no GitHub client is configured: the feature is not there."""
    if not github.enabled():
        raise NotFound(_("Sign in with GitHub is not set up on this site."))


def callback_url() -> str:
    """Return the address GitHub sends the browser back to (the OAuth app's callback URL)."""
    return url_for("github.callback", _external=True)


@bp.get("/auth/github/login")
@per_ip
def login():
    """Send the browser to GitHub to sign in (or to sign up)."""
    require_enabled()
    target = safe_next(url_for("feeds.home"))
    if current_user.is_authenticated:
        return redirect(target)
    return github.authorize_redirect(callback_url(), intent="login", next_url=target)


@bp.get("/auth/github/callback")
@per_ip
def callback():
    """Come back from GitHub: sign in, link by verified email, offer an account, or connect."""
    require_enabled()
    profile, carry = github.finish()
    if carry.get("intent") == "connect":
        return finish_connect(profile, carry)
    next_url = local_or(carry.get("next_url"), url_for("feeds.home"))
    try:
        result = identities.sign_in_with(profile=profile)
    except AccountPendingDeletion as pending:
        # GitHub proved who this is (an account without a password has no other way in).
        return offer_cancel_deletion(pending.user_id, next_url=next_url)
    if result.user is None:
        session[PENDING] = pending_from(profile, next_url)
        return redirect(url_for("github.confirm"))
    response = complete_sign_in(result.user, next_url=next_url)
    if result.linked:
        flash(
            _(
                "Your GitHub account %(login)s is now connected: its verified address is this "
                "account's. You can disconnect it in Settings.",
                login=profile.login,
            ),
            "info",
        )
    return response


def finish_connect(profile: ExternalProfile, carry: dict[str, Any]):
    """Connect GitHub to the account that asked from its settings page, and only to it."""
    if not current_user.is_authenticated or current_user.id != carry.get("user_id"):
        raise BadRequest(_("You were signed out while connecting GitHub. Sign in and try again."))
    if identities.connect(user=current_user, profile=profile):
        flash(_("GitHub account %(login)s connected.", login=profile.login), "success")
    else:
        flash(_("That GitHub account was already connected."), "info")
    return see_other(url_for("accounts.settings"))


@bp.route("/auth/github/confirm", methods=["GET", "POST"])
@register_limits
def confirm():
    """Show the new account's username for a GitHub sign-in, or create it and sign in."""
    if current_user.is_authenticated:
        return redirect(url_for("feeds.home"))
    pending = current_pending()
    if pending is None:
        flash(_("That sign-in with GitHub expired. Please start again."), "info")
        return redirect(url_for("accounts.login"))
    profile = profile_from(pending)
    form = ProviderSignUpForm()
    if form.validate_on_submit():
        try:
            user = identities.create_account(profile=profile, username=form.username.data or "")
        except DomainError as error:
            apply_errors(form, error)
        else:
            session.pop(PENDING, None)
            response = complete_sign_in(user, next_url=pending["next_url"])
            flash(_("Welcome to DevThread, %(name)s!", name=user.username), "success")
            return response
    elif not form.is_submitted():
        form.username.data = identities.suggest_username(profile.login)
    status = 422 if form.is_submitted() else 200
    return render_page(
        "accounts/github_confirm.html", block="form", form=form, profile=profile
    ), status


@bp.post("/settings/connections/github")
@login_required
def connect():
    """Send the signed-in browser to GitHub to connect an account to this one."""
    require_enabled()
    form = EmptyForm()
    if not form.validate_on_submit():
        return go(url_for("accounts.settings"))
    return github.authorize_redirect(callback_url(), intent="connect", user_id=current_user.id)


@bp.post("/settings/connections/github/disconnect")
@login_required
def disconnect():
    """Disconnect GitHub from this account, unless it is the only way to sign in."""
    form = EmptyForm()
    if form.validate_on_submit():
        identities.disconnect(user=current_user, provider=github.PROVIDER)
        flash(_("GitHub disconnected. It no longer signs you in."), "success")
    return go(url_for("accounts.settings"))


def pending_from(profile: ExternalProfile, next_url: str) -> dict[str, Any]:
    """Return what the session keeps of a GitHub sign-in waiting for its username."""
    return {
        "id": profile.provider_user_id,
        "login": profile.login,
        "name": profile.name,
        "email": profile.email,
        "verified": profile.email_verified,
        "next_url": next_url,
        "exp": time.time() + PENDING_TTL,
    }


def current_pending() -> dict[str, Any] | None:
    """Return this browser's GitHub sign-in waiting for a username, unless it expired."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("exp", 0) < time.time():
        session.pop(PENDING, None)
        return None
    return pending


def profile_from(pending: dict[str, Any]) -> ExternalProfile:
    """Rebuild the GitHub profile kept in the (signed) session."""
    return ExternalProfile(
        provider=github.PROVIDER,
        provider_user_id=pending["id"],
        login=pending["login"],
        name=pending["name"],
        email=pending["email"],
        email_verified=pending["verified"],
    )
