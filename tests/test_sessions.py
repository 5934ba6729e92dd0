"""Sign-ins are server-side records: logging out, one device or everywhere ends them at once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.accounts.models import RefreshToken, User, UserSession
from app.extensions import db
from app.timeutil import utcnow
from tests.conftest import PASSWORD, Api, csrf_token, make_user
from tests.test_api_queries import counting

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)
HTMX = {"HX-Request": "true"}


def browser(app, login: str = "alice", *, remember: bool = False, agent: str = FIREFOX):
    """Sign a new browser in through the login page."""
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = agent
    data = {"login": login, "password": PASSWORD, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).status_code == 303
    return client


def api_client(app, login: str = "alice", agent: str = "devthread-cli/1.0") -> Api:
    """Sign a new API client in."""
    client = Api(app.test_client())
    client.client.environ_base["HTTP_USER_AGENT"] = agent
    client.login(login)
    return client


def copy_cookie(source: FlaskClient, target: FlaskClient, name: str) -> None:
    cookie = source.get_cookie(name)
    assert cookie is not None, f"no {name} cookie"
    target.set_cookie(name, cookie.value)


def signed_in(client: FlaskClient) -> bool:
    response = client.get("/settings")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def records(app, username: str = "alice") -> list[UserSession]:
    with app.app_context():
        rows = db.session.scalars(
            select(UserSession)
            .join(User, User.id == UserSession.user_id)
            .where(User.username == username)
        ).all()
        db.session.expunge_all()
        return list(rows)


def sessions_of(api: Api) -> list[dict]:
    response = api.call("GET", "/me/sessions")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


# --- logging out ends the session ------------------------------------------------------


def test_a_copied_session_cookie_stops_working_after_logout(app):
    make_user(app)
    laptop = browser(app)
    thief = app.test_client()
    copy_cookie(laptop, thief, "session")
    assert signed_in(thief)
    assert laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/")}).status_code == 303
    assert not signed_in(laptop)
    assert not signed_in(thief)


def test_a_copied_remember_cookie_stops_working_after_logout(app):
    make_user(app)
    laptop = browser(app, remember=True)
    thief = app.test_client()
    copy_cookie(laptop, thief, "remember_token")
    assert signed_in(thief)
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/")})
    fresh_thief = app.test_client()
    copy_cookie(thief, fresh_thief, "remember_token")
    assert not signed_in(thief)
    assert not signed_in(fresh_thief)


def test_the_cookies_name_the_record_never_its_hash(app):
    make_user(app)
    laptop = browser(app, remember=True)
    (record,) = records(app)
    assert record.kind == "browser" and record.remember
    assert record.key_hash not in laptop.get_cookie("remember_token").value
    assert laptop.get_cookie("remember_token").value.startswith(f"{record.user_id}:")


@pytest.mark.parametrize("page", ["/login", "/register"])
def test_the_csrf_token_from_before_sign_in_is_refused_after_it(app, page):
    client = app.test_client()
    before = csrf_token(client, page)
    if page == "/login":
        make_user(app)
        data = {"login": "alice", "password": PASSWORD}
    else:
        data = {"username": "alice", "email": "alice@example.com", "password": PASSWORD}
    assert client.post(page, data={**data, "csrf_token": before}).status_code == 303
    response = client.post("/settings/profile", data={"display_name": "X", "csrf_token": before})
    assert response.status_code == 400
    # The page now carries a new token, which works.
    fresh = csrf_token(client, "/settings")
    assert fresh != before
    response = client.post("/settings/profile", data={"display_name": "X", "csrf_token": fresh})
    assert response.status_code == 303


def test_the_csrf_token_from_before_sign_out_is_refused_after_it(app):
    make_user(app)
    laptop = browser(app)
    before = csrf_token(laptop, "/")
    assert laptop.post("/logout", data={"csrf_token": before}).status_code == 303
    data = {"login": "alice", "password": PASSWORD, "csrf_token": before}
    assert laptop.post("/login", data=data).status_code == 400


def test_an_idle_session_ends_but_a_remembered_one_does_not(app):
    make_user(app)
    idle, kept = browser(app), browser(app, remember=True)
    late = utcnow() - timedelta(seconds=app.config["SESSION_IDLE_TIMEOUT"] + 60)
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=late))
        db.session.commit()
    assert not signed_in(idle)
    assert signed_in(kept)


def test_a_session_past_its_lifetime_ends_even_when_remembered(app):
    make_user(app)
    kept = browser(app, remember=True)
    with app.app_context():
        db.session.execute(update(UserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert not signed_in(kept)


def test_last_seen_is_written_at_most_every_few_minutes(app):
    make_user(app)
    laptop = browser(app)
    recent = utcnow() - timedelta(seconds=30)
    stale = utcnow() - timedelta(seconds=app.config["SESSION_TOUCH_INTERVAL"] + 5)
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=recent))
        db.session.commit()
    assert signed_in(laptop)
    (record,) = records(app)
    assert abs((record.last_seen_at - recent).total_seconds()) < 1
    with app.app_context():
        db.session.execute(update(UserSession).values(last_seen_at=stale))
        db.session.commit()
    assert signed_in(laptop)
    (record,) = records(app)
    assert (utcnow() - record.last_seen_at).total_seconds() < 5


# --- ending every session --------------------------------------------------------------


def _log_out_everywhere(app, laptop):
    token = csrf_token(laptop, "/settings")
    assert laptop.post("/settings/sessions", data={"csrf_token": token}).status_code == 303


def _change_password(app, laptop):
    token = csrf_token(laptop, "/settings")
    data = {
        "current_password": PASSWORD,
        "new_password": "a much newer passphrase",
        "csrf_token": token,
    }
    assert laptop.post("/settings/password", data=data).status_code == 303


def _suspend(app, laptop):
    from app.accounts import services
    from app.accounts.queries import find_by_username

    with app.test_request_context():
        services.set_suspended(user=find_by_username("alice"), suspended=True)


@pytest.mark.parametrize(
    ("action", "laptop_stays"),
    [(_log_out_everywhere, False), (_change_password, True), (_suspend, False)],
    ids=["everywhere", "password", "suspension"],
)
def test_ending_every_session_ends_other_browsers_and_api_sign_ins(app, action, laptop_stays):
    make_user(app)
    laptop = browser(app, remember=True)
    phone = browser(app, remember=True, agent=SAFARI_IPHONE)
    phone_copy = app.test_client()
    copy_cookie(phone, phone_copy, "remember_token")
    cli = api_client(app)
    assert len(records(app)) == 3
    action(app, laptop)
    assert not signed_in(phone)
    assert not signed_in(phone_copy)
    assert cli.call("GET", "/me").status_code == 401
    refresh = cli.call("POST", "/auth/refresh", {"refresh_token": cli.refresh_token})
    assert refresh.status_code == 401
    assert signed_in(laptop) is laptop_stays
    # Only the browser that changed the password keeps a (new) record.
    remaining = records(app)
    assert len(remaining) == (1 if laptop_stays else 0)
    if laptop_stays:
        assert remaining[0].remember, "the new session keeps 'keep me signed in'"


# --- the API: one record per sign-in ---------------------------------------------------


def test_api_logout_ends_the_session_and_its_access_token_at_once(app):
    make_user(app)
    cli = api_client(app)
    assert cli.call("GET", "/me").status_code == 200
    assert cli.call("POST", "/auth/logout", {"refresh_token": cli.refresh_token}).status_code == 204
    assert cli.call("GET", "/me").status_code == 401
    assert records(app) == []


def test_refresh_keeps_the_session_and_reuse_ends_it(app):
    make_user(app)
    cli = api_client(app)
    (first,) = sessions_of(cli)
    stolen = cli.refresh_token
    pair = cli.call("POST", "/auth/refresh", {"refresh_token": stolen}).get_json()
    cli.access_token, cli.refresh_token = pair["access_token"], pair["refresh_token"]
    (again,) = sessions_of(cli)
    assert again["id"] == first["id"]
    reuse = cli.call("POST", "/auth/refresh", {"refresh_token": stolen})
    assert reuse.status_code == 401
    assert cli.call("GET", "/me").status_code == 401
    assert records(app) == []


def test_an_access_token_without_a_session_is_refused(app):
    from tests.test_api_auth import _claims, _token

    user_id = make_user(app)
    cli = Api(app.test_client())
    cli.access_token = _token(app, _claims(user_id))
    response = cli.call("GET", "/me")
    assert response.status_code == 401
    assert "Sign in again" in response.get_json()["error"]["message"]


def test_an_old_refresh_token_gets_a_session_at_its_next_rotation(app):
    from app.accounts.tokens import hash_token

    user_id = make_user(app)
    with app.app_context():
        db.session.add(
            RefreshToken(
                user_id=user_id,
                token_hash=hash_token("old-token"),
                family_id="f" * 36,
                expires_at=utcnow() + timedelta(days=1),
            )
        )
        db.session.commit()
    cli = Api(app.test_client())
    response = cli.call("POST", "/auth/refresh", {"refresh_token": "old-token"})
    assert response.status_code == 200
    cli.access_token = response.get_json()["access_token"]
    (item,) = sessions_of(cli)
    assert item["kind"] == "api" and item["current"]
    with app.app_context():
        tokens = db.session.scalars(select(RefreshToken)).all()
        assert {t.session_id for t in tokens} == {item["id"]}


def test_an_authenticated_api_read_costs_one_query(app):
    make_user(app)
    cli = api_client(app)
    with counting(app) as statements:
        assert cli.call("GET", "/me").status_code == 200
    # The user and the session come together; no second lookup, no write.
    assert len(statements) == 1, statements


# --- listing and ending one session ----------------------------------------------------


def test_me_sessions_lists_browsers_and_api_sign_ins_newest_first(app):
    make_user(app)
    browser(app)
    cli = api_client(app)
    items = sessions_of(cli)
    assert [(i["kind"], i["current"]) for i in items] == [("api", True), ("browser", False)]
    assert items[0]["user_agent"] == "devthread-cli/1.0"
    assert items[1]["user_agent"] == FIREFOX
    assert set(items[0]) == {"id", "kind", "created_at", "last_seen_at", "user_agent", "current"}


def test_deleting_a_browser_session_signs_that_browser_out(app):
    make_user(app)
    laptop = browser(app, remember=True)
    cli = api_client(app)
    (laptop_session,) = [i for i in sessions_of(cli) if i["kind"] == "browser"]
    assert cli.call("DELETE", f"/me/sessions/{laptop_session['id']}").status_code == 204
    assert not signed_in(laptop)
    assert cli.call("GET", "/me").status_code == 200


def test_deleting_an_api_session_ends_its_tokens_at_once(app):
    make_user(app)
    phone = api_client(app)
    cli = api_client(app)
    (phone_session,) = [i for i in sessions_of(cli) if not i["current"]]
    assert cli.call("DELETE", f"/me/sessions/{phone_session['id']}").status_code == 204
    assert phone.call("GET", "/me").status_code == 401
    refresh = phone.call("POST", "/auth/refresh", {"refresh_token": phone.refresh_token})
    assert refresh.status_code == 401
    assert [i["current"] for i in sessions_of(cli)] == [True]


def test_another_persons_session_is_404_and_survives(app):
    make_user(app)
    make_user(app, "bob")
    alice, bob = api_client(app), api_client(app, "bob")
    (bobs,) = sessions_of(bob)
    response = alice.call("DELETE", f"/me/sessions/{bobs['id']}")
    assert response.status_code == 404
    assert set(response.get_json()) == {"error"}
    assert response.get_json()["error"]["code"] == "not_found"
    assert bob.call("GET", "/me").status_code == 200
    assert alice.call("DELETE", "/me/sessions/99999999999").status_code == 404


def test_sessions_routes_need_a_token(anon):
    assert anon.call("GET", "/me/sessions").status_code == 401
    response = anon.call("DELETE", "/me/sessions/1")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


# --- the settings page -----------------------------------------------------------------


def _session_rows(page: str) -> list[str]:
    section = page.split('id="signed-in"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<li\b.*?</li>", section, re.S)


def test_settings_list_browsers_and_api_sign_ins(app):
    make_user(app)
    browser(app, agent=SAFARI_IPHONE)
    api_client(app)
    laptop = browser(app)
    page = laptop.get("/settings").get_data(as_text=True)
    assert "Where you&#8217;re signed in" in page  # pages are ASCII (app/asciihtml.py)
    rows = _session_rows(page)
    assert len(rows) == 3
    assert "Firefox on Linux" in rows[0] and "This browser" in rows[0]
    assert "devthread-cli/1.0" in rows[1] and "App or API" in rows[1]
    assert "Safari on iOS" in rows[2] and "This browser" not in rows[2]
    for row in rows:
        assert "Sign out" in row and 'name="csrf_token"' in row
    # Never the raw user agent unescaped, never a key.
    for record in records(app):
        assert record.key_hash is None or record.key_hash not in page


def test_settings_sign_out_one_browser_without_javascript(app):
    make_user(app)
    phone = browser(app, agent=SAFARI_IPHONE)
    laptop = browser(app)
    phone_id = next(r.id for r in records(app) if "iPhone" in r.user_agent)
    token = csrf_token(laptop, "/settings")
    response = laptop.post(f"/settings/sessions/{phone_id}/sign-out", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/settings"
    assert not signed_in(phone)
    assert signed_in(laptop)
    assert "Safari on iOS" not in laptop.get("/settings").get_data(as_text=True)


def test_settings_sign_out_one_session_with_htmx_swaps_the_list(app):
    make_user(app)
    cli = api_client(app)
    laptop = browser(app)
    api_id = next(r.id for r in records(app) if r.kind == "api")
    token = csrf_token(laptop, "/settings")
    response = laptop.post(
        f"/settings/sessions/{api_id}/sign-out", data={"csrf_token": token}, headers=HTMX
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="signed-in-list"')
    assert "<html" not in fragment
    assert "devthread-cli" not in fragment and "This browser" in fragment
    assert cli.call("GET", "/me").status_code == 401


def test_settings_sign_out_needs_csrf_and_ones_own_session(app):
    make_user(app)
    make_user(app, "bob")
    bob = browser(app, "bob")
    laptop = browser(app)
    bobs = next(r.id for r in records(app, "bob"))
    assert laptop.post(f"/settings/sessions/{bobs}/sign-out").status_code == 400
    token = csrf_token(laptop, "/settings")
    response = laptop.post(f"/settings/sessions/{bobs}/sign-out", data={"csrf_token": token})
    assert response.status_code == 404
    assert signed_in(bob)


def test_signing_out_this_browser_from_the_list_is_a_logout(app):
    make_user(app)
    laptop = browser(app)
    (mine,) = records(app)
    token = csrf_token(laptop, "/settings")
    response = laptop.post(f"/settings/sessions/{mine.id}/sign-out", data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert not signed_in(laptop)


# --- cookie flags from one setting -----------------------------------------------------


def test_one_setting_makes_every_cookie_secure(other_app):
    from flask_migrate import upgrade

    secure = other_app(SESSION_COOKIE_SECURE=True)
    with secure.app_context():
        upgrade()
    make_user(secure)
    client = secure.test_client()
    page = client.get("/login", base_url="https://localhost").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        data={"login": "alice", "password": PASSWORD, "remember": "y", "csrf_token": token},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/login"},
    )
    cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
    assert set(cookies) >= {"session", "remember_token"}
    for name, header in cookies.items():
        flags = [part.strip().lower() for part in header.split(";")]
        assert "secure" in flags, name
        assert "httponly" in flags, name
        assert "samesite=lax" in flags, name


def test_remember_flags_follow_the_session_settings(tmp_path):
    from app import config as config_module

    config = {
        "SECRET_KEY": "k" * 40,
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_SAMESITE": "Strict",
        "SESSION_COOKIE_HTTPONLY": True,
    }
    config_module.finalize(config, str(tmp_path))
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SAMESITE"] == "Strict"
    assert config["REMEMBER_COOKIE_HTTPONLY"] is True


def test_a_password_change_by_htmx_reloads_the_page_with_the_new_sessions_token(app):
    make_user(app)
    laptop = browser(app)
    before = csrf_token(laptop, "/settings")
    data = {
        "current_password": PASSWORD,
        "new_password": "a much newer passphrase",
        "csrf_token": before,
    }
    response = laptop.post("/settings/password", data=data, headers=HTMX)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/settings"
    # The page's old token belonged to the ended session; the reloaded page has a new one.
    page = laptop.get("/settings").get_data(as_text=True)
    assert "Password changed." in page
    assert before not in page
