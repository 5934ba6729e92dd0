"""API routes for feeds: home, latest, trending, and a tag's posts."""

from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.api.common import api_user, api_viewer, auth_required, page_params
from app.api.serializers import page_json, post_json
from app.cache import get_or_set
from app.feeds import queries

# Anonymous pages are the same for everyone: cache them briefly, dropped on any post write.
SHARED_TTL = 10.0


def shared(key: str, produce):
    """Serve a page from the shared cache for anonymous callers, fresh for signed-in ones."""
    if api_viewer() is not None:
        return produce()
    return get_or_set("posts", key, SHARED_TTL, produce)


@bp.get("/feed/home")
@auth_required
def home_feed():
    """Return the posts of the people you follow, and your own, newest first."""
    limit, cursor = page_params()
    page = queries.home(user=api_user(), limit=limit, cursor=cursor)
    return jsonify(page_json(page, post_json))


@bp.get("/feed/latest")
def latest_feed():
    """Return every post, newest first."""
    limit, cursor = page_params()
    return jsonify(
        shared(
            f"latest:{limit}:{cursor}",
            lambda: page_json(
                queries.latest(limit=limit, cursor=cursor, viewer=api_viewer()), post_json
            ),
        )
    )


@bp.get("/feed/trending")
def trending_feed():
    """Return recent posts ranked by engagement decayed by age, highest first."""
    limit, cursor = page_params()
    return jsonify(
        shared(
            f"trending:{limit}:{cursor}",
            lambda: page_json(
                queries.trending(limit=limit, cursor=cursor, viewer=api_viewer()), post_json
            ),
        )
    )


@bp.get("/tags/<tag>/posts")
def tag_posts(tag: str):
    """Return the posts with a tag, newest first."""
    limit, cursor = page_params()
    found = queries.tag_or_404(tag)
    return jsonify(
        shared(
            f"tag:{found.id}:{limit}:{cursor}",
            lambda: page_json(
                queries.by_tag(found, limit=limit, cursor=cursor, viewer=api_viewer()), post_json
            ),
        )
    )
