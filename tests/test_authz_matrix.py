"""The authorization matrix: every route of the URL map, as each of seven kinds of visitor.

Each route (method and rule) has an entry saying what it is sent and what each visitor must get. A
route without an entry fails ``test_every_route_has_an_entry``, so a new route is in the matrix the
day it is added. Every answer is also searched for the secrets of other people (emails, message
bodies, report notes, tokens, password hashes).

A write changes the world, so each visitor calls a write route on a world of its own; reads share
one world per route.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyotp
import pytest
from flask import Flask
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from tests.authz import ACTORS, USERNAMES, World, build_world, path_values
from tests.conftest import PASSWORD

HTMX = {"HX-Request": "true"}


def unsubscribe_values(world: World) -> dict[str, str]:
    """Sign an unsubscribe link for the owner's digest with the tests' SECRET_KEY."""
    # The owner's id, not 1: PostgreSQL's sequences go on across the tests' worlds.
    with world.app.app_context():
        owner = db.session.scalar(select(User.id).where(User.username == USERNAMES["owner"]))
    token = URLSafeSerializer(
        "test-secret-key-that-is-long-enough-for-hs256", salt="devthread.unsubscribe"
    ).dumps([owner, "digest"])
    return {"token": token}


READ = ("GET",)
STAFF = ("moderator", "admin")


@dataclass(frozen=True)
class Entry:
    """What a route is sent and what each visitor gets back."""

    expect: dict[str, int | tuple[int, ...]]
    # A body, or a function of the world and the visitor that makes one.
    body: dict[str, Any] | Callable[[World, str], dict[str, Any]] | None = None
    query: str | Callable[[World], str] = ""
    headers: dict[str, str] = field(default_factory=dict)
    # Path values other than the world's defaults (tests/authz.py path_values), or a function
    # of the world that returns them (alice's draft's id is known once the world is built).
    values: dict[str, Any] | Callable[[World], dict[str, Any]] = field(default_factory=dict)
    # Secrets this route may show whoever calls it (signing in as erin shows erin's address).
    reveals: tuple[str, ...] = ()
    # Settings the route needs to be there at all (Sign in with GitHub needs a client id).
    config: dict[str, Any] = field(default_factory=dict)


def everyone(status: int, **overrides: int | tuple[int, ...]) -> dict[str, Any]:
    """Expect one status from every visitor, except those named."""
    return {actor: overrides.get(actor, status) for actor in ACTORS}


def api_signed_in(status: int, **overrides: int | tuple[int, ...]) -> dict[str, Any]:
    """An API route that needs a token: anonymous 401, suspended 403 (their token still reads)."""
    return everyone(status, **{"anonymous": 401, "suspended": 403, **overrides})


def api_public(status: int, **overrides: int | tuple[int, ...]) -> dict[str, Any]:
    """A public API route: a suspended person's token is refused even here."""
    return everyone(status, **{"suspended": 403, **overrides})


def page_signed_in(status: int, **overrides: int | tuple[int, ...]) -> dict[str, Any]:
    """A page that needs a session: anonymous and suspended visitors are sent to sign in."""
    return everyone(status, **{"anonymous": 302, "suspended": 302, **overrides})


def staff_page(status: int, **overrides: int | tuple[int, ...]) -> dict[str, Any]:
    """An admin page: 404 for everyone but moderators and admins."""
    return everyone(404, **{"moderator": status, "admin": status, **overrides})


def _post(world: World) -> int:
    return world.ids["post"]


def draft(world: World) -> dict[str, Any]:
    """Name alice's draft as the route's post: to anyone but alice it does not exist."""
    return {"post_id": world.ids["draft"]}


WS = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
}
NEW_ACCOUNT = {"username": "newbie", "email": "newbie@example.com", "password": PASSWORD}
SIGN_IN_AS_ERIN = {"login": "erin", "password": PASSWORD}
REPORT_POST = lambda world, actor: {  # noqa: E731
    "target_type": "post",
    "target_id": _post(world),
    "reason": "spam",
}


def picture(world: World, actor: str) -> dict[str, Any]:
    """A small PNG as a multipart upload (a fresh stream for every call)."""
    import io

    from tests.media_files import png

    return {"file": (io.BytesIO(png()), "picture.png"), "alt": "A picture"}


def avatar(world: World, actor: str) -> dict[str, Any]:
    """The picture without its alt text: an avatar's upload declares the file alone."""
    return {"file": picture(world, actor)["file"]}


def own_refresh_token(world: World, actor: str) -> dict[str, Any]:
    """Send the visitor's own refresh token (anonymous visitors have none: a made-up one)."""
    return {"refresh_token": world.visitors[actor].api.refresh_token or "not-a-refresh-token"}


# --- Second factors: bodies made at call time (a code of now, a fresh WebAuthn challenge). ---


def _user(world: World, actor: str):
    from app.accounts.queries import find_by_username

    return find_by_username(USERNAMES.get(actor, "alice"))


