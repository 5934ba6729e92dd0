"""A small world of seven kinds of visitor, for the authorization matrix and the bad-input walk.

Every visitor signs in through the real pages and the real API, so the tests follow whatever the
sign-in flow does (session records, token claims) instead of minting credentials behind its back.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

import pyotp
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.routing import Rule

from app.extensions import db
from tests.conftest import PASSWORD, Api, make_user

# The visitors, from no credentials to the most power. "owner" owns every object a route names.
ACTORS = ("anonymous", "owner", "other", "suspended", "blocked", "moderator", "admin")
USERNAMES = {
    "owner": "alice",
    "other": "bob",
    "suspended": "carol",
    "blocked": "dave",
    "moderator": "mona",
    "admin": "adam",
}
ROLES = {"moderator": "moderator", "admin": "admin"}
# Not visitors: alice's conversation partner (she also reports a comment), and someone alice mutes.
EXTRAS = ("erin", "frank")


@dataclass
class Visitor:
    """One kind of visitor: a browser (cookies, CSRF token) and an API client (tokens)."""

    name: str
    browser: FlaskClient
    api: Api
    csrf: str = ""


@dataclass
class World:
    """The people, their things, and the secrets each may see."""

    app: Flask
    ids: dict[str, int]
    visitors: dict[str, Visitor]
    # A secret string and the visitors allowed to find it in a response body.
    secrets: dict[str, set[str]] = field(default_factory=dict)
    # Every row of every table, and every visitor's cookies, as they were when the world was new.
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    cookies: dict[str, list[tuple[str, str, str, str]]] = field(default_factory=dict)
    # The owner's second factors: the authenticator app's secret and a passkey (software).
    totp_secret: str = ""
    authenticator: Any = None
    # Alice's uploaded picture (files named by content: they outlive a restore untouched).
    media_name: str = ""
    # Live links mailed to the owner, by purpose: what /password/reset/<token> and
    # /email/verify/<token> are called with (whoever holds the mail holds the link).
    links: dict[str, str] = field(default_factory=dict)

    def save(self) -> None:
        """Remember the rows and the cookies, so ``restore`` can bring this moment back."""
        with self.app.app_context():
            for table in db.metadata.sorted_tables:
                # In key order: PostgreSQL returns rows in storage order, which after deletes
                # can put a reply before the comment it answers (its foreign key refuses that).
                result = db.session.execute(table.select().order_by(*table.primary_key.columns))
                self.rows[table.name] = [dict(row) for row in result.mappings()]
            db.session.remove()
        for name, visitor in self.visitors.items():
            self.cookies[name] = [
                (cookie.key, cookie.value, cookie.domain, cookie.path)
                for cookie in visitor.browser._cookies.values()
            ]

    def restore(self) -> None:
        """Put back every row and cookie as saved: the world is new again (a write undone)."""
        from app.extensions import limiter

        with self.app.app_context():
            db.session.remove()
            tables = db.metadata.sorted_tables
            for table in reversed(tables):
                db.session.execute(table.delete())
            for table in tables:
                if self.rows.get(table.name):
                    db.session.execute(table.insert(), self.rows[table.name])
            db.session.commit()
            db.session.remove()
            limiter.reset()
        for name, visitor in self.visitors.items():
            visitor.browser = self.app.test_client()
            for key, value, domain, path in self.cookies[name]:
                visitor.browser.set_cookie(key, value, domain=domain, path=path)
            visitor.api.client = self.app.test_client()


def _csrf(browser: FlaskClient) -> str:
    page = browser.get("/settings").get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    if match is None:
        page = browser.get("/login").get_data(as_text=True)
        match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def build_world(app: Flask) -> World:
    """Create the people and things every route can be called on, and sign everyone in."""
    from app.accounts import queries as accounts
    from app.messaging import services as messaging
    from app.posts import services as posts
    from app.safety import services as safety
    from app.social import services as social

    for actor, username in USERNAMES.items():
        make_user(app, username, role=ROLES.get(actor, "user"))
    for username in EXTRAS:
        make_user(app, username)
    mark = secrets.token_hex(4)
    ids: dict[str, int] = {}
    with app.test_request_context():
        alice, erin, dave = (accounts.find_by_username(n) for n in ("alice", "erin", "dave"))
        post = posts.create_post(author=alice, body=f"Hello from alice #python @erin {mark}")
        comment = posts.add_comment(post_id=post.id, author=alice, body="alice's own comment")
        reply = posts.add_comment(
            post_id=post.id, author=erin, body="erin replies", parent_id=comment.id
        )
        ids.update(post=post.id, comment=comment.id, reply=reply.id)
        ids["dave_post"] = posts.create_post(author=dave, body="dave posts #python").id
        # Alice's draft: nobody else may find its words anywhere (feeds, search, admin pages).
        ids["draft"] = posts.create_post(
            author=alice, body=f"SECRET-DRAFT-{mark} @erin #python", draft=True
        ).id
        from app.media import services as media
        from tests.media_files import png

        picture = media.upload_picture(owner=alice, data=png(), alt="alice's picture")
        ids["media"], media_name = picture.id, picture.name
        posts.react(post_id=post.id, user=erin, kind="like")
        posts.bookmark(post_id=post.id, user=alice)
        social.follow(follower=erin, username="alice")
        social.follow(follower=alice, username="erin")
        conversation, _new = messaging.start_conversation(user=alice, username="erin")
        ids["conversation"] = conversation.id
        messaging.send_message(
            conversation_id=conversation.id, sender=erin, body=f"SECRET-DM-{mark}"
        )
        safety.report(
            reporter=erin,
            target_type="post",
            target_id=post.id,
            reason="spam",
            note=f"SECRET-NOTE-{mark}",
        )
        safety.block(blocker=alice, username="dave")
        safety.mute(muter=alice, username="frank")
        # Alice signs in with GitHub too (and has a password): its login is hers to see.
        from app.accounts.models import OAuthIdentity

        db.session.add(
            OAuthIdentity(
                provider="github",
                provider_user_id="4242",
                provider_login=f"gh-alice-{mark}",
                user_id=alice.id,
            )
        )
        db.session.commit()

    visitors: dict[str, Visitor] = {
        "anonymous": Visitor("anonymous", app.test_client(), Api(app.test_client()))
    }
    visitors["anonymous"].csrf = _csrf(visitors["anonymous"].browser)
    for actor, username in USERNAMES.items():
        browser = app.test_client()
        page = browser.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
        # Each sign-in's device is its owner's business: a unique user agent shows any leak.
        signed_in = browser.post(
            "/login",
            data={"login": username, "password": PASSWORD, "csrf_token": token},
            headers={"User-Agent": f"SECRET-AGENT-{actor}-{mark}"},
        )
        assert signed_in.status_code == 303, (username, signed_in.status_code)
        api = Api(app.test_client())
        api.login(username)
        visitors[actor] = Visitor(actor, browser, api, _csrf(browser))

    # Suspended after signing in: every request of theirs must now be refused or anonymous.
    with app.test_request_context():
        from app.accounts.models import UserSession

        alice = accounts.find_by_username("alice")
        ids["session"] = db.session.scalar(
            select(UserSession.id).where(
                UserSession.user_id == alice.id, UserSession.kind == "browser"
            )
        )
        carol = accounts.find_by_username("carol")
        carol.suspended = True
        db.session.commit()

    # Alice has two-factor sign-in on and a passkey (after signing in: her sign-ins stay).
    from app.accounts import mfa, passkeys
    from tests.webauthn_soft import SoftAuthenticator

    with app.test_request_context():
        alice = accounts.find_by_username("alice")
        totp_secret = mfa.start_totp_setup(user=alice)
        mfa.confirm_totp(user=alice, code=pyotp.TOTP(totp_secret).at(time.time() - 30))
        authenticator = SoftAuthenticator()
        credential = authenticator.register(passkeys.registration_options(user=alice))
        ids["passkey"] = passkeys.add_passkey(
            user=alice, name="Alice's key", credential=credential
        ).id

    from app.accounts import links as mailed_links

    with app.test_request_context():
        alice = accounts.find_by_username("alice")
        owner_links = {
            purpose: mailed_links.create(user=alice, purpose=purpose, email=alice.email, ttl=3600)
            for purpose in ("password_reset", "email_verify")
        }
        db.session.commit()
    # Alice has a ready export of her data (a zip on disk: restoring the rows keeps it valid).
    from app.jobs.core import run
    from app.yourdata import services as yourdata

    with app.test_request_context():
        ids["export"] = yourdata.request_export(user=accounts.find_by_username("alice")).id
    run(app, "exports.build", [ids["export"]], {})
    from app.jobs import local_backend

    local_backend(app).reset()  # the mail it queued is not this world's business

    world = World(
        app=app,
        ids=ids,
        visitors=visitors,
        totp_secret=totp_secret,
        authenticator=authenticator,
        media_name=media_name,
        links=owner_links,
    )
    world.secrets[totp_secret] = set()
    staff = {"moderator", "admin"}
    for actor, username in USERNAMES.items():
        world.secrets[f"{username}@example.com"] = {actor} | staff
        world.secrets[f"SECRET-AGENT-{actor}-{mark}"] = {actor}
        for credential in (visitors[actor].api.access_token, visitors[actor].api.refresh_token):
            world.secrets[credential] = {actor}
    for username in EXTRAS:
        world.secrets[f"{username}@example.com"] = set(staff)
    world.secrets[f"SECRET-DM-{mark}"] = {"owner"}
    world.secrets[f"SECRET-DRAFT-{mark}"] = {"owner"}
    world.secrets[f"gh-alice-{mark}"] = {"owner"}
    world.secrets[f"SECRET-NOTE-{mark}"] = set(staff)
    world.secrets["$argon2"] = set()
    world.save()
    return world


# Path values each rule variable takes: the owner's things, so "owner" means the one they belong to.
def path_values(world: World, rule: Rule) -> dict[str, Any]:
    """Fill a rule's variables with the world's objects."""
    values: dict[str, Any] = {}
    for name in rule.arguments:
        values[name] = {
            "post_id": world.ids["post"],
            "comment_id": world.ids["comment"],
            "conversation_id": world.ids["conversation"],
            "session_id": world.ids["session"],
            "passkey_id": world.ids["passkey"],
            "media_id": world.ids["media"],
            "name": world.media_name,
            "export_id": world.ids["export"],
            "target_id": world.ids["post"],
            "username": "alice",
            "kind": "like",
            "tag": "python",
            "target_type": "post",
            "filename": "css/app.css",
            "path": "feed",
            "rest": "nothing-here",
            "provider": "github",
            "token": world.links[
                "password_reset" if rule.rule.startswith("/password/") else "email_verify"
            ],
            # An image proxy address signed by nobody (the proxy answers 404 before any fetch).
            "signature": "bm90LXNpZ25lZC1ieS11cw",
            "source": "aHR0cHM6Ly9leGFtcGxlLmNvbS9jYXQucG5n",
        }[name]
    return values
