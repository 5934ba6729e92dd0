"""Who is asking: the browser session's user, and the login rate limits."""

from __future__ import annotations

from flask import current_app, request

from app.accounts import queries
from app.accounts.models import User
from app.accounts.rules import identity_key
from app.extensions import client_address, limiter


def load_session_user(identity: str) -> User | None:
    """Load the user of a session cookie, refusing ended sessions and suspended users."""
    user_id, _, version = identity.partition(":")
    try:
        user = queries.get_user(int(user_id))
    except ValueError:
        return None
    if user is None or str(user.session_version) != version or user.suspended:
        return None
    return user


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
    return response.status_code in (401, 403, 422)


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
