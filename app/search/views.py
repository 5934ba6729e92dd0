"""The search page: results as you type."""

from __future__ import annotations

from flask import Blueprint, request, url_for

from app.ratelimits import search_limit
from app.search import queries
from app.social.queries import following_ids
from app.web import render_page
from app.web_helpers import viewer

bp = Blueprint("search", __name__)


@bp.get("/search")
@search_limit
def search():
    """Search posts, people or tags."""
    q = request.args.get("q", "")
    kind = request.args.get("type", "posts")
    if kind not in queries.SEARCH_TYPES:
        kind = "posts"
    cursor = request.args.get("cursor")
    if kind == "users":
        page = queries.search_users(q, limit=20, cursor=cursor, viewer=viewer())
        followed = following_ids(viewer(), [u.id for u in page.items])
    elif kind == "tags":
        page = queries.search_tags(q, limit=30, cursor=cursor)
        followed = set()
    else:
        page = queries.search_posts(q, limit=20, cursor=cursor, viewer=viewer())
        followed = set()
    next_url = (
        url_for("search.search", q=q, type=kind, cursor=page.next_cursor)
        if page.next_cursor
        else None
    )
    block = "items" if cursor else "results"
    return render_page(
        "search/search.html",
        block=block,
        q=q,
        kind=kind,
        page=page,
        followed=followed,
        next_url=next_url,
    )
