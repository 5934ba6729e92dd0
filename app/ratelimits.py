"""Rate limits on every route: writes per user, reads per address, with budget headers.

Search and Markdown preview cost the most per request: they get tighter budgets of their own
(``SEARCH_LIMIT``, ``PREVIEW_LIMIT``) on top of the general ones, each shared by page and API.

Flask-Limiter checks before our own auth hooks run, so the per-user key reads the bearer
token or the session itself, and falls back to the address for anonymous callers.
"""

from __future__ import annotations

import jwt
from flask import Blueprint, Flask, current_app, request, session

from app.extensions import client_address, limiter

WRITE_METHODS = ["POST", "PUT", "PATCH", "DELETE"]
READ_METHODS = ["GET"]
# Blueprints whose routes get the general limits (the ops, static, SPA and socket routes do not).
LIMITED = (
    "api",
    "feeds",
    "posts",
    "social",
    "search",
    "notifications",
    "messaging",
    "safety",
    "main",
    "accounts",
)


def user_or_address() -> str:
    """Key a limit on the signed-in user (token or session), else on the caller's address."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        try:
            claims = jwt.decode(
                header[7:].strip(),
                current_app.config.get("JWT_SECRET_KEY") or current_app.config["SECRET_KEY"],
                algorithms=["HS256"],
                options={"require": ["sub"]},
            )
            return f"user:{claims['sub']}"
        except jwt.PyJWTError:
            pass  # the route itself answers 401; count it against the address
    user_id = session.get("_user_id")
    if user_id:
        return "user:" + str(user_id).split(":", 1)[0]
    return "ip:" + client_address()


def search_limit(func):
    """Give a search route the shared search budget, per signed-in user else per address."""
    return limiter.shared_limit(
        lambda: current_app.config["SEARCH_LIMIT"], scope="search", key_func=user_or_address
    )(func)


def preview_limit(func):
    """Give a Markdown preview route the shared preview budget, per user else per address."""
    return limiter.shared_limit(
        lambda: current_app.config["PREVIEW_LIMIT"], scope="preview", key_func=user_or_address
    )(func)


def upload_limit(func):
    """Give a picture upload route the shared upload budget, per signed-in user else address."""
    return limiter.shared_limit(
        lambda: current_app.config["MEDIA_UPLOAD_LIMIT"], scope="upload", key_func=user_or_address
    )(func)


_applied: set[str] = set()


def apply_limits(app: Flask) -> None:
    """Give every limited blueprint a shared write budget per user and read budget per address."""
    # Blueprints are module objects shared by every app of the process (tests make several):
    # their limits are recorded on the one limiter by blueprint name, so record them once.
    writes = limiter.shared_limit(
        lambda: current_app.config["WRITE_LIMIT"],
        scope="writes",
        key_func=user_or_address,
        methods=WRITE_METHODS,
    )
    reads = limiter.shared_limit(
        lambda: current_app.config["READ_LIMIT"],
        scope="reads",
        key_func=client_address,
        methods=READ_METHODS,
    )
    for name in LIMITED:
        blueprint: Blueprint | None = app.blueprints.get(name)
        if blueprint is not None and name not in _applied:
            writes(blueprint)
            reads(blueprint)
            _applied.add(name)
