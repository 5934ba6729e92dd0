"""Two-factor sign-in with an authenticator app: set-up, codes at sign-in (pages and API),
recovery codes, replay, lockout, and every way an mfa_token can be wrong."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select, update

from app.accounts.models import AuthChallenge, RecoveryCode, TotpCredential, UserSession
from app.extensions import db
from app.timeutil import utcnow
from tests.conftest import PASSWORD, Api, api_as, csrf_token, make_user


def code_at(secret: str, offset_steps: int = 0) -> str:
    """Return the app's code for now (or a neighbouring 30-second step)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


def enable_totp(client: Api) -> tuple[str, list[str]]:
    """Turn TOTP on through the API; return the secret and the recovery codes."""
    setup = client.call("POST", "/me/2fa/totp")
    assert setup.status_code == 200, setup.get_json()
    secret = setup.get_json()["secret"]
    confirmed = client.call("POST", "/me/2fa/totp/confirm", {"code": code_at(secret)})
    assert confirmed.status_code == 200, confirmed.get_json()
    return secret, confirmed.get_json()["recovery_codes"]


def login_step(app, login: str = "alice", password: str = PASSWORD):
    """Send the password through the API; return the response."""
    return Api(app.test_client()).call(
        "POST", "/auth/login", {"login": login, "password": password}
    )


def mfa_token(app, login: str = "alice") -> str:
    response = login_step(app, login)
    assert response.status_code == 401, response.get_json()
    body = response.get_json()
    assert body["error"]["code"] == "mfa_required"
    return body["mfa_token"]


def finish(app, token: str, code: str):
    return Api(app.test_client()).call(
        "POST", "/auth/login/2fa", {"mfa_token": token, "code": code}
    )


def count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def user_id(app, username: str = "alice") -> int:
    from app.accounts.queries import find_by_username

    with app.test_request_context():
        return find_by_username(username).id


# --- Setting up ------------------------------------------------------------------------------


def test_totp_is_off_until_a_code_confirms_it(app):
    alice = api_as(app, "alice")
    assert alice.call("GET", "/me").get_json()["two_factor"] is False
    setup = alice.call("POST", "/me/2fa/totp").get_json()
    assert setup["otpauth_uri"].startswith("otpauth://totp/DevThread:alice?secret=")
    assert setup["secret"] in setup["otpauth_uri"]
    # Pending: the password alone still signs in.
    assert login_step(app).status_code == 200
    wrong = alice.call("POST", "/me/2fa/totp/confirm", {"code": "000000"})
    if wrong.status_code == 200:  # one chance in a million that it is the code
        pytest.skip("000000 happened to be the code")
    assert wrong.status_code == 422 and "code" in wrong.get_json()["error"]["fields"]
    confirmed = alice.call("POST", "/me/2fa/totp/confirm", {"code": code_at(setup["secret"])})
    codes = confirmed.get_json()["recovery_codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-7]{4}(-[a-z2-7]{4}){3}", c) for c in codes)
    assert alice.call("GET", "/me").get_json()["two_factor"] is True
    # Once on, a second set-up is refused: turning it off comes first.
    assert alice.call("POST", "/me/2fa/totp").status_code == 409


def test_the_secret_and_recovery_codes_are_not_stored_in_clear(app):
    alice = api_as(app, "alice")
    secret, codes = enable_totp(alice)
    with app.app_context():
        row = db.session.get(TotpCredential, user_id(app))
        stored = [r.code_hash for r in db.session.scalars(select(RecoveryCode))]
    assert secret not in row.secret and row.secret.startswith("v1:")
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & set(stored)


def test_a_secret_copied_to_another_account_does_not_open(app):
    from app.accounts import secretbox

    with app.app_context():
        sealed = secretbox.seal("JBSWY3DPEHPK3PXP", purpose="totp-secret", owner=1)
        assert secretbox.open_sealed(sealed, purpose="totp-secret", owner=1) == "JBSWY3DPEHPK3PXP"
        with pytest.raises(secretbox.CannotOpen):
            secretbox.open_sealed(sealed, purpose="totp-secret", owner=2)


# --- Signing in through the API --------------------------------------------------------------


