"""Serve the Angular SPA's production build at /app/ (deep links get its index.html)."""

from __future__ import annotations

import os

from flask import Blueprint, abort, current_app, send_from_directory
from werkzeug.security import safe_join

from app import paths

bp = Blueprint("spa", __name__)


def build_dir() -> str:
    """Return the folder of the SPA's production build."""
    return current_app.config.get("SPA_DIST") or paths.resource("spa")


@bp.get("/app")
@bp.get("/app/")
@bp.get("/app/<path:path>")
def serve_spa(path: str = ""):
    """Send a built file, or the SPA's index.html for the routes the SPA handles itself."""
    folder = os.path.abspath(build_dir())
    if not os.path.isfile(os.path.join(folder, "index.html")):
        abort(404, "The single-page app is not built: run `make spa`.")
    target = safe_join(folder, path) if path else None
    if target and os.path.isfile(target):
        response = send_from_directory(folder, path)
        if "." in path.rsplit("/", 1)[-1] and path != "index.html":
            # Angular names built files by content hash: they never change under one name.
            response.cache_control.max_age = 31536000
            response.cache_control.public = True
            response.cache_control.immutable = True
        return response
    response = send_from_directory(folder, "index.html")
    response.cache_control.no_cache = True
    return response
