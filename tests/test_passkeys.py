"""Passkeys through the API, with the software authenticator of tests/webauthn_soft.py:
registration, listing, renaming, removal, sign-in, single-use challenges, signature counters."""

from __future__ import annotations

import re

from sqlalchemy import func, select, update

from app.accounts.models import AuthChallenge, Passkey, UserSession
from app.extensions import db
from tests.conftest import Api, api_as, csrf_token, make_user
from tests.webauthn_soft import SoftAuthenticator


def register(client: Api, key: SoftAuthenticator, name: str = "Laptop"):
    options = client.call("POST", "/me/passkeys/options")
    assert options.status_code == 200, options.get_json()
    credential = key.register(options.get_json())
    return client.call("POST", "/me/passkeys", {"name": name, "credential": credential})


def sign_in(app, key: SoftAuthenticator, **kwargs):
    anon = Api(app.test_client())
    options = anon.call("POST", "/auth/passkey/options")
    assert options.status_code == 200
    return anon.call(
        "POST", "/auth/passkey", {"credential": key.sign(options.get_json(), **kwargs)}
    )


def test_register_list_rename_and_remove_passkeys(app):
    alice = api_as(app, "alice")
    laptop, phone = SoftAuthenticator(), SoftAuthenticator()
    options = alice.call("POST", "/me/passkeys/options").get_json()
    assert options["rp"] == {"name": "DevThread", "id": "localhost"}
    assert options["authenticatorSelection"]["residentKey"] == "required"
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert "alice" not in options["user"]["id"]  # a random handle, nothing personal
    first = register(alice, laptop, "Work laptop")
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["name"] == "Work laptop" and first.get_json()["last_used_at"] is None
    assert register(alice, phone, "Phone").status_code == 201
    # The second registration excludes the first key, and both share one user handle.
    options = alice.call("POST", "/me/passkeys/options").get_json()
    assert {c["id"] for c in options["excludeCredentials"]} == {laptop.id, phone.id}
    assert laptop.user_handle == phone.user_handle
    listed = alice.call("GET", "/me/passkeys").get_json()
    assert [k["name"] for k in listed["items"]] == ["Phone", "Work laptop"]
    passkey_id = first.get_json()["id"]
    renamed = alice.call("PATCH", f"/me/passkeys/{passkey_id}", {"name": "Old laptop"})
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Old laptop"
    bob = api_as(app, "bob")
    assert bob.call("DELETE", f"/me/passkeys/{passkey_id}").status_code == 404
    assert bob.call("PATCH", f"/me/passkeys/{passkey_id}", {"name": "Mine"}).status_code == 404
    assert alice.call("DELETE", f"/me/passkeys/{passkey_id}").status_code == 204
    assert sign_in(app, laptop).status_code == 401  # removed: it signs in no more
    assert sign_in(app, phone).status_code == 200


def test_the_same_key_twice_is_a_conflict(app):
    alice = api_as(app, "alice")
    key = SoftAuthenticator()
    assert register(alice, key).status_code == 201
    again = register(alice, key)
    assert again.status_code == 409


def test_a_registration_answer_must_match_our_challenge_and_origin(app):
    alice, bob = api_as(app, "alice"), api_as(app, "bob")
    key = SoftAuthenticator()
    # A challenge made for bob is no use to alice.
    bobs = bob.call("POST", "/me/passkeys/options").get_json()
    refused = alice.call("POST", "/me/passkeys", {"name": "K", "credential": key.register(bobs)})
    assert refused.status_code == 422 and "credential" in refused.get_json()["error"]["fields"]
    # Another origin (a phishing site) is refused, and the challenge is spent by the try.
    options = alice.call("POST", "/me/passkeys/options").get_json()
    phished = key.register(options, origin="https://evil.example")
    assert (
        alice.call("POST", "/me/passkeys", {"name": "K", "credential": phished}).status_code == 422
    )
    honest = key.register(options)
    assert (
        alice.call("POST", "/me/passkeys", {"name": "K", "credential": honest}).status_code == 422
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Passkey)) == 0


def test_sign_in_with_a_passkey_counts_as_both_factors(app):
    alice = api_as(app, "alice")
    # Two-factor sign-in on: a passkey still signs in alone.
    import pyotp

    secret = alice.call("POST", "/me/2fa/totp").get_json()["secret"]
    alice.call("POST", "/me/2fa/totp/confirm", {"code": pyotp.TOTP(secret).now()})
    key = SoftAuthenticator()
    assert register(alice, key).status_code == 201
    before = _sessions(app)
    response = sign_in(app, key)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["user"]["username"] == "alice" and body["access_token"]
    assert _sessions(app) == before + 1
    listed = alice.call("GET", "/me/passkeys").get_json()["items"]
    assert listed[0]["last_used_at"] is not None


