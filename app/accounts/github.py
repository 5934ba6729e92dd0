"""GitHub as a sign-in provider, through Authlib's Flask client (authorization code + PKCE).

The endpoints are GitHub's unless the settings point elsewhere (``GITHUB_AUTHORIZE_URL``,
``GITHUB_TOKEN_URL``, ``GITHUB_API_URL``): the tests run a real OAuth 2 server of their own,
and GitHub Enterprise has its own host. ``state`` (kept in the signed session cookie by
Authlib) ties the callback to the browser that started; PKCE (S256) ties the code to it too.
Every failure on GitHub's side becomes a DomainError with a message a person can act on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App, OAuthError
from flask import Response, current_app, redirect, request, session
from flask_babel import gettext as _

from app.accounts.identities import ExternalProfile
from app.errors import BadRequest, Forbidden, ProviderUnavailable

PROVIDER = "github"
# read:user for the profile, user:email for /user/emails (a private address is not in /user).
SCOPE = "read:user user:email"
API_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
ID_MAX = 64
LOGIN_MAX = 100
EMAIL_MAX = 254


def enabled() -> bool:
    """Tell whether Sign in with GitHub is set up (a client id is configured)."""
    return bool(current_app.config.get("GITHUB_CLIENT_ID"))


def authorize_origin() -> str:
    """Return the scheme and host of GitHub's authorize page (the browser is sent there)."""
    parts = urlsplit(current_app.config["GITHUB_AUTHORIZE_URL"])
    return f"{parts.scheme}://{parts.netloc}"


def client() -> FlaskOAuth2App:
    """Return Authlib's client for this app's settings (cheap: built per request)."""
    config = current_app.config
    api = config["GITHUB_API_URL"]
    return FlaskOAuth2App(
        FlaskIntegration(PROVIDER),
        PROVIDER,
        client_id=config["GITHUB_CLIENT_ID"],
        client_secret=config.get("GITHUB_CLIENT_SECRET"),
        authorize_url=config["GITHUB_AUTHORIZE_URL"],
        access_token_url=config["GITHUB_TOKEN_URL"],
        # Relative paths ("user/emails") join onto it, so it must end with a slash.
        api_base_url=api if api.endswith("/") else api + "/",
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            # GitHub's documented form: the client id and secret in the POST body.
            "token_endpoint_auth_method": "client_secret_post",
            "default_timeout": config["GITHUB_TIMEOUT"],
        },
    )


def authorize_redirect(redirect_uri: str, **carry: Any) -> Response:
    """Send the browser to GitHub, remembering ``carry`` (intent, next, ...) for the callback."""
    github = client()
    started = github.create_authorization_url(redirect_uri)
    # What the callback needs, kept under the state in the session: the state is the key.
    github.save_authorize_data(
        state=started["state"],
        redirect_uri=redirect_uri,
        code_verifier=started["code_verifier"],
        carry=carry,
    )
    return redirect(started["url"])


def finish() -> tuple[ExternalProfile, dict[str, Any]]:
    """Check the callback, exchange its code, read who the person is; return what was carried."""
    github = client()
    state = request.args.get("state")
    data = github.framework.get_state_data(session, state) if state else None
    if request.args.get("error"):
        if state:
            github.framework.clear_state_data(session, state)
        if request.args.get("error") == "access_denied":
            raise Forbidden(
                _("You did not let DevThread read your GitHub account, so nothing changed.")
            )
        raise BadRequest(_("GitHub could not sign you in. Please try again."))
    if data is None or not request.args.get("code"):
        raise BadRequest(
            _("This sign-in with GitHub expired or was started elsewhere. Please try again.")
        )
    try:
        # Checks the state again, spends it, and exchanges the code with the PKCE verifier.
        token = github.authorize_access_token()
    except OAuthError as error:
        raise BadRequest(
            _("GitHub refused the sign-in (%(reason)s). Please try again.", reason=error.error)
        ) from error
    except (requests.RequestException, ValueError) as error:
        raise _unavailable() from error
    return _profile(github, token), dict(data.get("carry") or {})


def _profile(github: FlaskOAuth2App, token: dict[str, Any]) -> ExternalProfile:
    """Read the GitHub user and their primary address (and whether GitHub verified it)."""
    user = _api_json(github, "user", token)
    emails = _api_json(github, "user/emails", token)
    if not isinstance(user, dict) or not isinstance(emails, list):
        raise _unavailable()
    user_id, login = user.get("id"), user.get("login")
    # bool is an int in Python: GitHub's ids are plain integers.
    if type(user_id) is not int or not isinstance(login, str):
        raise _unavailable()
    if not 0 < len(login) <= LOGIN_MAX or not login.isprintable():
        # Shown on the settings page and stored: no control characters (NUL breaks PostgreSQL).
        raise _unavailable()
    primary = next((e for e in emails if isinstance(e, dict) and e.get("primary") is True), None)
    email = primary.get("email") if primary else None
    if not isinstance(email, str) or not 0 < len(email) <= EMAIL_MAX:
        email = None
    name = user.get("name")
    return ExternalProfile(
        provider=PROVIDER,
        provider_user_id=str(user_id)[:ID_MAX],
        login=login,
        name=name if isinstance(name, str) else "",
        email=email,
        email_verified=bool(email and primary and primary.get("verified") is True),
    )


def _api_json(github: FlaskOAuth2App, path: str, token: dict[str, Any]) -> Any:
    """GET one resource of GitHub's API; a failure or a timeout is ProviderUnavailable."""
    try:
        response = github.get(path, token=token, headers=API_HEADERS)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, OAuthError, ValueError) as error:
        raise _unavailable() from error


def _unavailable() -> ProviderUnavailable:
    return ProviderUnavailable(
        _("GitHub did not answer as expected. Please try again in a moment.")
    )
