"""Who is asking: the browser session's user, signing a browser in and out, login limits."""

from __future__ import annotations

import contextlib
import time

from flask import Response, current_app, g, request, session, url_for
from flask_login import current_user, login_user, logout_user

from app.accounts import mfa, queries, services, sessions
from app.accounts.models import User
from app.accounts.rules import identity_key
from app.errors import NotFound
from app.extensions import client_address, limiter
from app.ratelimits import user_or_address
from app.redirects import go, local_or


def client_info() -> dict[str, str]:
    """Describe the caller for a sign-in record: its user agent and address."""
    return {
        "user_agent": request.headers.get("User-Agent", ""),
        "ip_address": client_address(),
    }


def sign_in(user: User, *, remember: bool = False) -> None:
    """Sign this browser in with a new sign-in record and a new cookie session."""
    sessions.start_browser_session(user=user, remember=remember, **client_info())
    # Nothing from before sign-in survives, the CSRF secret included: no session fixation.
    session.clear()
    login_user(user, remember=remember)
    if not remember and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in (
        request.cookies
    ):
        # A remember cookie of an earlier sign-in would outlive this one: drop it.
        session["_remember"] = "clear"


def start_second_factor(user: User, *, remember: bool = False) -> str | None:
    """Hold back the sign-in of an account with two-factor sign-in on: return its mfa_token."""
    if not user.two_factor:
        return None
    g.mfa_required = True  # not a failed sign-in (login limits)
    return mfa.start_pending_sign_in(user=user, remember=remember)


# The browser session's key for a sign-in waiting for its code (no password is kept anywhere).
MFA_SESSION_KEY = "mfa_token"
# The browser session's key for an account waiting for deletion whose owner just proved who they
# are (password, passkey or GitHub): its id, "keep me signed in", and until when the offer holds.
CANCEL_DELETION_KEY = "cancel_deletion"
CANCEL_DELETION_TTL = 10 * 60


def offer_cancel_deletion(
    user_id: int, *, remember: bool = False, next_url: str | None = None
) -> Response:
    """Send a browser whose sign-in found its account waiting for deletion to the cancel page."""
    session[CANCEL_DELETION_KEY] = {
        "user_id": user_id,
        "remember": remember,
        "until": int(time.time()) + CANCEL_DELETION_TTL,
    }
    return go(url_for("yourdata.cancel_deletion", next=local_or(next_url, "") or None))


def cancel_offer() -> tuple[int, bool] | None:
    """Return the account id and "keep me signed in" of this browser's live cancel offer."""
    offer = session.get(CANCEL_DELETION_KEY)
    if not isinstance(offer, dict) or not isinstance(offer.get("user_id"), int):
        return None
    if not isinstance(offer.get("until"), int) or offer["until"] < time.time():
        session.pop(CANCEL_DELETION_KEY, None)
        return None
    return offer["user_id"], bool(offer.get("remember"))


def complete_sign_in(
    user: User, *, remember: bool = False, next_url: str | None = None
) -> Response:
    """Finish a browser sign-in whose first step passed (password, GitHub); send it on.

    Every page sign-in of an existing account goes through here, so the second factor is asked
    in one place: an account with one is sent to the code step instead of being signed in.
    ``next_url`` is checked (a path on this site, else home).
    """
    home = url_for("feeds.home")
    if mfa_token := start_second_factor(user, remember=remember):
        session[MFA_SESSION_KEY] = mfa_token
        step = url_for("accounts.login_second_factor", next=local_or(next_url, "") or None)
        return go(step, default=home)
    sign_in(user, remember=remember)
    return go(next_url or home, default=home)


def sign_out() -> None:
    """Sign this browser out: end its sign-in record, then clear its cookies."""
    if current_user.is_authenticated and current_user.current_session_id is not None:
        # Already ended ("log out everywhere" just ran) is as good as ending it now.
        with contextlib.suppress(NotFound):
            services.end_session(user=current_user, session_id=current_user.current_session_id)
    session.clear()
    # After the clear: logout_user marks the remember cookie for deletion in the session.
    logout_user()


