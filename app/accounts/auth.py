"""Who is asking: the browser session's user, and the login rate limits."""

from __future__ import annotations

from flask import current_app, request

from app.accounts import queries
from app.accounts.models import User
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
    """Key the per-account login limit on the name being tried, from a form or JSON body."""
    login = request.form.get("login")
    if login is None and request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict) and isinstance(body.get("login"), str):
            login = body["login"]
    return "login:" + (login or "").strip().lower()[:254]


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


def register_limits(func):
    """Limit how many accounts one IP address can create."""
    return limiter.shared_limit(
        lambda: current_app.config["REGISTER_LIMIT_PER_IP"],
        scope="register-ip",
        key_func=client_address,
        deduct_when=lambda response: (
            response.status_code == 201 or response.status_code in (302, 303)
        ),
    )(func)
