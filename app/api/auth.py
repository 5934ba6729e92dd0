"""API routes for accounts: register, login, refresh, logout, me."""

from __future__ import annotations

from flask import jsonify

from app.accounts import queries, services, tokens
from app.accounts.auth import client_info, login_limits, register_limits
from app.api import bp
from app.api.common import api_user, auth_required, fields, json_body, page_params
from app.api.serializers import page_json, private_user, session_json


@bp.post("/auth/register")
@register_limits
def register_account():
    """Create an account and return its first token pair."""
    data = fields(json_body(), required=("username", "email", "password"))
    user = services.register_user(**data)
    return jsonify(user=private_user(user), **tokens.sign_in(user, **client_info())), 201


@bp.post("/auth/login")
@login_limits
def login():
    """Exchange a username or email and a password for a token pair."""
    data = fields(json_body(), required=("login", "password"))
    user = services.authenticate(login=data["login"], password=data["password"])
    return jsonify(user=private_user(user), **tokens.sign_in(user, **client_info()))


@bp.post("/auth/refresh")
def refresh_tokens():
    """Spend a refresh token for a new pair (rotation with reuse detection)."""
    data = fields(json_body(), required=("refresh_token",))
    user, pair = tokens.rotate_refresh_token(data["refresh_token"], **client_info())
    return jsonify(user=private_user(user), **pair)


@bp.post("/auth/logout")
def logout():
    """End the sign-in of the refresh token given: its tokens and sockets stop at once."""
    data = fields(json_body(), required=("refresh_token",))
    tokens.revoke_refresh_token(data["refresh_token"])
    return "", 204


@bp.get("/me")
@auth_required
def get_me():
    """Return the signed-in user's private profile."""
    return jsonify(private_user(api_user()))


@bp.patch("/me")
@auth_required
def update_me():
    """Change the signed-in user's profile fields."""
    data = fields(json_body(), optional=("display_name", "bio", "location", "website", "dm_policy"))
    return jsonify(private_user(services.update_profile(user=api_user(), **data)))


@bp.post("/auth/logout_all")
@auth_required
def logout_everywhere():
    """End every session of the signed-in user: tokens, browser sessions and open sockets."""
    services.log_out_everywhere(user=api_user())
    return "", 204


@bp.get("/me/sessions")
@auth_required
def list_sessions():
    """List where you are signed in (browsers and API sign-ins), newest first."""
    user = api_user()
    limit, cursor = page_params()
    page = queries.user_sessions(user, limit=limit, cursor=cursor)
    return jsonify(page_json(page, lambda record: session_json(record, user.current_session_id)))


@bp.delete("/me/sessions/<id:session_id>")
@auth_required
def delete_session(session_id: int):
    """End one of your sign-ins at once (another person's is 404)."""
    services.end_session(user=api_user(), session_id=session_id)
    return "", 204