def owner_code(world: World, actor: str) -> dict[str, Any]:
    """A code of alice's authenticator app, as anyone holding it would send it."""
    return {"code": pyotp.TOTP(world.totp_secret).now()}


def owner_password_and_code(world: World, actor: str) -> dict[str, Any]:
    return {"password": PASSWORD, **owner_code(world, actor)}


def own_setup_code(world: World, actor: str) -> dict[str, Any]:
    """Start the visitor's own app set-up and send its first code (alice's is already on)."""
    from app.accounts import mfa

    if actor in ("anonymous", "owner", "suspended"):
        return owner_code(world, actor)
    with world.app.test_request_context():
        secret = mfa.start_totp_setup(user=_user(world, actor))
    return {"code": pyotp.TOTP(secret).now()}


def alice_mfa_token_and_code(world: World, actor: str) -> dict[str, Any]:
    """Hold the mfa_token of alice's right password, and her code: whoever sends them."""
    from app.accounts import mfa

    with world.app.test_request_context():
        token = mfa.start_pending_sign_in(user=_user(world, "owner"))
    return {"mfa_token": token, **owner_code(world, actor)}


def own_new_passkey(world: World, actor: str) -> dict[str, Any]:
    """A new key's answer to the visitor's own registration options."""
    from app.accounts import passkeys
    from tests.webauthn_soft import SoftAuthenticator

    if actor in ("anonymous", "suspended"):
        options = {"challenge": "AAAA", "user": {"id": "AAAA"}}
    else:
        with world.app.test_request_context():
            options = passkeys.registration_options(user=_user(world, actor))
    return {"name": "New key", "credential": SoftAuthenticator().register(options)}


def alice_passkey_answer(world: World, actor: str) -> dict[str, Any]:
    """Alice's passkey signing a fresh sign-in challenge."""
    from app.accounts import passkeys

    with world.app.test_request_context():
        options = passkeys.authentication_options()
    return {"credential": world.authenticator.sign(options)}


def prefixed(prefix: str, body: Callable[[World, str], dict[str, Any]]) -> Callable:
    """Name a body's fields as a prefixed page form does (``recovery-code``)."""
    return lambda world, actor: {f"{prefix}-{k}": v for k, v in body(world, actor).items()}


def as_form(body: Callable[[World, str], dict[str, Any]]) -> Callable[[World, str], dict]:
    """Send a JSON body's credential as the pages' forms do: JSON text in a field."""
    import json

    def form(world: World, actor: str) -> dict[str, Any]:
        values = body(world, actor)
        return {**values, "credential": json.dumps(values["credential"])}

    return form


# GitHub set up, its addresses left as GitHub's: no route of the matrix reaches the network
# (the way out is a redirect, and a callback without its state is refused before any call).
GITHUB = {"GITHUB_CLIENT_ID": "matrix-client", "GITHUB_CLIENT_SECRET": "matrix-secret"}

# Pages answer a signed-in visitor's sign-in and sign-up forms by sending them home.
SIGNED_OUT_ONLY = everyone(302, anonymous=200, suspended=200)

