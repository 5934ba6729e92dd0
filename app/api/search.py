"""API route for search: posts, people or tags."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

from app.api import bp
from app.api.common import api_viewer, page_params
from app.api.serializers import page_json, post_json, tag_json, user_page
from app.errors import ValidationError
from app.ratelimits import search_limit
from app.search import queries
from app.social.queries import following_ids


@bp.get("/search")
@search_limit
def search():
    """Return the posts, people or tags matching ``q``, best match first."""
    limit, cursor = page_params()
    kind = request.args.get("type") or "posts"
    if kind not in queries.SEARCH_TYPES:
        choices = ", ".join(queries.SEARCH_TYPES)
        raise ValidationError(
            _("type must be one of: %(choices)s.", choices=choices),
            {"type": [_("Use one of: %(choices)s.", choices=choices)]},
        )
    # A missing or blank query finds nothing; the queries say so without touching the database.
    text = request.args.get("q", "")
    if kind == "users":
        people = queries.search_users(text, limit=limit, cursor=cursor, viewer=api_viewer())
        return jsonify(user_page(people, following_ids(api_viewer(), [u.id for u in people.items])))
    if kind == "tags":
        return jsonify(page_json(queries.search_tags(text, limit=limit, cursor=cursor), tag_json))
    posts = queries.search_posts(text, limit=limit, cursor=cursor, viewer=api_viewer())
    return jsonify(page_json(posts, post_json))