def test_a_challenge_answers_once(app):
    api_as(app, "alice")
    alice = api_as(app, "alice2")
    key = SoftAuthenticator()
    register(alice, key)
    anon = Api(app.test_client())
    options = anon.call("POST", "/auth/passkey/options").get_json()
    assertion = key.sign(options)
    assert anon.call("POST", "/auth/passkey", {"credential": assertion}).status_code == 200
    replay = anon.call("POST", "/auth/passkey", {"credential": assertion})
    assert replay.status_code == 401
    assert "not accepted" in replay.get_json()["error"]["message"]


def test_a_signature_counter_that_goes_back_is_refused(app):
    alice = api_as(app, "alice")
    key = SoftAuthenticator()
    register(alice, key)
    assert sign_in(app, key).status_code == 200  # counter 1
    assert sign_in(app, key, count=5).status_code == 200
    # A clone of the key would answer with a counter the server has already seen.
    assert sign_in(app, key, count=5).status_code == 401
    assert sign_in(app, key, count=3).status_code == 401
    with app.app_context():
        assert db.session.scalar(select(Passkey.sign_count)) == 5
    assert sign_in(app, key, count=6).status_code == 200


def test_passkey_sign_in_refuses_forgeries(app):
    alice = api_as(app, "alice")
    key = SoftAuthenticator()
    register(alice, key)
    stranger = SoftAuthenticator()
    stranger.credential_id, stranger.user_handle = key.credential_id, key.user_handle
    assert sign_in(app, stranger).status_code == 401  # same id, wrong private key
    assert sign_in(app, key, origin="https://evil.example").status_code == 401
    assert sign_in(app, key, flags=0x01).status_code == 401  # user not verified
    expired = Api(app.test_client())
    options = expired.call("POST", "/auth/passkey/options").get_json()
    with app.app_context():
        db.session.execute(update(AuthChallenge).values(expires_at=AuthChallenge.created_at))
        db.session.commit()
    late = expired.call("POST", "/auth/passkey", {"credential": key.sign(options)})
    assert late.status_code == 401
    assert sign_in(app, key).status_code == 200


def test_a_suspended_account_cannot_sign_in_with_a_passkey(app):
    alice = api_as(app, "alice")
    key = SoftAuthenticator()
    register(alice, key)
    with app.test_request_context():
        from app.accounts import queries, services

        services.set_suspended(user=queries.find_by_username("alice"), suspended=True)
    assert sign_in(app, key).status_code == 403


def test_passkey_sign_in_on_the_page_form(app):
    alice = api_as(app, "alice")
    key = SoftAuthenticator()
    register(alice, key)
    client = app.test_client()
    token = csrf_token(client)
    options = client.post("/login/passkey/options", headers={"X-CSRFToken": token})
    assert options.status_code == 200
    import json

    credential = json.dumps(key.sign(options.get_json()))
    done = client.post(
        "/login/passkey", data={"credential": credential, "remember": "y", "csrf_token": token}
    )
    assert done.status_code == 303
    assert client.get("/settings").status_code == 200
    assert client.get_cookie("remember_token") is not None
    other = app.test_client()
    bad = other.post(
        "/login/passkey", data={"credential": "{not json", "csrf_token": csrf_token(other)}
    )
    assert bad.status_code in (401, 422) and "not accepted" in bad.get_data(as_text=True)


def test_settings_page_lists_and_removes_passkeys(app, auth):
    make_user(app, "alice")
    auth.login()
    client = auth.client
    token = csrf_token(client, "/settings")
    options = client.post("/settings/passkeys/options", headers={"X-CSRFToken": token})
    key = SoftAuthenticator()
    import json

    added = client.post(
        "/settings/passkeys",
        data={
            "name": "Desk key",
            "credential": json.dumps(key.register(options.get_json())),
            "csrf_token": token,
        },
    )
    assert added.status_code == 303
    page = client.get("/settings").get_data(as_text=True)
    assert "Desk key" in page and "never used" in page
    passkey_id = re.search(r"/settings/passkeys/(\d+)/delete", page).group(1)
    removed = client.post(f"/settings/passkeys/{passkey_id}/delete", data={"csrf_token": token})
    assert removed.status_code == 303
    assert "Desk key" not in client.get("/settings").get_data(as_text=True)


def _sessions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(UserSession))