MATRIX: dict[tuple[str, str], Entry] = {
    # --- Feeds, posts and people: public pages; a blocked visitor sees nothing of alice. ---
    ("GET", "/"): Entry(everyone(200)),
    ("GET", "/latest"): Entry(everyone(200)),
    ("GET", "/trending"): Entry(everyone(200)),
    ("GET", "/tags/<tag>"): Entry(everyone(200)),
    ("GET", "/search"): Entry(everyone(200), query="q=hello"),
    ("GET", "/p/<id:post_id>"): Entry(everyone(200, blocked=404)),
    ("GET", "/u/<username>"): Entry(everyone(200, blocked=404)),
    ("GET", "/u/<username>/followers"): Entry(everyone(200, blocked=404)),
    ("GET", "/u/<username>/following"): Entry(everyone(200, blocked=404)),
    ("GET", "/avatars/<username>.svg"): Entry(everyone(200)),
    # Atom feeds are the pages as anyone signed out sees them, whoever asks (one answer for
    # every reader, so shared caches can keep it): a block hides alice's profile page from
    # dave's account, not her public feed, as signing out would not either.
    ("GET", "/latest/feed.atom"): Entry(everyone(200)),
    ("GET", "/tags/<tag>/feed.atom"): Entry(everyone(200)),
    ("GET", "/u/<username>/feed.atom"): Entry(everyone(200)),
    ("POST", "/posts"): Entry(page_signed_in(303), {"body": "A new post"}),
    ("POST", "/p/<id:post_id>/edit"): Entry(
        page_signed_in(403, owner=303, blocked=404), {"edit-body": "Edited", "edit-tags": ""}
    ),
    ("POST", "/p/<id:post_id>/delete"): Entry(
        page_signed_in(303, other=403, blocked=404), {"reason": "Off topic"}
    ),
    ("POST", "/p/<id:post_id>/reactions/<kind>"): Entry(
        page_signed_in(303, blocked=404), {"on": "1"}
    ),
    ("POST", "/p/<id:post_id>/bookmark"): Entry(page_signed_in(303, blocked=404), {"on": "1"}),
    ("POST", "/p/<id:post_id>/comments"): Entry(page_signed_in(303, blocked=404), {"body": "Nice"}),
    ("POST", "/c/<id:comment_id>/edit"): Entry(
        page_signed_in(403, owner=303, blocked=404), {"body": "Edited"}
    ),
    ("POST", "/c/<id:comment_id>/delete"): Entry(
        page_signed_in(303, other=403, blocked=404), {"reason": "Off topic"}
    ),
    ("GET", "/bookmarks"): Entry(page_signed_in(200)),
    ("GET", "/p/<id:post_id>/revisions"): Entry(everyone(200, blocked=404)),
    ("POST", "/p/<id:post_id>/pin"): Entry(
        page_signed_in(403, owner=303, blocked=404), {"on": "1"}
    ),
    ("GET", "/drafts"): Entry(page_signed_in(200)),
    ("POST", "/drafts"): Entry(page_signed_in(303), {"body": "A new draft"}),
    ("GET", "/drafts/<id:post_id>"): Entry(page_signed_in(404, owner=200), values=draft),
    ("POST", "/drafts/<id:post_id>"): Entry(
        page_signed_in(404, owner=303), {"body": "Better words"}, values=draft
    ),
    ("POST", "/drafts/<id:post_id>/publish"): Entry(page_signed_in(404, owner=303), values=draft),
    ("POST", "/preview"): Entry(page_signed_in(200), {"body": "**bold**"}),
    ("POST", "/u/<username>/follow"): Entry(
        page_signed_in(303, owner=422, blocked=403), {"on": "1"}
    ),
    ("POST", "/u/<username>/block"): Entry(page_signed_in(303, owner=422), {"on": "1"}),
    ("POST", "/u/<username>/mute"): Entry(page_signed_in(303, owner=422), {"on": "1"}),
    ("GET", "/report"): Entry(
        # Only a form: it shows nothing of what it names, so a blocked visitor may open it.
        page_signed_in(200),
        query=lambda world: f"target_type=post&target_id={_post(world)}",
    ),
    ("POST", "/reports"): Entry(page_signed_in(303, owner=422, blocked=404), REPORT_POST),
    # --- Messages and notifications: only the people in a conversation see it. ---
    ("GET", "/messages"): Entry(page_signed_in(200)),
    # The page shows a refusal in the form it re-renders (422); the API says 403 (below).
    ("POST", "/messages"): Entry(
        page_signed_in(303, owner=422, blocked=422), {"username": "alice"}
    ),
    ("GET", "/messages/<id:conversation_id>"): Entry(page_signed_in(404, owner=200)),
    ("POST", "/messages/<id:conversation_id>"): Entry(
        page_signed_in(404, owner=303), {"body": "Hi"}
    ),
    ("POST", "/messages/<id:conversation_id>/read"): Entry(page_signed_in(404, owner=204)),
    ("GET", "/notifications"): Entry(page_signed_in(200)),
    ("POST", "/notifications/read"): Entry(page_signed_in(303)),
    ("POST", "/settings/notifications"): Entry(
        page_signed_in(303), {"follow-web": "on", "comment-email": "on", "digest": "daily"}
    ),
    ("POST", "/tags/<tag>/follow"): Entry(page_signed_in(303), {"on": "1"}),
    # One-click unsubscribe: whoever holds the mail holds the link, signed in or not; the
    # confirm page changes nothing, the POST (RFC 8058, no session, no CSRF token) does.
    ("GET", "/unsubscribe/<token>"): Entry(everyone(200), values=unsubscribe_values),
    ("POST", "/unsubscribe/<token>"): Entry(everyone(200), values=unsubscribe_values),
    # --- Accounts and settings. ---
    ("GET", "/login"): Entry(SIGNED_OUT_ONLY),
    ("POST", "/login"): Entry(everyone(302, anonymous=303, suspended=303), SIGN_IN_AS_ERIN),
    ("GET", "/register"): Entry(SIGNED_OUT_ONLY),
    ("POST", "/register"): Entry(everyone(302, anonymous=303, suspended=303), NEW_ACCOUNT),
    ("POST", "/logout"): Entry(everyone(303)),
    ("GET", "/settings"): Entry(page_signed_in(200)),
    ("GET", "/settings/blocked"): Entry(page_signed_in(200)),
    ("GET", "/settings/muted"): Entry(page_signed_in(200)),
    ("POST", "/settings/profile"): Entry(
        page_signed_in(303), {"display_name": "New name", "dm_policy": "everyone"}
    ),
    ("POST", "/settings/password"): Entry(
        page_signed_in(303), {"current_password": PASSWORD, "new_password": "a new long password"}
    ),
    ("POST", "/settings/sessions"): Entry(page_signed_in(303)),
    ("POST", "/settings/language"): Entry(
        page_signed_in(303), {"locale": "de", "time_zone": "Europe/Berlin"}
    ),
    # The footer's language form: an account's choice, else a cookie for whoever sends it.
    ("POST", "/language"): Entry(everyone(303), {"locale": "de"}),
    ("POST", "/settings/avatar"): Entry(page_signed_in(303), picture),
    ("POST", "/settings/avatar/delete"): Entry(page_signed_in(303)),
    # --- Pictures: files are public; the composer's upload answers JSON (401 when signed out).
    ("GET", "/media/<name>"): Entry(everyone(200)),
    ("POST", "/media"): Entry(everyone(201, anonymous=401, suspended=401), picture),
    # --- Links by mail. Alice has a live reset link and a live verification link: whoever
    # holds the mail holds the link, signed in or not; a verification link refuses another
    # signed-in account (400). Every address asked about gets the same answer. ---
    ("GET", "/password/forgot"): Entry(everyone(200)),
    ("POST", "/password/forgot"): Entry(everyone(200), {"email": "alice@example.com"}),
    ("GET", "/password/reset/<token>"): Entry(everyone(200)),
    ("POST", "/password/reset/<token>"): Entry(everyone(303), {"password": "a new long password"}),
    ("GET", "/email/verify/<token>"): Entry(everyone(200)),
    ("POST", "/email/verify/<token>"): Entry(
        everyone(400, anonymous=303, owner=303, suspended=303)
    ),
    ("POST", "/settings/email"): Entry(page_signed_in(303), {"email": "new.address@example.com"}),
    # Everyone here is verified: the answer says so (a flash) and goes back to the settings.
    ("POST", "/settings/email/verification"): Entry(page_signed_in(303)),
    # The sign-in named is alice's own browser: anyone else finds no such sign-in.
    ("POST", "/settings/sessions/<id:session_id>/sign-out"): Entry(page_signed_in(404, owner=303)),
    # --- Two factors and passkeys (alice has both). A pending second step lives in the
    # browser's session, so without one the code page sends everyone back to the password. ---
    ("GET", "/login/2fa"): Entry(everyone(302, anonymous=303, suspended=303)),
    ("POST", "/login/2fa"): Entry(everyone(302, anonymous=303, suspended=303), owner_code),
    ("POST", "/login/passkey/options"): Entry(everyone(200)),
    # Whoever holds alice's passkey signs in as her; signed-in visitors are sent home.
    ("POST", "/login/passkey"): Entry(
        everyone(302, anonymous=303, suspended=303), as_form(alice_passkey_answer)
    ),
    ("POST", "/settings/2fa/totp"): Entry(page_signed_in(200, owner=409)),
    ("POST", "/settings/2fa/totp/confirm"): Entry(page_signed_in(200, owner=422), own_setup_code),
    ("POST", "/settings/2fa/totp/disable"): Entry(
        page_signed_in(409, owner=303), prefixed("disable", owner_password_and_code)
    ),
    ("POST", "/settings/2fa/recovery-codes"): Entry(
        page_signed_in(409, owner=200), prefixed("recovery", owner_code)
    ),
    ("POST", "/settings/passkeys/options"): Entry(page_signed_in(200)),
    ("POST", "/settings/passkeys"): Entry(page_signed_in(303), as_form(own_new_passkey)),
    ("POST", "/settings/passkeys/<id:passkey_id>/delete"): Entry(page_signed_in(404, owner=303)),
    # --- Sign in with GitHub. Signed-in visitors are sent home; everyone else to GitHub. ---
    ("GET", "/auth/github/login"): Entry(everyone(302), config=GITHUB),
    # No state of this browser's: refused before GitHub is asked anything.
    ("GET", "/auth/github/callback"): Entry(everyone(400), query="code=c&state=s", config=GITHUB),
    # No GitHub sign-in waits for a username: back to the login page (home when signed in).
    ("GET", "/auth/github/confirm"): Entry(everyone(302), config=GITHUB),
    ("POST", "/auth/github/confirm"): Entry(everyone(302), {"username": "newbie"}, config=GITHUB),
    # Signed in: off to GitHub to connect; signed out: to the login page.
    ("POST", "/settings/connections/github"): Entry(everyone(302), config=GITHUB),
    # Only alice has a GitHub account connected (and a password: she may disconnect it).
    ("POST", "/settings/connections/github/disconnect"): Entry(page_signed_in(404, owner=303)),
    # --- Your data: exports (alice has a ready one) and deleting the account. ---
    ("POST", "/settings/data/export"): Entry(page_signed_in(303)),
    ("GET", "/settings/data/exports/<id:export_id>/download"): Entry(
        page_signed_in(404, owner=200)
    ),
    ("POST", "/settings/data/delete"): Entry(
        page_signed_in(303), prefixed("delete", owner_password_and_code)
    ),
    # Only after a sign-in found the account waiting for deletion; otherwise back to sign in.
    ("GET", "/login/cancel-deletion"): Entry(everyone(302)),
    ("POST", "/login/cancel-deletion"): Entry(everyone(302)),
    # --- Operations, the SPA's shell, static files, the socket. ---
    ("GET", "/healthz"): Entry(everyone(200)),
    ("GET", "/readyz"): Entry(everyone(200)),
    ("GET", "/metrics"): Entry(everyone(200)),  # the test client calls from loopback
    ("GET", "/static/<path:filename>"): Entry(everyone(200)),
    # The installable app: the same for every visitor (the offline page shows nobody's data).
    ("GET", "/manifest.webmanifest"): Entry(everyone(200)),
    ("GET", "/sw.js"): Entry(everyone(200)),
    ("GET", "/offline"): Entry(everyone(200)),
    ("GET", "/app"): Entry(everyone(200)),
    ("GET", "/app/"): Entry(everyone(200)),
    ("GET", "/app/<path:path>"): Entry(everyone(200)),
    ("GET", "/api/docs"): Entry(everyone(200)),
    # The image proxy serves only addresses the app signed: a forged one is 404 for everyone
    # (tests/test_image_proxy.py fetches signed ones from a local server).
    ("GET", "/img/<signature>/<source>"): Entry(everyone(404)),
    # The handshake is checked before it is accepted: no credential is 401; with one, the bad
    # format is refused (400), which shows the credential passed without opening a socket here.
    ("GET", "/ws"): Entry(
        everyone(400, anonymous=401, suspended=401), query="format=bogus", headers=WS
    ),
    # --- Admin pages: 404 for everyone but staff, whatever the method. ---
    ("GET", "/admin"): Entry(staff_page(200)),
    ("GET", "/admin/users"): Entry(staff_page(200)),
    ("GET", "/admin/users/<username>"): Entry(staff_page(200)),
    ("GET", "/admin/reports"): Entry(staff_page(200)),
    ("GET", "/admin/audit"): Entry(staff_page(200)),
    ("GET", "/admin/media"): Entry(staff_page(200)),
    ("POST", "/admin/media/<id:media_id>/remove"): Entry(
        staff_page(303), lambda world, actor: {f"media-{world.ids['media']}-reason": "Spam"}
    ),
    ("POST", "/admin/users/<username>/suspend"): Entry(staff_page(303), {"suspend-reason": "Spam"}),
    ("POST", "/admin/users/<username>/unsuspend"): Entry(
        staff_page(303), {"suspend-reason": "Appeal upheld"}, values={"username": "carol"}
    ),
    ("POST", "/admin/users/<username>/role"): Entry(
        staff_page(303, moderator=403), {"role-role": "moderator", "role-reason": "Helps out"}
    ),
    ("POST", "/admin/users/<username>/password-reset"): Entry(
        staff_page(303), {"reset-reason": "Asked by mail"}
    ),
    ("POST", "/admin/users/<username>/remove-content"): Entry(
        staff_page(303), {"content-reason": "Spam"}
    ),
    ("POST", "/admin/reports/<target_type>/<id:target_id>/resolve"): Entry(
        staff_page(303), {"action": "dismiss", "reason": "Fine"}
    ),
    **{
        (method, rule): Entry(everyone(404))
        for rule in ("/admin", "/admin/<path:rest>")
        for method in ("POST", "PUT", "PATCH", "DELETE")
    },
    ("GET", "/admin/<path:rest>"): Entry(everyone(404)),
    # --- The JSON API. A suspended person's token is refused everywhere (403). ---
    ("POST", "/api/v1/auth/register"): Entry(api_public(201), NEW_ACCOUNT),
    ("POST", "/api/v1/auth/login"): Entry(
        api_public(200), SIGN_IN_AS_ERIN, reveals=("erin@example.com",)
    ),
    ("POST", "/api/v1/auth/refresh"): Entry(api_public(200, anonymous=401), own_refresh_token),
    ("POST", "/api/v1/auth/logout"): Entry(api_public(204, anonymous=401), own_refresh_token),
    ("POST", "/api/v1/auth/logout_all"): Entry(api_signed_in(204)),
    ("GET", "/api/v1/me"): Entry(api_signed_in(200)),
    ("PATCH", "/api/v1/me"): Entry(api_signed_in(200), {"bio": "Hello"}),
    ("GET", "/api/v1/me/sessions"): Entry(api_signed_in(200)),
    ("POST", "/api/v1/media"): Entry(api_signed_in(201), picture),
    ("PUT", "/api/v1/me/avatar"): Entry(api_signed_in(200), avatar),
    ("DELETE", "/api/v1/me/avatar"): Entry(api_signed_in(204)),
    ("POST", "/api/v1/me/password"): Entry(
        api_signed_in(204), {"current_password": PASSWORD, "new_password": "a new long password"}
    ),
    # Everyone here is verified already.
    ("POST", "/api/v1/me/email/verification"): Entry(api_signed_in(409)),
    ("POST", "/api/v1/auth/password/forgot"): Entry(
        api_public(202), {"email": "alice@example.com"}
    ),
    ("POST", "/api/v1/auth/password/reset"): Entry(
        api_public(204),
        lambda world, actor: {
            "token": world.links["password_reset"],
            "password": "a new long password",
        },
    ),
    # A token caller must be the link's own account; without one the link alone proves it.
    ("POST", "/api/v1/auth/email/verify"): Entry(
        everyone(400, anonymous=204, owner=204, suspended=403),
        lambda world, actor: {"token": world.links["email_verify"]},
    ),
    ("DELETE", "/api/v1/me/sessions/<id:session_id>"): Entry(api_signed_in(404, owner=204)),
    # Two factors: alice's are on; a code step is for anyone holding an mfa_token and its code.
    ("POST", "/api/v1/me/2fa/totp"): Entry(api_signed_in(200, owner=409)),
    ("POST", "/api/v1/me/2fa/totp/confirm"): Entry(api_signed_in(200, owner=409), own_setup_code),
    ("DELETE", "/api/v1/me/2fa/totp"): Entry(
        api_signed_in(409, owner=204), owner_password_and_code
    ),
    ("POST", "/api/v1/me/2fa/recovery_codes"): Entry(api_signed_in(409, owner=200), owner_code),
    ("POST", "/api/v1/auth/login/2fa"): Entry(
        api_public(200), alice_mfa_token_and_code, reveals=("alice@example.com",)
    ),
    # Alice asked for one today: her next one waits (429).
    ("POST", "/api/v1/me/export"): Entry(api_signed_in(202, owner=429)),
    ("GET", "/api/v1/me/exports/<id:export_id>"): Entry(api_signed_in(404, owner=200)),
    ("GET", "/api/v1/me/exports/<id:export_id>/download"): Entry(api_signed_in(404, owner=200)),
    # Everyone confirms with their own password (and alice's code: only alice has 2FA on).
    ("DELETE", "/api/v1/me"): Entry(api_signed_in(202), owner_password_and_code),
    # Erin's right credentials, but erin is not being deleted: 409 whoever sends them.
    ("POST", "/api/v1/auth/deletion/cancel"): Entry(api_public(409), SIGN_IN_AS_ERIN),
    ("GET", "/api/v1/me/passkeys"): Entry(api_signed_in(200)),
    ("POST", "/api/v1/me/passkeys/options"): Entry(api_signed_in(200)),
    ("POST", "/api/v1/me/passkeys"): Entry(api_signed_in(201), own_new_passkey),
    ("PATCH", "/api/v1/me/passkeys/<id:passkey_id>"): Entry(
        api_signed_in(404, owner=200), {"name": "Renamed"}
    ),
    ("DELETE", "/api/v1/me/passkeys/<id:passkey_id>"): Entry(api_signed_in(404, owner=204)),
    ("POST", "/api/v1/auth/passkey/options"): Entry(api_public(200)),
    ("POST", "/api/v1/auth/passkey"): Entry(
        api_public(200), alice_passkey_answer, reveals=("alice@example.com",)
    ),
    ("GET", "/api/v1/me/connections"): Entry(api_signed_in(200)),
    ("DELETE", "/api/v1/me/connections/<provider>"): Entry(api_signed_in(404, owner=204)),
    ("GET", "/api/v1/me/blocks"): Entry(api_signed_in(200)),
    ("GET", "/api/v1/me/mutes"): Entry(api_signed_in(200)),
    ("GET", "/api/v1/openapi.json"): Entry(api_public(200)),
    ("GET", "/api/v1/feed/home"): Entry(api_signed_in(200)),
    ("GET", "/api/v1/feed/latest"): Entry(api_public(200)),
    ("GET", "/api/v1/feed/trending"): Entry(api_public(200)),
    ("GET", "/api/v1/tags/<tag>/posts"): Entry(api_public(200)),
    ("GET", "/api/v1/search"): Entry(api_public(200), query="q=hello"),
    ("POST", "/api/v1/markdown/preview"): Entry(api_signed_in(200), {"body": "**bold**"}),
    ("POST", "/api/v1/posts"): Entry(api_signed_in(201), {"body": "A new post"}),
    ("GET", "/api/v1/posts/<id:post_id>"): Entry(api_public(200, blocked=404)),
    ("PATCH", "/api/v1/posts/<id:post_id>"): Entry(
        api_signed_in(403, owner=200, blocked=404), {"body": "Edited"}
    ),
    ("DELETE", "/api/v1/posts/<id:post_id>"): Entry(api_signed_in(204, other=403, blocked=404)),
    ("PUT", "/api/v1/posts/<id:post_id>/bookmark"): Entry(api_signed_in(204, blocked=404)),
    ("DELETE", "/api/v1/posts/<id:post_id>/bookmark"): Entry(api_signed_in(204, blocked=404)),
    ("PUT", "/api/v1/posts/<id:post_id>/reactions/<kind>"): Entry(api_signed_in(200, blocked=404)),
    ("DELETE", "/api/v1/posts/<id:post_id>/reactions/<kind>"): Entry(
        api_signed_in(200, blocked=404)
    ),
    ("GET", "/api/v1/posts/<id:post_id>/comments"): Entry(api_public(200, blocked=404)),
    ("POST", "/api/v1/posts/<id:post_id>/comments"): Entry(
        api_signed_in(201, blocked=404), {"body": "Nice"}
    ),
    ("PATCH", "/api/v1/comments/<id:comment_id>"): Entry(
        api_signed_in(403, owner=200, blocked=404), {"body": "Edited"}
    ),
    ("DELETE", "/api/v1/comments/<id:comment_id>"): Entry(
        api_signed_in(204, other=403, blocked=404)
    ),
    ("GET", "/api/v1/bookmarks"): Entry(api_signed_in(200)),
    ("GET", "/api/v1/me/drafts"): Entry(api_signed_in(200)),
    ("POST", "/api/v1/posts/<id:post_id>/publish"): Entry(
        api_signed_in(404, owner=200), values=draft
    ),
    ("GET", "/api/v1/posts/<id:post_id>/revisions"): Entry(api_public(200, blocked=404)),
    ("PUT", "/api/v1/posts/<id:post_id>/pin"): Entry(api_signed_in(403, owner=204, blocked=404)),
    ("DELETE", "/api/v1/posts/<id:post_id>/pin"): Entry(api_signed_in(403, owner=204, blocked=404)),
    ("GET", "/api/v1/users/<username>"): Entry(api_public(200, blocked=404)),
    ("GET", "/api/v1/users/<username>/followers"): Entry(api_public(200, blocked=404)),
    ("GET", "/api/v1/users/<username>/following"): Entry(api_public(200, blocked=404)),
    ("GET", "/api/v1/users/<username>/posts"): Entry(api_public(200, blocked=404)),
    ("PUT", "/api/v1/users/<username>/follow"): Entry(api_signed_in(204, owner=422, blocked=403)),
    ("DELETE", "/api/v1/users/<username>/follow"): Entry(api_signed_in(204)),
    ("PUT", "/api/v1/users/<username>/block"): Entry(api_signed_in(204, owner=422)),
    ("DELETE", "/api/v1/users/<username>/block"): Entry(api_signed_in(204)),
    ("PUT", "/api/v1/users/<username>/mute"): Entry(api_signed_in(204, owner=422)),
    ("DELETE", "/api/v1/users/<username>/mute"): Entry(api_signed_in(204)),
    ("POST", "/api/v1/reports"): Entry(api_signed_in(201, owner=422, blocked=404), REPORT_POST),
    ("GET", "/api/v1/notifications"): Entry(api_signed_in(200)),
    ("GET", "/api/v1/me/notification_settings"): Entry(api_signed_in(200)),
    ("PATCH", "/api/v1/me/notification_settings"): Entry(
        api_signed_in(200), {"types": {"follow": {"email": True}}, "digest": "weekly"}
    ),
    ("GET", "/api/v1/tags/<tag>"): Entry(api_public(200)),
    ("PUT", "/api/v1/tags/<tag>/follow"): Entry(api_signed_in(204)),
    ("DELETE", "/api/v1/tags/<tag>/follow"): Entry(api_signed_in(204)),
    ("GET", "/api/v1/me/tags"): Entry(api_signed_in(200)),
    ("GET", "/api/v1/notifications/unread_count"): Entry(api_signed_in(200)),
    ("POST", "/api/v1/notifications/read"): Entry(api_signed_in(204), {}),
    ("GET", "/api/v1/conversations"): Entry(api_signed_in(200)),
    ("POST", "/api/v1/conversations"): Entry(
        api_signed_in(201, owner=422, blocked=403), {"username": "alice"}
    ),
    ("GET", "/api/v1/conversations/<id:conversation_id>"): Entry(api_signed_in(404, owner=200)),
    ("GET", "/api/v1/conversations/<id:conversation_id>/messages"): Entry(
        api_signed_in(404, owner=200)
    ),
    ("POST", "/api/v1/conversations/<id:conversation_id>/messages"): Entry(
        api_signed_in(404, owner=201), {"body": "Hi"}
    ),
    ("POST", "/api/v1/conversations/<id:conversation_id>/read"): Entry(
        api_signed_in(404, owner=204)
    ),
}


