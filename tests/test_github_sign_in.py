"""Sign in with GitHub against a real OAuth 2 server (tests/github_server.py), not a mock.

The browser is two clients that hand each other the redirects, as a browser would: the app's
Flask test client, and a requests session signed in to the stand-in GitHub (its own cookie).
The app's Authlib client talks to the stand-in over HTTP: the token exchange (with PKCE and
the client secret), then /user and /user/emails.
"""

from __future__ import annotations

import re
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from tests.conftest import PASSWORD, Api, csrf_token, make_user
from tests.github_server import FakeGitHub, serve

CALLBACK = "http://localhost/auth/github/callback"


@pytest.fixture(scope="module")
def stand_in():
    """Serve the stand-in GitHub for the whole module."""
    with serve(FakeGitHub()) as github:
        github.client.redirect_uris = [CALLBACK]
        yield github


@pytest.fixture
def github(app, stand_in, monkeypatch) -> FakeGitHub:
    """Point the app's GitHub client at the stand-in, with no people and no failures."""
    stand_in.reset()
    settings = {
        "GITHUB_CLIENT_ID": stand_in.client.client_id,
        "GITHUB_CLIENT_SECRET": stand_in.client.client_secret,
        "GITHUB_AUTHORIZE_URL": f"{stand_in.url}/login/oauth/authorize",
        "GITHUB_TOKEN_URL": f"{stand_in.url}/login/oauth/access_token",
        "GITHUB_API_URL": stand_in.url,
        "GITHUB_TIMEOUT": 5,
    }
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    return stand_in


class Person:
    """One person's browser: the app's cookies and GitHub's cookies."""

    def __init__(self, app, github: FakeGitHub, github_login: str | None = None) -> None:
        self.client = app.test_client()
        self.github = github
        self.on_github = requests.Session()
        if github_login:
            self.on_github.post(f"{github.url}/session", data={"login": github_login})

    def start(self, path: str = "/auth/github/login") -> str:
        """Open the app's way out to GitHub; return where it sends the browser."""
        response = self.client.get(path)
        return self._to_github(response)

    def start_connect(self) -> str:
        """Press "Connect GitHub" on the settings page; return where it sends the browser."""
        token = csrf_token(self.client, "/settings")
        response = self.client.post("/settings/connections/github", data={"csrf_token": token})
        return self._to_github(response)

    def _to_github(self, response) -> str:
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        location = response.headers["Location"]
        assert location.startswith(f"{self.github.url}/login/oauth/authorize?")
        return location

    def decide(self, authorize_url: str, decision: str = "allow") -> str:
        """Answer GitHub's consent screen; return the callback address GitHub sends back to."""
        consent = self.on_github.get(authorize_url)
        assert consent.status_code == 200, consent.text
        answer = self.on_github.post(
            authorize_url, data={"decision": decision}, allow_redirects=False
        )
        assert answer.status_code == 302, answer.text
        location = answer.headers["Location"]
        assert location.startswith(CALLBACK + "?")
        return location

    def sign_in(self, path: str = "/auth/github/login", decision: str = "allow"):
        """Go to GitHub and back; return the app's answer to the callback."""
        return self.client.get(self.decide(self.start(path), decision))

    def signed_in_as(self) -> str | None:
        """Return the username the settings page is for, or None when signed out."""
        page = self.client.get("/settings")
        if page.status_code != 200:
            return None
        match = re.search(r'href="/u/([A-Za-z0-9_]+)"', page.get_data(as_text=True))
        return match.group(1) if match else None


