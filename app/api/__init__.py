"""The JSON API, version 1."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from app.api import (  # noqa: E402,F401  (routes register on import)
    auth,
    common,
    messages,
    openapi,
    safety,
)

bp.before_request(common.load_token_user)