def routes(app: Flask) -> list[tuple[str, str]]:
    """Return every (method, rule) the app serves, HEAD and OPTIONS aside."""
    pairs = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            pairs.append((method, rule.rule))
    return sorted(pairs, key=lambda pair: (pair[1], pair[0]))


def call(world: World, actor: str, method: str, rule_text: str, entry: Entry):
    """Call one route as one visitor, with that visitor's own credentials and CSRF token."""
    rule = next(r for r in world.app.url_map.iter_rules() if r.rule == rule_text)
    path = rule_text
    values = entry.values(world) if callable(entry.values) else entry.values
    for name, value in {**path_values(world, rule), **values}.items():
        path = _fill(path, name, value)
    query = entry.query(world) if callable(entry.query) else entry.query
    if query:
        path += "?" + query
    visitor = world.visitors[actor]
    body = entry.body(world, actor) if callable(entry.body) else entry.body
    if rule_text.startswith("/api/v1/"):
        if body and any(isinstance(value, tuple) for value in body.values()):
            # A file in the body: sent as multipart/form-data.
            return visitor.api.call(
                method, path[len("/api/v1") :], data=body, headers=entry.headers
            )
        return visitor.api.call(method, path[len("/api/v1") :], json=body, headers=entry.headers)
    data = None
    if method != "GET":
        data = {"csrf_token": visitor.csrf, **(body or {})}
    return visitor.browser.open(path, method=method, data=data, headers=entry.headers)


