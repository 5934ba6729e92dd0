"""The API's account routes, with their bad inputs."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import jwt
import pytest

from tests.conftest import PASSWORD, make_user

REGISTER = {"username": "alice", "email": "alice@example.com", "password": PASSWORD}


def error_of(response) -> dict:
    body = response.get_json()
    assert set(body) == {"error"}, body
    return body["error"]


def test_register_returns_user_and_tokens(api):
    response = api.call("POST", "/auth/register", REGISTER)
    assert response.status_code == 201
    body = response.get_json()
    assert body["user"]["username"] == "alice"
    assert body["user"]["email"] == "alice@example.com"
    assert body["user"]["role"] == "user"
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60
    assert body["access_token"] and body["refresh_token"]


def test_me_with_the_access_token(api):
    make_user(api.client.application)
    api.login()
    response = api.call("GET", "/me")
    assert response.status_code == 200
    assert response.get_json()["username"] == "alice"
    assert response.get_json()["created_at"].endswith("Z")


def test_login_with_email_in_other_case(api):
    make_user(api.client.application)
    response = api.call("POST", "/auth/login", {"login": "ALICE@Example.com", "password": PASSWORD})
    assert response.status_code == 200


def test_patch_me_changes_profile(api):
    make_user(api.client.application)
    api.login()
    response = api.call(
        "PATCH", "/me", {"display_name": "Alice A.", "bio": "Rust and tea", "website": "alice.dev"}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["display_name"] == "Alice A."
    assert body["website"] == "https://alice.dev"
    assert api.call("GET", "/me").get_json()["bio"] == "Rust and tea"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"display_name": "x" * 51}, "display_name"),
        ({"bio": "b" * 501}, "bio"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"website": "http://["}, "website"),
        ({"website": "https://[::1"}, "website"),
        ({"website": "http://]"}, "website"),
        ({"website": "http://a]b.example"}, "website"),
        ({"website": "["}, "website"),
        ({"website": "http://example.com:99999"}, "website"),
        ({"website": "http://example.com:abc"}, "website"),
        ({"website": "https://example.com\\@evil.example"}, "website"),
        ({"dm_policy": "nobody"}, "dm_policy"),
        ({"display_name": 5}, "display_name"),
        ({"role": "admin"}, "role"),
    ],
)
def test_patch_me_rejects_bad_fields_and_changes_nothing(api, payload, field):
    make_user(api.client.application)
    api.login()
    response = api.call("PATCH", "/me", {"bio": "kept?", **payload})
    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    me = api.call("GET", "/me").get_json()
    assert me["bio"] == "" and me["role"] == "user"


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b'["alice", "x"]', "application/json"),
        (b'"just a string"', "application/json"),
        (b"\xff\xfe", "application/json"),
    ],
)
def test_unreadable_bodies_are_400(client, raw, content_type):
    response = client.post("/api/v1/auth/register", data=raw, content_type=content_type)
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def _nested(depth: int, leaf: str = "1") -> bytes:
    """A JSON body nested ``depth`` deep: arrays inside an object that holds the login fields."""
    inner = "[" * (depth - 1) + leaf + "]" * (depth - 1)
    return ('{"login": "alice", "password": "x", "extra": ' + inner + "}").encode()


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/register"])
@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 1000 + b"]" * 1000,
        b'{"a":' * 1000 + b"1" + b"}" * 1000,
        b"[" * 100_000,
        _nested(1000),
        _nested(33),
    ],
    ids=["arrays-1000", "objects-1000", "open-100000", "in-a-body-1000", "in-a-body-33"],
)
def test_deeply_nested_bodies_are_400(client, path, raw):
    response = client.post(path, data=raw, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "bad_request"


def test_nesting_up_to_the_cap_is_read(client):
    # 32 levels are read (then refused for the unknown field, as any other body would be).
    response = client.post(
        "/api/v1/auth/register", data=_nested(32), content_type="application/json"
    )
    assert response.status_code == 422
    # Brackets inside strings are text, not nesting.
    text = json.dumps({"username": "[" * 5000, "email": "a@example.com", "password": PASSWORD})
    response = client.post("/api/v1/auth/register", data=text, content_type="application/json")
    assert response.status_code == 422
    assert "username" in error_of(response)["fields"]


def test_deep_nesting_on_an_authenticated_route_is_400(api):
    api.call("POST", "/auth/register", REGISTER)
    api.login()
    response = api.client.patch(
        "/api/v1/me",
        data=b'{"bio":' + b"[" * 5000 + b"]" * 5000 + b"}",
        content_type="application/json",
        headers=api.headers(),
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "a@example.com", "password": PASSWORD}, "username"),
        ({"username": "alice", "password": PASSWORD}, "email"),
        ({"username": "alice", "email": "a@example.com"}, "password"),
        ({**REGISTER, "username": "a" * 31}, "username"),
        ({**REGISTER, "username": "al"}, "username"),
        ({**REGISTER, "username": "al ice"}, "username"),
        ({**REGISTER, "username": "<b>x</b>"}, "username"),
        ({**REGISTER, "email": "not-an-email"}, "email"),
        ({**REGISTER, "email": "a" * 250 + "@example.com"}, "email"),
        ({**REGISTER, "password": "short"}, "password"),
        ({**REGISTER, "password": "p" * 2000}, "password"),
        ({**REGISTER, "username": 12345}, "username"),
        ({**REGISTER, "username": "ali\x00ce"}, "username"),
        ({**REGISTER, "admin": True}, "admin"),
    ],
)
def test_register_validation_errors(api, payload, field):
    response = api.call("POST", "/auth/register", payload)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert (
        api.call("POST", "/auth/login", {"login": "alice", "password": PASSWORD}).status_code == 401
    )


def test_username_taken_in_other_case_is_409(api):
    assert api.call("POST", "/auth/register", REGISTER).status_code == 201
    response = api.call(
        "POST", "/auth/register", {**REGISTER, "username": "ALICE", "email": "other@example.com"}
    )
    assert response.status_code == 409
    assert error_of(response)["fields"]["username"]


def test_email_taken_in_other_case_is_409(api):
    assert api.call("POST", "/auth/register", REGISTER).status_code == 201
    response = api.call(
        "POST", "/auth/register", {**REGISTER, "username": "bob", "email": "Alice@EXAMPLE.com"}
    )
    assert response.status_code == 409
    assert "email" in error_of(response)["fields"]


def test_wrong_password_and_unknown_user_look_the_same(api):
    make_user(api.client.application)
    wrong = api.call("POST", "/auth/login", {"login": "alice", "password": "not the password"})
    unknown = api.call("POST", "/auth/login", {"login": "nobody", "password": PASSWORD})
    assert wrong.status_code == unknown.status_code == 401
    assert error_of(wrong) == error_of(unknown)


def test_suspended_user_cannot_log_in(api):
    make_user(api.client.application, suspended=True)
    response = api.call("POST", "/auth/login", {"login": "alice", "password": PASSWORD})
    assert response.status_code == 403


def test_protected_route_without_token_is_401(api):
    response = api.call("GET", "/me")
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


def _token(app, claims: dict, key: str | None = None) -> str:
    return jwt.encode(claims, key or app.config["SECRET_KEY"], algorithm="HS256")


def _claims(user_id: int, **changes) -> dict:
    from app.timeutil import utcnow

    now = utcnow()
    claims = {
        "sub": str(user_id),
        "ver": 1,
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": "x",
        "typ": "access",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def test_expired_token_is_401(api):
    from app.timeutil import utcnow

    user_id = make_user(api.client.application)
    api.access_token = _token(
        api.client.application, _claims(user_id, exp=utcnow() - timedelta(seconds=1))
    )
    response = api.call("GET", "/me")
    assert response.status_code == 401
    assert "expired" in error_of(response)["message"]


def test_forged_token_is_401(api):
    user_id = make_user(api.client.application)
    api.access_token = _token(api.client.application, _claims(user_id), key="x" * 40)
    assert api.call("GET", "/me").status_code == 401


def test_alg_none_token_is_401(api):
    user_id = make_user(api.client.application)

    def b64(data: dict) -> str:
        raw = json.dumps(data, default=str).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    claims = _claims(user_id)
    claims["iat"] = int(claims["iat"].timestamp())
    claims["exp"] = int(claims["exp"].timestamp())
    api.access_token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    assert api.call("GET", "/me").status_code == 401


@pytest.mark.parametrize("missing", ["exp", "sub", "jti", "iat"])
def test_token_missing_a_required_claim_is_401(api, missing):
    user_id = make_user(api.client.application)
    api.access_token = _token(api.client.application, _claims(user_id, **{missing: None}))
    assert api.call("GET", "/me").status_code == 401


@pytest.mark.parametrize("header", ["Token abc", "Bearer", "Basic dXNlcjpwYXNz", "Bearer  "])
def test_malformed_authorization_header_is_401(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header})
    assert response.status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_family(api):
    make_user(api.client.application)
    api.login()
    first = api.refresh_token
    rotated = api.call("POST", "/auth/refresh", {"refresh_token": first})
    assert rotated.status_code == 200
    second = rotated.get_json()["refresh_token"]
    assert second != first

    # The first token was used: presenting it again is reuse, and the whole family dies.
    reuse = api.call("POST", "/auth/refresh", {"refresh_token": first})
    assert reuse.status_code == 401
    assert api.call("POST", "/auth/refresh", {"refresh_token": second}).status_code == 401


def test_other_families_survive_a_reuse(api):
    make_user(api.client.application)
    api.login()
    other_session = api.refresh_token
    api.login()
    stolen = api.refresh_token
    api.call("POST", "/auth/refresh", {"refresh_token": stolen})
    api.call("POST", "/auth/refresh", {"refresh_token": stolen})
    # The access token in hand belonged to the sign-in the reuse ended: send none (as the SPA).
    api.access_token = None
    assert api.call("POST", "/auth/refresh", {"refresh_token": other_session}).status_code == 200


def test_unknown_and_expired_refresh_tokens_are_401(api, app):
    make_user(app)
    api.login()
    assert api.call("POST", "/auth/refresh", {"refresh_token": "nope"}).status_code == 401
    from app.accounts.models import RefreshToken
    from app.extensions import db
    from app.timeutil import utcnow

    with app.app_context():
        for row in db.session.query(RefreshToken):
            row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert (
        api.call("POST", "/auth/refresh", {"refresh_token": api.refresh_token}).status_code == 401
    )


def test_logout_revokes_the_family(api):
    make_user(api.client.application)
    api.login()
    refresh = api.refresh_token
    assert api.call("POST", "/auth/logout", {"refresh_token": refresh}).status_code == 204
    assert api.call("POST", "/auth/refresh", {"refresh_token": refresh}).status_code == 401


def test_logout_with_unknown_token_is_401(api):
    assert api.call("POST", "/auth/logout", {"refresh_token": "nope"}).status_code == 401


def test_refresh_with_wrong_shape_is_422(api):
    response = api.call("POST", "/auth/refresh", {"refresh_token": ["a"]})
    assert response.status_code == 422


def test_login_attempts_are_limited_per_account(api, app, monkeypatch):
    make_user(app)
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per minute")
    for _ in range(3):
        response = api.call("POST", "/auth/login", {"login": "alice", "password": "wrong-wrong"})
        assert response.status_code == 401
    limited = api.call("POST", "/auth/login", {"login": "alice", "password": PASSWORD})
    assert limited.status_code == 429
    assert error_of(limited)["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    # Another account from the same address is not locked out.
    make_user(app, "bob")
    assert (
        api.call("POST", "/auth/login", {"login": "bob", "password": PASSWORD}).status_code == 200
    )


def test_login_attempts_are_limited_per_ip(api, app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "2 per minute")
    for name in ("a1x", "b2x"):
        api.call("POST", "/auth/login", {"login": name, "password": "whatever-pass"})
    response = api.call("POST", "/auth/login", {"login": "c3x", "password": "whatever-pass"})
    assert response.status_code == 429
    assert response.headers.get("Retry-After")


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_wrong_method_is_json_405(client):
    response = client.get("/api/v1/auth/login")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


def test_a_suspended_accounts_token_is_refused_with_403(api, app):
    from app.accounts.models import User
    from app.extensions import db

    make_user(app)
    api.login()
    with app.app_context():
        db.session.query(User).filter_by(username="alice").one().suspended = True
        db.session.commit()
    response = api.call("GET", "/me")
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