def test_api_sign_in_asks_for_a_code_and_records_the_sign_in_only_after_it(app):
    alice = api_as(app, "alice")
    secret, _codes = enable_totp(alice)
    before = count(app, UserSession)
    token = mfa_token(app)
    assert count(app, UserSession) == before  # no sign-in record for a password alone
    # The code that confirmed the set-up is spent: the next step's code (the clock's drift).
    response = finish(app, token, code_at(secret, 1))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["user"]["two_factor"] is True and body["access_token"] and body["refresh_token"]
    assert count(app, UserSession) == before + 1
    tokens = Api(app.test_client())
    tokens.access_token = body["access_token"]
    assert tokens.call("GET", "/me").status_code == 200
    # The pending sign-in is spent.
    assert finish(app, token, code_at(secret, 1)).status_code == 401


def test_a_code_is_accepted_once(app):
    alice = api_as(app, "alice")
    secret, _codes = enable_totp(alice)
    # The code that confirmed the set-up is already spent; wait for a fresh one if needed.
    code = code_at(secret, 1)
    assert finish(app, mfa_token(app), code).status_code == 200
    replay = finish(app, mfa_token(app), code)
    assert replay.status_code == 422
    assert "already used" in replay.get_json()["error"]["fields"]["code"][0]


def test_a_recovery_code_signs_in_once(app):
    alice = api_as(app, "alice")
    _secret, codes = enable_totp(alice)
    assert finish(app, mfa_token(app), codes[0].upper()).status_code == 200
    assert finish(app, mfa_token(app), codes[0]).status_code == 422
    assert finish(app, mfa_token(app), codes[1].replace("-", " ")).status_code == 200
    with app.app_context():
        from app.accounts import mfa, queries

        assert mfa.recovery_codes_left(queries.get_user(user_id(app))) == 8