def _fill(path: str, name: str, value: Any) -> str:
    """Put a value where ``<converter:name>`` or ``<name>`` stands in a rule."""
    import re

    return re.sub(r"<(?:[a-z]+:)?" + name + r">", str(value), path)


def leaks(world: World, actor: str, text: str, reveals: tuple[str, ...] = ()) -> list[str]:
    """Return the secrets in a body that this visitor may not see."""
    return [
        secret
        for secret, allowed in world.secrets.items()
        if secret in text and actor not in allowed and secret not in reveals
    ]


def _text(response) -> str:
    """Return a body as text to search (a picture's bytes too, undecodable ones replaced)."""
    return response.get_data().decode("utf-8", "replace")


def duplicate_ids(html: str) -> list[str]:
    """Return the element ids an HTML answer uses more than once."""
    ids = re.findall(r"""<[a-zA-Z][^>]*?\sid=["']([^"']+)["']""", html)
    return sorted({name for name in ids if ids.count(name) > 1})


def test_every_route_has_an_entry(app):
    missing = [pair for pair in routes(app) if pair not in MATRIX]
    stale = [pair for pair in MATRIX if pair not in routes(app)]
    assert not missing, f"routes without an entry in the authorization matrix: {missing}"
    assert not stale, f"entries for routes that no longer exist: {stale}"