def password_login(app, login: str = "alice") -> Person:
    """Return a person signed in to the app with a password (no GitHub cookie yet)."""
    person = Person(app, None)  # type: ignore[arg-type]
    token = csrf_token(person.client)
    response = person.client.post(
        "/login", data={"login": login, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303
    return person


def identities(app) -> list[tuple[str, str, int]]:
    """Return every (provider, provider user id, user id) connection."""
    from app.accounts.models import OAuthIdentity

    with app.app_context():
        rows = db.session.execute(
            select(
                OAuthIdentity.provider, OAuthIdentity.provider_user_id, OAuthIdentity.user_id
            ).order_by(OAuthIdentity.id)
        )
        return [tuple(row) for row in rows]


def user(app, username: str):
    """Return an account by username (detached, for reading)."""
    from app.accounts import queries

    with app.test_request_context():
        found = queries.find_by_username(username)
        db.session.expunge_all()
        return found


def browser_sessions(app, user_id: int) -> int:
    """Count a user's browser sign-in records."""
    from app.accounts.models import UserSession

    with app.app_context():
        return db.session.scalar(
            select(func.count(UserSession.id)).where(
                UserSession.user_id == user_id, UserSession.kind == "browser"
            )
        )


def text(response) -> str:
    return response.get_data(as_text=True)


def test_a_new_account_is_made_after_the_person_picks_its_username(app, github):
    make_user(app, "octo_cat")  # the obvious name is taken: the page offers the next one
    github.add("octo-cat", id=583231, email="octo@example.com", name="The Octocat")
    person = Person(app, github, "octo-cat")

    response = person.sign_in()
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/github/confirm"
    assert identities(app) == []  # nothing is made before the person confirms

    page = person.client.get("/auth/github/confirm")
    assert page.status_code == 200
    assert 'value="octo_cat2"' in text(page)
    assert "octo@example.com" in text(page)
    token = csrf_token(person.client, "/auth/github/confirm")
    taken = person.client.post(
        "/auth/github/confirm", data={"username": "octo_cat", "csrf_token": token}
    )
    assert taken.status_code == 422
    assert "That username is taken." in text(taken)
    created = person.client.post(
        "/auth/github/confirm", data={"username": "octocat", "csrf_token": token}
    )
    assert created.status_code == 303

    octocat = user(app, "octocat")
    assert octocat.email == "octo@example.com"
    assert octocat.display_name == "The Octocat"
    assert octocat.has_password is False
    assert identities(app) == [("github", "583231", octocat.id)]
    assert browser_sessions(app, octocat.id) == 1
    assert person.signed_in_as() == "octocat"
    # The client proved PKCE and sent its secret in the body, as GitHub takes them.
    sent = github.token_requests[-1]
    assert sent["code_verifier"] and sent["client_secret"] == github.client.client_secret
    # No password: the settings page offers a link by mail to set one instead of changing it.
    settings = text(person.client.get("/settings"))
    assert "Mail me a link to set a password" in settings and "Current password" not in settings
    # GitHub verified the address: so is the account.
    assert octocat.email_verified
    assert "Disconnect GitHub" not in settings  # the only way in

    # The next time, the known GitHub account signs straight in: a new sign-in record.
    again = Person(app, github, "octo-cat").sign_in()
    assert again.status_code == 303 and again.headers["Location"] == "/"
    assert browser_sessions(app, octocat.id) == 2


def test_an_account_without_password_refuses_every_password(app, github, client):
    github.add("nopass", id=7, email="nopass@example.com")
    person = Person(app, github, "nopass")
    person.sign_in()
    token = csrf_token(person.client, "/auth/github/confirm")
    person.client.post("/auth/github/confirm", data={"username": "nopass", "csrf_token": token})
    for password in ("", PASSWORD, "x" * 12):
        answer = Api(client).call("POST", "/auth/login", {"login": "nopass", "password": password})
        assert answer.status_code in (401, 422)


def test_a_verified_matching_email_links_and_signs_in_and_says_so(app, github):
    alice_id = make_user(app, "alice")
    # Another case and a compatibility form: the identity key is what matches.
    github.add("alice-gh", id=1001, email="ALICE@example.com")
    person = Person(app, github, "alice-gh")

    response = person.sign_in("/auth/github/login?next=/bookmarks")
    assert response.status_code == 303
    assert response.headers["Location"] == "/bookmarks"
    assert identities(app) == [("github", "1001", alice_id)]
    assert browser_sessions(app, alice_id) == 1
    page = text(person.client.get("/bookmarks"))
    assert "is now connected" in page and "alice-gh" in page
    assert person.signed_in_as() == "alice"


def test_a_local_account_that_never_verified_its_address_is_not_linked(app, github):
    # Someone may have signed up with the victim's address first: until a link mailed there
    # is followed, the address is not proven, and GitHub's verified email does not link to it.
    make_user(app, "squatter", email="victim@example.com", verified=False)
    github.add("victim", id=7007, email="victim@example.com")
    person = Person(app, github, "victim")

    response = person.sign_in()
    assert response.status_code == 403
    assert "has not confirmed it" in text(response)
    assert identities(app) == []
    assert person.signed_in_as() is None
    with app.app_context():
        squatter = db.session.scalar(select(User).where(User.username == "squatter"))
        assert squatter.email_verified_at is None


@pytest.mark.parametrize("existing", [True, False])
def test_an_unverified_email_never_links_nor_makes_an_account(app, github, existing):
    if existing:
        make_user(app, "alice")
    github.add("mallory", id=666, email="alice@example.com", verified=False)
    person = Person(app, github, "mallory")

    response = person.sign_in()
    assert response.status_code == 403
    assert "not verified" in text(response)
    assert identities(app) == []
    assert person.signed_in_as() is None
    assert person.client.get("/auth/github/confirm").status_code == 302  # no sign-up waits


def test_connect_from_settings_links_the_signed_in_account_only(app, github):
    alice_id = make_user(app, "alice")
    # Neither the address nor its verification matters here: she is signed in and asked.
    github.add("ali", id=42, email="somewhere@else.example", verified=False)
    person = password_login(app)
    person.github = github
    person.on_github.post(f"{github.url}/session", data={"login": "ali"})

    settings = person.client.get("/settings")
    # The form leads to GitHub through a redirect: the page's CSP must allow it.
    assert f"form-action 'self' {github.url}" in settings.headers["Content-Security-Policy"]
    assert "Connect GitHub" in text(settings)

    response = person.client.get(person.decide(person.start_connect()))
    assert response.status_code == 303 and response.headers["Location"] == "/settings"
    assert identities(app) == [("github", "42", alice_id)]
    page = text(person.client.get("/settings"))
    assert "GitHub account ali connected." in page and "Disconnect GitHub" in page

    again = person.client.get(person.decide(person.start_connect()))
    assert again.status_code == 303
    assert "already connected" in text(person.client.get("/settings"))
    assert identities(app) == [("github", "42", alice_id)]


def test_connecting_needs_a_signed_in_post_with_its_csrf_token(app, github):
    make_user(app, "alice")
    person = password_login(app)
    refused = person.client.post("/settings/connections/github", data={})
    assert refused.status_code == 400
    anonymous = app.test_client().post("/settings/connections/github")
    assert anonymous.status_code in (302, 400)
    assert identities(app) == []


def test_a_callback_for_a_connect_that_another_sign_in_started_is_refused(app, github):
    make_user(app, "alice")
    make_user(app, "bob")
    github.add("ali", id=42, email="a@else.example")
    person = password_login(app)
    person.github = github
    person.on_github.post(f"{github.url}/session", data={"login": "ali"})
    callback = person.decide(person.start_connect())
    # Signed out and in as someone else in between: the connect was alice's, not bob's.
    token = csrf_token(person.client, "/settings")
    person.client.post("/logout", data={"csrf_token": token})
    assert person.client.get(callback).status_code == 400
    assert identities(app) == []


def test_disconnect_keeps_a_way_to_sign_in(app, github, mailbox):
    alice_id = make_user(app, "alice")
    github.add("ali", id=42, email="alice@example.com")
    github.add("solo", id=43, email="solo@example.com")
    # Alice has a password: she may disconnect.
    Person(app, github, "ali").sign_in()
    person = password_login(app)
    token = csrf_token(person.client, "/settings")
    response = person.client.post(
        "/settings/connections/github/disconnect", data={"csrf_token": token}
    )
    assert response.status_code == 303
    assert identities(app) == []
    twice = person.client.post(
        "/settings/connections/github/disconnect", data={"csrf_token": token}
    )
    assert twice.status_code == 404
    assert "No GitHub account is connected to yours." in text(twice)

    # Solo signs in with GitHub only: disconnecting would lock them out.
    solo = Person(app, github, "solo")
    solo.sign_in()
    token = csrf_token(solo.client, "/auth/github/confirm")
    solo.client.post("/auth/github/confirm", data={"username": "solo", "csrf_token": token})
    solo_id = user(app, "solo").id
    token = csrf_token(solo.client, "/settings")
    refused = solo.client.post(
        "/settings/connections/github/disconnect", data={"csrf_token": token}
    )
    assert refused.status_code == 409
    assert "only way you sign in" in text(refused)
    assert identities(app) == [("github", "43", solo_id)]
    # No current password to give: the settings page refuses to set one directly (a stolen
    # session could add a way in) and mails a link instead. Following it sets the password.
    refused = solo.client.post(
        "/settings/password", data={"new_password": "a brand new passphrase", "csrf_token": token}
    )
    assert refused.status_code == 409 and "password link by mail" in text(refused)
    assert not user(app, "solo").has_password
    asked = solo.client.post(
        "/password/forgot", data={"email": user(app, "solo").email, "csrf_token": token}
    )
    assert asked.status_code == 200
    link = mailbox.link(user(app, "solo").email, "/password/reset/")
    token = csrf_token(solo.client, link)
    response = solo.client.post(
        link, data={"password": "a brand new passphrase", "csrf_token": token}
    )
    assert response.status_code == 303
    assert user(app, "solo").has_password
    solo.sign_in()  # the reset signed every session out
    token = csrf_token(solo.client, "/settings")
    assert (
        solo.client.post(
            "/settings/connections/github/disconnect", data={"csrf_token": token}
        ).status_code
        == 303
    )
    assert identities(app) == []
    assert user(app, "alice").id == alice_id and user(app, "alice").has_password


def test_the_api_lists_and_disconnects_but_refuses_the_only_way_in(app, github):
    from tests.conftest import api_as

    github.add("ali", id=42, email="alice@example.com")
    api = api_as(app, "alice")
    assert api.call("GET", "/me").get_json()["has_password"] is True
    assert api.call("GET", "/me/connections").get_json() == {"items": []}
    Person(app, github, "ali").sign_in()
    listed = api.call("GET", "/me/connections").get_json()["items"]
    assert [(c["provider"], c["login"]) for c in listed] == [("github", "ali")]
    assert api.call("DELETE", "/me/connections/github").status_code == 204
    assert api.call("DELETE", "/me/connections/github").status_code == 404
    assert api.call("DELETE", "/me/connections/gitlab").status_code == 404

    from app.accounts.models import User

    with app.app_context():
        alice = db.session.scalar(select(User).where(User.username == "alice"))
        alice.password_hash = ""  # as if made with GitHub
        db.session.commit()
    Person(app, github, "ali").sign_in()
    refused = api.call("DELETE", "/me/connections/github")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "conflict"
    assert api.call("GET", "/me").get_json()["has_password"] is False


def test_a_forged_spent_or_foreign_state_is_refused(app, github):
    make_user(app, "alice")
    github.add("ali", id=42, email="alice@example.com")
    person = Person(app, github, "ali")
    callback = person.decide(person.start())
    query = parse_qs(urlsplit(callback).query)

    forged = person.client.get(
        "/auth/github/callback?" + urlencode({"code": query["code"][0], "state": "forged"})
    )
    assert forged.status_code == 400
    assert "expired or was started elsewhere" in text(forged)
    # Another browser (an attacker's link) cannot finish this person's sign-in.
    assert app.test_client().get(callback).status_code == 400
    assert person.client.get("/auth/github/callback").status_code == 400
    assert identities(app) == []
    # The real one works once; the state is spent after that (signed out, then replayed).
    assert person.client.get(callback).status_code == 303
    token = csrf_token(person.client, "/settings")
    person.client.post("/logout", data={"csrf_token": token})
    assert person.client.get(callback).status_code == 400
    assert person.signed_in_as() is None


def test_declining_on_github_changes_nothing(app, github):
    make_user(app, "alice")
    github.add("ali", id=42, email="alice@example.com")
    person = Person(app, github, "ali")
    response = person.sign_in(decision="deny")
    assert response.status_code == 403
    assert "did not let DevThread read your GitHub account" in text(response)
    assert identities(app) == []
    assert person.signed_in_as() is None


def test_a_suspended_account_is_refused_whichever_way_it_is_found(app, github):
    alice_id = make_user(app, "alice")
    carol_id = make_user(app, "carol", suspended=True)
    github.add("ali", id=42, email="alice@example.com")
    github.add("caro", id=43, email="carol@example.com")
    Person(app, github, "ali").sign_in()  # linked while alice was in good standing
    from app.accounts.models import User

    with app.app_context():
        db.session.get(User, alice_id).suspended = True
        db.session.commit()
    before = browser_sessions(app, alice_id)
    for login in ("ali", "caro"):  # a known identity; a verified matching address
        response = Person(app, github, login).sign_in()
        assert response.status_code == 403
        assert "suspended" in text(response)
    assert browser_sessions(app, alice_id) == before
    assert browser_sessions(app, carol_id) == 0
    assert [row[1] for row in identities(app)] == ["42"]  # carol's was not linked


def test_a_github_account_connected_elsewhere_is_a_conflict(app, github):
    alice_id = make_user(app, "alice")
    make_user(app, "bob")
    github.add("ali", id=42, email="alice@example.com")
    github.add("ali2", id=44, email="alice@example.com")
    Person(app, github, "ali").sign_in()

    # Bob, signed in, tries to connect alice's GitHub account.
    bob = password_login(app, "bob")
    bob.github = github
    bob.on_github.post(f"{github.url}/session", data={"login": "ali"})
    response = bob.client.get(bob.decide(bob.start_connect()))
    assert response.status_code == 409
    assert "connected to another DevThread account" in text(response)
    # A second GitHub account with alice's verified address does not join hers silently.
    second = Person(app, github, "ali2").sign_in()
    assert second.status_code == 409
    assert identities(app) == [("github", "42", alice_id)]


def test_a_refused_code_is_a_clear_page(app, github):
    github.add("ali", id=42, email="alice@example.com")
    github.token_error = "bad_verification_code"
    response = Person(app, github, "ali").sign_in()
    assert response.status_code == 400
    assert "GitHub refused the sign-in (bad_verification_code)" in text(response)


def test_github_down_or_slow_is_a_clear_page_not_a_500(app, github, monkeypatch):
    github.add("ali", id=42, email="alice@example.com")
    github.api_delay = 2.0
    monkeypatch.setitem(app.config, "GITHUB_TIMEOUT", 0.3)
    began = time.monotonic()
    response = Person(app, github, "ali").sign_in()
    assert response.status_code == 502
    assert "GitHub did not answer" in text(response)
    assert time.monotonic() - began < 2.0  # the timeout, not GitHub, decided
    github.api_delay = 0
    # A token endpoint nobody answers on.
    monkeypatch.setitem(app.config, "GITHUB_TOKEN_URL", "http://127.0.0.1:9/token")
    response = Person(app, github, "ali").sign_in()
    assert response.status_code == 502
    assert identities(app) == []


def test_next_stays_on_this_site(app, github):
    make_user(app, "alice")
    github.add("ali", id=42, email="alice@example.com")
    response = Person(app, github, "ali").sign_in("/auth/github/login?next=/%5Cevil.example/")
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_every_github_sign_in_goes_through_complete_sign_in(app, github, monkeypatch):
    # The second factor (issue 11, item 4) is asked in complete_sign_in: it must not be skipped.
    from app.accounts import github_views

    seen = []
    real = github_views.complete_sign_in

    def spy(user, **kwargs):
        seen.append(user.username)
        return real(user, **kwargs)

    monkeypatch.setattr(github_views, "complete_sign_in", spy)
    make_user(app, "alice")
    github.add("ali", id=42, email="alice@example.com")
    github.add("newbie", id=45, email="newbie@example.com")
    Person(app, github, "ali").sign_in()  # linked by email
    Person(app, github, "ali").sign_in()  # known identity
    person = Person(app, github, "newbie")
    person.sign_in()
    token = csrf_token(person.client, "/auth/github/confirm")
    person.client.post("/auth/github/confirm", data={"username": "newbie", "csrf_token": token})
    assert seen == ["alice", "alice", "newbie"]


def test_github_is_offered_only_when_set_up(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "GITHUB_CLIENT_ID", None)
    assert "with GitHub" not in text(client.get("/login"))
    assert client.get("/auth/github/login").status_code == 404
    assert client.get("/auth/github/callback?code=x&state=y").status_code == 404
    monkeypatch.setitem(app.config, "GITHUB_CLIENT_ID", "an-id")
    assert "Sign in with GitHub" in text(client.get("/login?next=/bookmarks"))
    assert "/auth/github/login?next=/bookmarks" in text(client.get("/login?next=/bookmarks"))
    assert "Sign up with GitHub" in text(client.get("/register"))


def test_a_pending_sign_up_expires(app, github, monkeypatch):
    from app.accounts import github_views

    github.add("late", id=50, email="late@example.com")
    monkeypatch.setattr(github_views, "PENDING_TTL", -1)
    person = Person(app, github, "late")
    assert person.sign_in().headers["Location"] == "/auth/github/confirm"
    expired = person.client.get("/auth/github/confirm")
    assert expired.status_code == 302 and expired.headers["Location"] == "/login"
    assert "expired" in text(person.client.get("/login"))
    assert user(app, "late") is None


@pytest.mark.browser
def test_connect_and_sign_in_with_github_in_chromium(app, github, live_server, page):
    # The settings page's CSP (form-action) must let its form's redirect reach GitHub, and the
    # login page's link must lead there and back: only a real browser enforces either.
    github.client.redirect_uris = [CALLBACK, f"{live_server}/auth/github/callback"]
    github.add("ali", id=42, email="not-alice@example.com")
    make_user(app, "alice")
    page.context.add_cookies([{"name": "gh_user", "value": "ali", "url": github.url}])

    page.goto(f"{live_server}/login")
    page.get_by_label("Username or email").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="alice").wait_for()
    page.goto(f"{live_server}/settings")
    page.get_by_role("button", name="Connect GitHub").click()
    page.get_by_role("heading", name="Authorize DevThread").wait_for()
    page.get_by_role("button", name="Authorize").click()
    page.get_by_text("GitHub account ali connected.").wait_for()
    assert page.url == f"{live_server}/settings"

    page.get_by_role("button", name="Log out", exact=True).click()
    page.get_by_text("You are signed out.").wait_for()
    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Sign in with GitHub").click()
    page.get_by_role("button", name="Authorize").click()
    page.get_by_role("link", name="alice").wait_for()
    assert page.console_errors == []


def test_an_address_taken_while_the_person_picks_a_name_links_on_the_next_sign_in(app, github):
    github.add("slow", id=60, email="slow@example.com")
    person = Person(app, github, "slow")
    person.sign_in()
    slow_id = make_user(app, "slowpoke", email="slow@example.com")  # another tab, meanwhile
    token = csrf_token(person.client, "/auth/github/confirm")
    response = person.client.post(
        "/auth/github/confirm", data={"username": "slow", "csrf_token": token}
    )
    assert response.status_code == 422
    assert "Sign in with GitHub again to connect to it." in text(response)
    assert user(app, "slow") is None
    assert person.sign_in().status_code == 303
    assert identities(app) == [("github", "60", slow_id)]
