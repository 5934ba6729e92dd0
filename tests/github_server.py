"""A real OAuth 2 server that answers like GitHub, for the Sign in with GitHub tests.

Authlib's own ``AuthorizationServer`` (authorization code grant, PKCE required, the client's
secret in the POST body as GitHub takes it) and ``ResourceProtector`` in a small Flask app,
served by werkzeug on a free loopback port in a thread. It serves GitHub's paths and JSON
shapes: ``/login/oauth/authorize``, ``/login/oauth/access_token``, ``/user`` and
``/user/emails``. Its people sign in to it with ``POST /session`` (a cookie of its own), the
way a person is signed in to github.com before the app sends them there.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

SCOPES = ("read:user", "user:email")
# The stand-in's consent screen for a real browser: the form posts back to the same address.
CONSENT_PAGE = """<!doctype html><html lang="en"><head><title>Authorize</title></head><body>
<h1>Authorize DevThread</h1><p>Signed in as {login}; DevThread asks for: {scope}.</p>
<form method="post"><button name="decision" value="allow">Authorize</button>
<button name="decision" value="deny">Cancel</button></form></body></html>"""


@dataclass
class Account:
    """A person on the stand-in GitHub."""

    id: int
    login: str
    email: str
    verified: bool = True
    name: str = ""


@dataclass
class Client:
    """The OAuth app DevThread is registered as."""

    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in (scope or "").split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # GitHub's documented form: client_id and client_secret in the POST body.
        return method == "client_secret_post"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code:
    """An authorization code waiting to be exchanged."""

    code: str
    client_id: str
    redirect_uri: str
    scope: str
    login: str
    code_challenge: str | None
    code_challenge_method: str | None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> None:
        return None

    def get_auth_time(self) -> None:
        return None


@dataclass
class Token:
    """An access token the stand-in issued."""

    access_token: str
    scope: str
    login: str
    client_id: str
    issued_at: float = field(default_factory=time.time)
    expires_in: int = 3600

    def check_client(self, client: Client) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() > self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> str:
        return self.login

    def get_client(self) -> Client:
        raise NotImplementedError


class FakeGitHub:
    """The stand-in GitHub: its accounts, its one client, and switches for its failures."""

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.client = Client("devthread-test", secrets.token_hex(16), [])
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, Token] = {}
        # Failures the tests turn on: a slow API (seconds), a token endpoint that says no.
        self.api_delay = 0.0
        self.token_error: str | None = None
        # What the token endpoint was sent, to show PKCE and the secret arrived.
        self.token_requests: list[dict[str, str]] = []
        self.url = ""
        self.app = self._build()

    def add(self, login: str, *, id: int, email: str, verified: bool = True, name: str = ""):
        """Create a person on the stand-in GitHub."""
        account = Account(id=id, login=login, email=email, verified=verified, name=name)
        self.accounts[login] = account
        return account

    def reset(self) -> None:
        """Forget people, codes, tokens and failures between tests."""
        self.accounts.clear()
        self.codes.clear()
        self.tokens.clear()
        self.token_requests.clear()
        self.api_delay = 0.0
        self.token_error = None

    def _build(self) -> Flask:
        app = Flask("fake_github")
        app.config["SECRET_KEY"] = secrets.token_hex(16)
        github = self

        class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_post"]

            def save_authorization_code(self, code: str, req: Any) -> None:
                github.codes[code] = Code(
                    code=code,
                    client_id=req.client.client_id,
                    redirect_uri=req.payload.redirect_uri,
                    scope=req.scope,
                    login=req.user.login,
                    code_challenge=req.payload.data.get("code_challenge"),
                    code_challenge_method=req.payload.data.get("code_challenge_method"),
                )

            def query_authorization_code(self, code: str, client: Client) -> Code | None:
                found = github.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: Code) -> None:
                github.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: Code) -> Account | None:
                return github.accounts.get(authorization_code.login)

        def query_client(client_id: str) -> Client | None:
            return github.client if client_id == github.client.client_id else None

        def save_token(token: dict[str, Any], req: Any) -> None:
            github.tokens[token["access_token"]] = Token(
                access_token=token["access_token"],
                scope=token.get("scope", ""),
                login=req.user.login,
                client_id=req.client.client_id,
            )

        server = AuthorizationServer(app, query_client=query_client, save_token=save_token)
        # PKCE required: a client that does not send a challenge is refused.
        server.register_grant(AuthorizationCodeGrant, [CodeChallenge(required=True)])

        class Validator(BearerTokenValidator):
            def authenticate_token(self, token_string: str) -> Token | None:
                return github.tokens.get(token_string)

        protect = ResourceProtector()
        protect.register_token_validator(Validator())

        @app.post("/session")
        def sign_in_here():
            response = jsonify(ok=True)
            response.set_cookie("gh_user", request.form["login"])
            return response

        @app.route("/login/oauth/authorize", methods=["GET", "POST"])
        def authorize():
            user = github.accounts.get(request.cookies.get("gh_user", ""))
            if request.method == "GET":
                # The consent screen: a page for a browser, else as data.
                grant = server.get_consent_grant(end_user=user)
                if request.accept_mimetypes.accept_html:
                    return CONSENT_PAGE.format(
                        login=user.login if user else "nobody", scope=grant.request.scope
                    )
                return jsonify(
                    client_id=grant.client.client_id,
                    scope=grant.request.scope,
                    user=user.login if user else None,
                )
            grant = server.get_consent_grant(end_user=user)
            allowed = user if request.form.get("decision") == "allow" else None
            return server.create_authorization_response(grant_user=allowed, grant=grant)

        @app.post("/login/oauth/access_token")
        def access_token():
            github.token_requests.append(request.form.to_dict())
            if github.token_error:
                # GitHub answers a bad code with 200 and an error object.
                return jsonify(error=github.token_error, error_description="refused by the test")
            return server.create_token_response()

        @app.get("/user")
        @protect("read:user")
        def user():
            time.sleep(github.api_delay)
            account = github.accounts[current_token.login]
            # A private address is not in /user: the app has to read /user/emails.
            return jsonify(
                login=account.login,
                id=account.id,
                name=account.name or None,
                email=None,
                type="User",
            )

        @app.get("/user/emails")
        @protect("user:email")
        def emails():
            time.sleep(github.api_delay)
            account = github.accounts[current_token.login]
            return jsonify(
                [
                    {
                        "email": f"{account.login}@users.noreply.github.com",
                        "primary": False,
                        "verified": True,
                        "visibility": None,
                    },
                    {
                        "email": account.email,
                        "primary": True,
                        "verified": account.verified,
                        "visibility": "private",
                    },
                ]
            )

        return app


@contextmanager
def serve(github: FakeGitHub) -> Iterator[FakeGitHub]:
    """Serve the stand-in on a free loopback port in a thread while the block runs."""
    server = make_server("127.0.0.1", 0, github.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    github.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield github
    finally:
        server.shutdown()
        thread.join(timeout=5)
