"""The JSON API, version 1."""

from __future__ import annotations

from flask import Blueprint

from app.api.common import IdConverter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Recorded before the routes below, so the converter exists when their rules are compiled.
bp.record_once(lambda state: state.app.url_map.converters.setdefault("id", IdConverter))

from app.api import (  # noqa: E402,F401  (routes register on import)
    auth,
    comments,
    common,
    feeds,
    media,
    messages,
    notifications,
    openapi,
    posts,
    safety,
    search,
    tags,
    twofactor,
    users,
    yourdata,
)

bp.before_request(common.load_token_user)
