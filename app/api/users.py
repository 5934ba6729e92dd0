"""API routes for people: profiles, follows, followers, following, their posts."""

from __future__ import annotations

from flask import jsonify

from app.api import bp
from app.api.common import api_user, api_viewer, auth_required, page_params
from app.api.serializers import page_json, post_json, user_page, user_profile
from app.feeds import queries as feeds
from app.safety.visibility import is_online_for
from app.social import queries, services


@bp.get("/users/<username>")
def get_user(username: str):
    """Return someone's public profile, with how you and they stand."""
    user = services.user_or_404(username, viewer=api_viewer())
    relation = queries.relation(api_viewer(), user)
    return jsonify(user_profile(user, relation, online=is_online_for(api_viewer(), user.id)))


@bp.put("/users/<username>/follow")
@auth_required
def follow_user(username: str):
    """Follow someone (idempotent)."""
    services.follow(follower=api_user(), username=username)
    return "", 204


@bp.delete("/users/<username>/follow")
@auth_required
def unfollow_user(username: str):
    """Stop following someone (idempotent)."""
    services.unfollow(follower=api_user(), username=username)
    return "", 204


@bp.get("/users/<username>/followers")
def list_followers(username: str):
    """Return the people who follow someone, most recent first."""
    limit, cursor = page_params()
    page = queries.followers(
        services.user_or_404(username, viewer=api_viewer()),
        limit=limit,
        cursor=cursor,
        viewer=api_viewer(),
    )
    following = queries.following_ids(api_viewer(), [user.id for user in page.items])
    return jsonify(user_page(page, following))


@bp.get("/users/<username>/following")
def list_following(username: str):
    """Return the people someone follows, most recent first."""
    limit, cursor = page_params()
    page = queries.following(
        services.user_or_404(username, viewer=api_viewer()),
        limit=limit,
        cursor=cursor,
        viewer=api_viewer(),
    )
    following = queries.following_ids(api_viewer(), [user.id for user in page.items])
    return jsonify(user_page(page, following))


@bp.get("/users/<username>/posts")
def list_user_posts(username: str):
    """Return someone's posts, newest first."""
    limit, cursor = page_params()
    author = services.user_or_404(username, viewer=api_viewer())
    page = feeds.by_author(author, limit=limit, cursor=cursor, viewer=api_viewer())
    return jsonify(page_json(page, post_json))
