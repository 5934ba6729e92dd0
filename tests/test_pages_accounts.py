"""Account pages through a browser without JavaScript, and htmx fragments."""

from __future__ import annotations

import re

import pytest

from app.accounts import queries
from tests.conftest import PASSWORD, csrf_token, make_user

HTMX = {"HX-Request": "true"}


def register(client, **fields):
    data = {"username": "alice", "email": "alice@example.com", "password": PASSWORD, **fields}
    data["csrf_token"] = csrf_token(client, "/register")
    return client.post("/register", data=data, headers=fields.pop("headers", {}))


def test_register_signs_in_and_redirects(client):
    response = register(client)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    home = client.get("/").get_data(as_text=True)
    assert ">alice<" in home
    assert "Welcome to DevThread, alice!" in home


def test_register_errors_keep_input_but_never_the_password(client):
    response = register(client, username="a b", email="nope")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Use 3 to 30 letters, digits or underscores." in page
    assert "Enter a valid email address." in page
    assert 'value="a b"' in page and 'value="nope"' in page
    assert PASSWORD not in page
    assert 'aria-invalid="true"' in page


def test_register_htmx_gets_only_the_form_with_422(client):
    token = csrf_token(client, "/register")
    response = client.post(
        "/register",
        data={"username": "x", "email": "x@example.com", "password": "short", "csrf_token": token},
        headers=HTMX,
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith("<form")
    assert "<html" not in page
    assert "Use at least 10 characters." in page


def test_register_htmx_success_redirects_with_header(client):
    token = csrf_token(client, "/register")
    response = client.post(
        "/register",
        data={
            "username": "alice",
            "email": "a@example.com",
            "password": PASSWORD,
            "csrf_token": token,
        },
        headers=HTMX,
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/"


def test_register_taken_username_in_other_case(client, app):
    make_user(app, "Alice")
    response = register(client, username="aLiCe", email="other@example.com")
    assert response.status_code == 422
    assert "That username is taken." in response.get_data(as_text=True)


def test_form_without_csrf_is_refused_and_changes_nothing(client, app):
    response = client.post(
        "/register", data={"username": "alice", "email": "a@example.com", "password": PASSWORD}
    )
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    with app.test_request_context():
        assert queries.find_by_username("alice") is None


def test_login_with_username_or_email(client, app, auth):
    make_user(app)
    assert auth.login("alice").status_code == 303
    auth.logout()
    assert auth.login("ALICE@example.com").status_code == 303
    assert ">alice<" in client.get("/").get_data(as_text=True)


def test_login_wrong_password_and_unknown_user_same_message(client, app, auth):
    make_user(app)
    wrong = auth.login("alice", "not-the-password")
    unknown = auth.login("mallory", PASSWORD)
    assert wrong.status_code == unknown.status_code == 422
    message = "Wrong username, email or password."
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_login_keeps_next_on_site_only(client, app):
    make_user(app)
    token = csrf_token(client)
    data = {"login": "alice", "password": PASSWORD, "csrf_token": token}
    response = client.post("/login?next=/settings", data=data)
    assert response.headers["Location"] == "/settings"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    token = csrf_token(client)
    response = client.post("/login?next=//evil.example/x", data={**data, "csrf_token": token})
    assert response.headers["Location"] == "/"


def test_remember_me_sets_a_lasting_cookie(client, app, auth):
    make_user(app)
    auth.login(remember="y")
    assert client.get_cookie("remember_token") is not None


def test_without_remember_me_no_lasting_cookie(client, app, auth):
    make_user(app)
    auth.login()
    assert client.get_cookie("remember_token") is None


def test_logout_needs_post(client, app, auth):
    make_user(app)
    auth.login()
    assert client.get("/logout").status_code == 405
    assert auth.logout().status_code == 303
    assert "Create your account" in client.get("/").get_data(as_text=True)


def test_settings_need_sign_in(client):
    response = client.get("/settings")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_profile_update_and_html_is_escaped_everywhere(client, app, auth):
    make_user(app)
    auth.login()
    token = csrf_token(client, "/settings")
    evil = '<script>alert("x")</script>'
    response = client.post(
        "/settings/profile",
        data={
            "display_name": evil,
            "bio": "Hi",
            "location": "",
            "website": "",
            "dm_policy": "everyone",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    for path in ("/", "/settings", "/u/alice"):
        page = client.get(path).get_data(as_text=True)
        assert evil not in page
        if path != "/":
            assert "&lt;script&gt;" in page


def test_profile_errors_come_back_next_to_fields(client, app, auth):
    make_user(app)
    auth.login()
    token = csrf_token(client, "/settings")
    response = client.post(
        "/settings/profile",
        data={
            "display_name": "x" * 60,
            "bio": "",
            "location": "",
            "website": "ftp://x",
            "dm_policy": "everyone",
            "csrf_token": token,
        },
        headers=HTMX,
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith("<form")
    assert "Use at most 50 characters." in page
    assert "Enter a web address" in page


@pytest.mark.parametrize("website", ["http://[", "https://[::1", "http://]", "example.com:99999"])
@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_unparseable_website_is_a_field_error(client, app, auth, website, htmx):
    make_user(app)
    auth.login()
    token = csrf_token(client, "/settings")
    response = client.post(
        "/settings/profile",
        data={
            "display_name": "Alice",
            "bio": "",
            "location": "",
            "website": website,
            "dm_policy": "everyone",
            "csrf_token": token,
        },
        headers=HTMX if htmx else {},
    )
    assert response.status_code == 422
    assert "Enter a web address" in response.get_data(as_text=True)
    with app.app_context():
        assert queries.find_by_username("alice").website in ("", None)


def test_password_change_signs_out_other_sessions(app):
    make_user(app)
    laptop, phone = app.test_client(), app.test_client()
    for c in (laptop, phone):
        token = csrf_token(c)
        c.post(
            "/login",
            data={"login": "alice", "password": PASSWORD, "csrf_token": token, "remember": "y"},
        )
    token = csrf_token(laptop, "/settings")
    response = laptop.post(
        "/settings/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a much newer passphrase",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    assert laptop.get("/settings").status_code == 200
    # The phone's session cookie and remember-me cookie both stopped working.
    assert phone.get("/settings").status_code == 302


def test_password_change_with_wrong_current_password(client, app, auth):
    make_user(app)
    auth.login()
    token = csrf_token(client, "/settings")
    response = client.post(
        "/settings/password",
        data={
            "current_password": "wrong-one-here",
            "new_password": "another passphrase",
            "csrf_token": token,
        },
    )
    assert response.status_code == 422
    assert "That is not your current password." in response.get_data(as_text=True)
    auth.logout()
    assert auth.login().status_code == 303


def test_log_out_everywhere_ends_api_tokens_too(client, app, auth, api):
    make_user(app)
    api.login()
    auth.login()
    token = csrf_token(client, "/settings")
    assert client.post("/settings/sessions", data={"csrf_token": token}).status_code == 303
    assert client.get("/settings").status_code == 302
    assert api.call("GET", "/me").status_code == 401
    assert (
        api.call("POST", "/auth/refresh", {"refresh_token": api.refresh_token}).status_code == 401
    )


def test_suspended_user_session_ends(client, app, auth):
    user_id = make_user(app)
    auth.login()
    from app.accounts.models import User
    from app.extensions import db

    with app.app_context():
        db.session.get(User, user_id).suspended = True
        db.session.commit()
    assert client.get("/settings").status_code == 302


def test_login_form_rate_limited_per_account(client, app, auth, monkeypatch):
    make_user(app)
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "2 per minute")
    auth.login("alice", "wrong-password-1")
    auth.login("alice", "wrong-password-2")
    response = auth.login("alice", PASSWORD)
    assert response.status_code == 429
    assert "Too many requests" in response.get_data(as_text=True)


def test_pages_send_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_every_control_has_a_label(client, app, auth):
    make_user(app)
    pages = [client.get("/register"), client.get("/login")]
    auth.login()
    pages.append(client.get("/settings"))
    for response in pages:
        page = response.get_data(as_text=True)
        ids = re.findall(r'<(?:input(?! type="hidden")|textarea|select)[^>]*\bid="([^"]+)"', page)
        assert len(ids) == len(set(ids)), "duplicate ids"
        for control_id in ids:
            assert f'for="{control_id}"' in page, control_id


def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "That page does not exist" in response.get_data(as_text=True)