def login_account_key() -> str:
    """Key the per-account login limit on the account the login names, from a form or JSON."""
    login = request.form.get("login")
    if login is None and request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("login"), str):
            login = body["login"]
    # The username and the email of one account share one budget, whatever their spelling.
    user = queries.find_by_login(login) if login else None
    if user is not None:
        return f"account:{user.id}"
    # Unknown names keep a budget of their own, so probing for accounts is limited too.
    # Escaped: JSON can carry lone surrogates, which Redis (UTF-8) cannot store as a key.
    key = identity_key(login or "")[:254].encode("utf-8", "backslashreplace").decode()
    return "login:" + key


def _failed(response) -> bool:
    """Count only failed attempts against an account, so its owner is not locked out by success."""
    # A right password that still needs a code is no failure (codes have their own lockout).
    return response.status_code in (401, 403, 422) and not g.get("mfa_required")


def login_limits(func):
    """Limit sign-in attempts per IP address and, for failures, per account."""
    # Shared scopes: the page and the API draw on one budget, so neither is a way around.
    per_ip = limiter.shared_limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_IP"], scope="login-ip", key_func=client_address
    )
    per_account = limiter.shared_limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
        scope="login-account",
        key_func=login_account_key,
        deduct_when=_failed,
    )
    return per_ip(per_account(func))


def sign_in_step_limits(func):
    """Limit a sign-in's other steps (a code, a passkey) per IP address, with the passwords."""
    # Per account, wrong codes lock the codes themselves (app/accounts/mfa.py); passkeys cannot
    # be guessed. Sharing the address budget of passwords keeps one budget per address.
    return limiter.shared_limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_IP"],
        scope="login-ip",
        key_func=client_address,
        methods=["POST"],
    )(func)


def _created(response) -> bool:
    """Tell whether a sign-up created an account: 201 (API), 303 or htmx's 204 (page)."""
    # Not 302: that is the page sending an already signed-in visitor home.
    return response.status_code in (201, 303) or (
        response.status_code == 204 and "HX-Redirect" in response.headers
    )


def register_limits(func):
    """Limit sign-up attempts per IP address, and how many accounts one address creates."""
    # Every POST is an attempt, whatever the answer: a 409 tells whether an address has an
    # account, so uncounted conflicts would let anyone test addresses at speed. Page and API
    # share both budgets.
    attempts = limiter.shared_limit(
        lambda: current_app.config["REGISTER_ATTEMPT_LIMIT_PER_IP"],
        scope="register-attempts",
        key_func=client_address,
        methods=["POST"],
    )
    created = limiter.shared_limit(
        lambda: current_app.config["REGISTER_LIMIT_PER_IP"],
        scope="register-ip",
        key_func=client_address,
        methods=["POST"],
        deduct_when=_created,
    )
    return attempts(created(func))


def _field_of_body(name: str) -> str | None:
    """Read a string field from the request's form or JSON body, without failing."""
    value = request.form.get(name)
    if value is None and request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get(name), str):
            value = body[name]
    return value


def reset_email_key() -> str:
    """Key the per-address reset limit on the email address asked about, however spelled."""
    # Escaped: JSON can carry lone surrogates, which Redis (UTF-8) cannot store as a key.
    key = identity_key(_field_of_body("email") or "")[:254]
    return "reset-email:" + key.encode("utf-8", "backslashreplace").decode()


def password_reset_limits(func):
    """Limit reset mails asked for, per caller's address and per email address asked about."""
    # Every POST counts, known address or not: the answer must not tell them apart.
    per_ip = limiter.shared_limit(
        lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_IP"],
        scope="reset-ip",
        key_func=client_address,
        methods=["POST"],
    )
    per_email = limiter.shared_limit(
        lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_EMAIL"],
        scope="reset-email",
        key_func=reset_email_key,
        methods=["POST"],
    )
    return per_ip(per_email(func))


def verification_mail_limits(func):
    """Limit the verification mails (a resend, a change of address) one account asks for."""
    return limiter.shared_limit(
        lambda: current_app.config["VERIFICATION_MAIL_LIMIT"],
        scope="verification-mail",
        key_func=user_or_address,
        methods=["POST"],
    )(func)


def email_change_limits(func):
    """Count a profile change that names an email address against the verification mails."""
    return limiter.shared_limit(
        lambda: current_app.config["VERIFICATION_MAIL_LIMIT"],
        scope="verification-mail",
        key_func=user_or_address,
        methods=["PATCH"],
        exempt_when=lambda: _field_of_body("email") is None,
    )(func)