def test_five_wrong_codes_lock_two_factor_sign_in(app, monkeypatch):
    monkeypatch.setitem(app.config, "MFA_LOCKOUT_SECONDS", 600)
    alice = api_as(app, "alice")
    secret, codes = enable_totp(alice)
    token = mfa_token(app)
    right = code_at(secret, 1)
    wrong = next(c for c in ("111111", "222222", "333333") if c not in (right, code_at(secret)))
    for _attempt in range(5):
        assert finish(app, token, wrong).status_code == 422
    locked = finish(app, token, right)
    assert locked.status_code == 429
    assert locked.get_json()["error"]["code"] == "rate_limited"
    assert 500 < int(locked.headers["Retry-After"]) <= 600
    # Recovery codes wait too, and the pages share the lock.
    assert finish(app, mfa_token(app), codes[0]).status_code == 429
    client = app.test_client()
    client.post(
        "/login", data={"login": "alice", "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    page = client.post(
        "/login/2fa", data={"code": right, "csrf_token": csrf_token(client, "/login/2fa")}
    )
    assert page.status_code == 429 and "Too many wrong codes" in page.get_data(as_text=True)
    # When the lock ends, the right code works again (and the failures start from zero).
    with app.app_context():
        db.session.execute(update(TotpCredential).values(locked_until=None))
        db.session.commit()
    assert finish(app, mfa_token(app), right).status_code == 200


def test_mfa_required_answers_do_not_use_up_the_failed_sign_in_budget(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "3 per 5 minutes")
    alice = api_as(app, "alice")
    enable_totp(alice)
    for _attempt in range(5):
        assert login_step(app).status_code == 401


@pytest.mark.parametrize("kind", ["forged", "expired", "spent", "empty"])
def test_a_bad_mfa_token_is_401_and_changes_nothing(app, kind):
    alice = api_as(app, "alice")
    secret, _codes = enable_totp(alice)
    token = mfa_token(app)
    if kind == "forged":
        token = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    elif kind == "expired":
        with app.app_context():
            db.session.execute(
                update(AuthChallenge).values(expires_at=utcnow() - timedelta(seconds=1))
            )
            db.session.commit()
    elif kind == "spent":
        assert finish(app, token, code_at(secret, 1)).status_code == 200
    elif kind == "empty":
        token = ""
    before = count(app, UserSession)
    response = finish(app, token, code_at(secret, 1))
    assert response.status_code in (401, 422) if kind == "empty" else response.status_code == 401
    assert response.get_json()["error"]["message"]
    assert count(app, UserSession) == before


def test_another_accounts_code_does_not_finish_a_sign_in(app):
    alice, bob = api_as(app, "alice"), api_as(app, "bob")
    alice_secret, _codes = enable_totp(alice)
    bob_secret, bob_codes = enable_totp(bob)
    token = mfa_token(app, "alice")
    for code in (code_at(bob_secret, 1), bob_codes[0]):
        if code == code_at(alice_secret, 1):
            continue
        assert finish(app, token, code).status_code == 422
    with app.app_context():
        assert db.session.get(TotpCredential, user_id(app, "alice")).failures == 2
    # Bob's recovery code is still his.
    assert finish(app, mfa_token(app, "bob"), bob_codes[0]).status_code == 200


def test_suspended_accounts_cannot_finish_a_sign_in(app):
    alice = api_as(app, "alice")
    secret, _codes = enable_totp(alice)
    token = mfa_token(app)
    with app.test_request_context():
        from app.accounts import queries, services

        services.set_suspended(user=queries.get_user(user_id(app)), suspended=True)
    # Suspension ends pending sign-ins too.
    assert finish(app, token, code_at(secret, 1)).status_code == 401


# --- Turning off, new codes, and what leaves it on -------------------------------------------


def test_turning_off_needs_the_password_and_a_code(app):
    alice = api_as(app, "alice")
    secret, _codes = enable_totp(alice)
    code = code_at(secret, 1)
    wrong_password = alice.call("DELETE", "/me/2fa/totp", {"password": "nope" * 3, "code": code})
    assert wrong_password.status_code == 422
    assert "password" in wrong_password.get_json()["error"]["fields"]
    assert alice.call("GET", "/me").get_json()["two_factor"] is True
    off = alice.call("DELETE", "/me/2fa/totp", {"password": PASSWORD, "code": code})
    assert off.status_code == 204
    assert alice.call("GET", "/me").get_json()["two_factor"] is False
    assert count(app, RecoveryCode) == 0
    assert login_step(app).status_code == 200
    assert (
        alice.call("DELETE", "/me/2fa/totp", {"password": PASSWORD, "code": code}).status_code
        == 409
    )


def test_new_recovery_codes_replace_the_old_ones(app):
    alice = api_as(app, "alice")
    secret, old = enable_totp(alice)
    response = alice.call("POST", "/me/2fa/recovery_codes", {"code": code_at(secret, 1)})
    assert response.status_code == 200
    new = response.get_json()["recovery_codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert finish(app, mfa_token(app), old[0]).status_code == 422
    assert finish(app, mfa_token(app), new[0]).status_code == 200


def test_password_change_and_log_out_everywhere_keep_two_factor_on(app):
    alice = api_as(app, "alice")
    enable_totp(alice)
    client = app.test_client()
    with app.test_request_context():
        from app.accounts import queries, services

        user = queries.get_user(user_id(app))
        services.change_password(
            user=user, current_password=PASSWORD, new_password="a brand new password"
        )
        services.log_out_everywhere(user=user)
    response = Api(client).call(
        "POST", "/auth/login", {"login": "alice", "password": "a brand new password"}
    )
    assert response.get_json()["error"]["code"] == "mfa_required"


# --- Signing in on the pages -----------------------------------------------------------------


def page_login(client, *, remember: bool = False):
    data = {"login": "alice", "password": PASSWORD, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def test_page_sign_in_asks_for_the_code_in_a_second_step(app):
    alice = api_as(app, "alice")
    secret, _codes = enable_totp(alice)
    client = app.test_client()
    before = count(app, UserSession)
    first = page_login(client, remember=True)
    assert first.status_code == 303 and first.headers["Location"].startswith("/login/2fa")
    assert count(app, UserSession) == before
    # Not signed in yet, and no password in the session cookie.
    with client.session_transaction() as session:
        assert "_user_id" not in session and PASSWORD not in str(dict(session))
    assert client.get("/settings").status_code == 302
    form = client.get("/login/2fa")
    assert form.status_code == 200 and 'autocomplete="one-time-code"' in form.get_data(as_text=True)
    token = csrf_token(client, "/login/2fa")
    wrong = client.post("/login/2fa", data={"code": "12", "csrf_token": token})
    assert wrong.status_code == 422 and "not right" in wrong.get_data(as_text=True)
    done = client.post("/login/2fa", data={"code": code_at(secret, 1), "csrf_token": token})
    assert done.status_code == 303
    assert client.get("/settings").status_code == 200
    assert count(app, UserSession) == before + 1
    # "Keep me signed in" came through the second step.
    assert client.get_cookie("remember_token") is not None
    with app.app_context():
        record = db.session.scalars(select(UserSession).order_by(UserSession.id.desc())).first()
        assert record.remember is True and record.kind == "browser"


def test_page_second_step_without_a_pending_sign_in_goes_back_to_the_password(app, monkeypatch):
    alice = api_as(app, "alice")
    secret, _codes = enable_totp(alice)
    client = app.test_client()
    assert client.get("/login/2fa").status_code == 303
    page_login(client)
    with app.app_context():
        db.session.execute(update(AuthChallenge).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = client.post(
        "/login/2fa", data={"code": code_at(secret, 1), "csrf_token": csrf_token(client, "/")}
    )
    assert response.status_code == 303 and response.headers["Location"].startswith("/login")
    assert client.get("/settings").status_code == 302


def test_settings_page_sets_up_confirms_and_turns_off(app, auth):
    make_user(app, "alice")
    auth.login()
    client = auth.client
    page = client.get("/settings").get_data(as_text=True)
    assert "Set up an authenticator app" in page
    token = csrf_token(client, "/settings")
    started = client.post("/settings/2fa/totp", data={"csrf_token": token})
    html = started.get_data(as_text=True)
    assert started.status_code == 200 and "<svg" in html and 'class="qr-code"' in html
    assert "style=" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    secret = re.search(r'<code id="totp-secret"[^>]*>([A-Z2-7]+)</code>', html).group(1)
    wrong = client.post("/settings/2fa/totp/confirm", data={"code": "1", "csrf_token": token})
    assert wrong.status_code == 422 and secret in wrong.get_data(as_text=True)
    done = client.post(
        "/settings/2fa/totp/confirm", data={"code": code_at(secret), "csrf_token": token}
    )
    html = done.get_data(as_text=True)
    codes = re.findall(r"<code>([a-z2-7-]{19})</code>", html)
    assert done.status_code == 200 and len(codes) == 10
    assert 'download="devthread-recovery-codes.txt"' in html and "data:text/plain" in html
    settings = client.get("/settings").get_data(as_text=True)
    assert "10 recovery codes left." in settings and codes[0] not in settings
    # Both forms of the "on" state ask for a code: each control has its own id and label.
    ids = re.findall(r'<input(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', settings)
    assert len(ids) == len(set(ids)) and all(f'for="{i}"' in settings for i in ids)
    new = client.post(
        "/settings/2fa/recovery-codes", data={"recovery-code": codes[0], "csrf_token": token}
    )
    assert new.status_code == 200 and codes[1] not in new.get_data(as_text=True)
    off = client.post(
        "/settings/2fa/totp/disable",
        data={
            "disable-password": PASSWORD,
            "disable-code": code_at(secret, 1),
            "csrf_token": token,
        },
    )
    assert off.status_code == 303
    assert "Set up an authenticator app" in client.get("/settings").get_data(as_text=True)


def test_code_steps_share_the_sign_in_budget_of_the_address(app, monkeypatch):
    # Four: the password, a code, the login page (its form), a passkey's options.
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_IP", "4 per minute")
    api_as(app, "alice")
    assert login_step(app).status_code == 200
    assert finish(app, "no-such-token", "123456").status_code == 401
    client = app.test_client()
    assert client.get("/login/2fa").status_code == 303  # reading the form costs nothing
    assert (
        client.post("/login/passkey/options", headers={"X-CSRFToken": csrf_token(client)})
    ).status_code == 200
    refused = finish(app, "no-such-token", "123456")
    assert refused.status_code == 429 and refused.headers["Retry-After"]


def test_the_page_to_return_to_survives_the_code_step_and_outside_ones_do_not(app):
    alice = api_as(app, "alice")
    secret, _codes = enable_totp(alice)
    for asked, landed in (("/bookmarks", "/bookmarks"), ("//evil.example/", "/")):
        client = app.test_client()
        first = client.post(
            f"/login?next={asked}",
            data={"login": "alice", "password": PASSWORD, "csrf_token": csrf_token(client)},
        )
        step = first.headers["Location"]
        assert step.startswith("/login/2fa") and "evil" not in step
        done = client.post(
            step, data={"code": code_at(secret, 1), "csrf_token": csrf_token(client, step)}
        )
        assert done.status_code == 303 and done.headers["Location"] == landed
        with app.app_context():  # let the same code through once more for the next round
            db.session.execute(update(TotpCredential).values(last_step=None))
            db.session.commit()