@pytest.fixture(scope="module")
def world(app) -> World:
    """Build the world once per module; each call restores it as it was."""
    return build_world(app)


@pytest.mark.parametrize(
    "pair", sorted(MATRIX, key=lambda p: (p[1], p[0])), ids="{0[0]} {0[1]}".format
)
def test_route_as_every_visitor(app, world, pair, monkeypatch):
    # Cached anonymous pages would outlive a restored world; this test is about who gets what.
    monkeypatch.setitem(app.config, "CACHE_ENABLED", False)
    method, rule_text = pair
    entry = MATRIX[pair]
    for key, value in entry.config.items():
        monkeypatch.setitem(app.config, key, value)
    got: dict[str, int] = {}
    found: dict[str, list[str]] = {}
    doubled: dict[str, list[str]] = {}
    for actor in ACTORS:
        world.restore()
        response = call(world, actor, method, rule_text, entry)
        got[actor] = response.status_code
        text = _text(response)
        if leaked := leaks(world, actor, text, entry.reveals):
            found[actor] = leaked
        if response.mimetype == "text/html" and (twice := duplicate_ids(text)):
            doubled[actor] = twice
    wanted = {a: entry.expect[a] for a in ACTORS}
    wrong = {
        a: (got[a], wanted[a])
        for a in ACTORS
        if got[a] not in (wanted[a] if isinstance(wanted[a], tuple) else (wanted[a],))
    }
    assert not wrong, f"{method} {rule_text}: (got, wanted) {wrong}"
    assert not found, f"{method} {rule_text} shows secrets: {found}"
    # A label, an aria reference or an htmx target names one element: an id is used once a page.
    assert not doubled, f"{method} {rule_text}: ids used twice: {doubled}"


if os.environ.get("AUTHZ_DISCOVER"):

    def test_discover(app, world):
        """Print what each visitor gets from every route (to write entries, not to pass)."""
        for method, rule_text in routes(app):
            entry = MATRIX.get((method, rule_text), Entry(expect={}))
            got = {}
            for actor in ACTORS:
                world.restore()
                response = call(world, actor, method, rule_text, entry)
                got[actor] = response.status_code
                if leaked := leaks(world, actor, _text(response), entry.reveals):
                    got[actor] = f"{response.status_code} LEAK {leaked}"
            print(method, rule_text, got)
