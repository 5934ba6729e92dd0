"""Site-wide pages and helpers: generated avatars, Markdown preview."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request
from flask_login import login_required
from markupsafe import escape

from app.accounts.rules import USERNAME_RE
from app.errors import DomainError
from app.posts.services import preview_markdown
from app.ratelimits import preview_limit
from app.web import render_page
from app.web_helpers import avatar_colour

bp = Blueprint("main", __name__)


@bp.get("/avatars/<username>.svg")
def avatar(username: str):
    """Draw an avatar from a username's first letter and a colour of its own."""
    if not USERNAME_RE.match(username):
        abort(404)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" role="img" '
        f'aria-label="{escape(username)}">'
        f'<rect width="64" height="64" rx="32" fill="{avatar_colour(username)}"/>'
        '<text x="32" y="41" font-family="system-ui, sans-serif" font-size="28" '
        f'font-weight="600" fill="#fff" text-anchor="middle">{escape(username[0].upper())}</text>'
        "</svg>"
    )
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.post("/preview")
@preview_limit
@login_required
def preview():
    """Render Markdown as a post would show it (the composer's live preview)."""
    try:
        html = preview_markdown(request.form.get("body", ""))
    except DomainError as error:
        return render_page("main/preview.html", html=None, message=error.message), 200
    return render_page("main/preview.html", html=html, message=None)
