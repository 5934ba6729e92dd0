"""The search page: results as you type."""

from __future__ import annotations

from flask import Blueprint, request

from app.pagination import next_page_url, page_params
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
    limit, cursor = page_params(30 if kind == "tags" else 20)
    if kind == "users":
        page = queries.search_users(q, limit=limit, cursor=cursor, viewer=viewer())
        followed = following_ids(viewer(), [u.id for u in page.items])
    elif kind == "tags":
        page = queries.search_tags(q, limit=limit, cursor=cursor)
        followed = set()
    else:
        page = queries.search_posts(q, limit=limit, cursor=cursor, viewer=viewer())
        followed = set()
    next_url = next_page_url("search.search", page, q=q, type=kind)
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
