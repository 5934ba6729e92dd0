"""The front page."""

from __future__ import annotations

from flask import Blueprint

from app.web import render_page

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    """Show the front page."""
    return render_page("main/index.html")
