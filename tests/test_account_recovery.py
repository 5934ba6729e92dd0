"""Password reset, email verification and change, password change: mail through a real SMTP
server (tests/mailbox.py), links read from the mail and followed, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import AccountLink, User
from app.admin.models import AuditEntry
from app.extensions import db
from app.timeutil import utcnow
from tests.conftest import PASSWORD, Api, Auth, csrf_token, make_user

NEW_PASSWORD = "a completely new passphrase"


def user(app, username: str) -> User:
    with app.app_context():
        found = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(found)
        return found


def signed_in(client) -> bool:
    return client.get("/settings").status_code == 200


def browser(app, login: str = "alice", password: str = PASSWORD):
    client = app.test_client()
    assert Auth(client).login(login, password).status_code == 303
    return client


def api_client(app, login: str = "alice", password: str = PASSWORD) -> Api:
    api = Api(app.test_client())
    api.login(login, password)
    return api


def token_of(path: str) -> str:
    return path.rsplit("/", 1)[1]


def post_form(client, path: str, data: dict | None = None, csrf_from: str | None = None):
    token = csrf_token(client, csrf_from or path)
    return client.post(path, data={**(data or {}), "csrf_token": token})


# --- Password reset ----------------------------------------------------------------------------


def test_a_reset_through_the_api_sets_the_password_and_ends_every_session(app, mailbox):
    make_user(app)
    laptop = browser(app)
    phone = api_client(app)
    anonymous = Api(app.test_client())

    asked = anonymous.call("POST", "/auth/password/forgot", {"email": "ALICE@example.com"})
    assert asked.status_code == 202 and asked.data == b""
    mail = mailbox.last("alice@example.com")
    assert mail["Subject"] == "Reset your DevThread password"
    text = mailbox.link("alice@example.com", "/password/reset/")
    assert "expires in 1 hour" in mail.get_body(("plain",)).get_content()
    link = mailbox.link("alice@example.com", "/password/reset/")
    assert link.startswith("/password/reset/")

    # Unknown addresses answer the same and send nothing.
    unknown = anonymous.call("POST", "/auth/password/forgot", {"email": "nobody@example.com"})
    assert unknown.status_code == 202 and unknown.data == b""
    assert mailbox.to("nobody@example.com") == []

    # Only the hash is stored.
    with app.app_context():
        stored = db.session.scalars(select(AccountLink.token_hash)).all()
    assert token_of(text) not in stored and len(stored) == 1

    reset = anonymous.call(
        "POST", "/auth/password/reset", {"token": token_of(link), "password": NEW_PASSWORD}
    )
    assert reset.status_code == 204
    # Every session, refresh token (and with them the sockets) ended.
    assert not signed_in(laptop)
    assert phone.call("GET", "/me").status_code == 401
    refresh = phone.call("POST", "/auth/refresh", {"refresh_token": phone.refresh_token})
    assert refresh.status_code == 401
    # The new password works, the old one does not.
    assert (
        anonymous.call("POST", "/auth/login", {"login": "alice", "password": PASSWORD}).status_code
        == 401
    )
    api_client(app, "alice", NEW_PASSWORD)

    # Spent: the same link again changes nothing.
    again = anonymous.call(
        "POST", "/auth/password/reset", {"token": token_of(link), "password": "yet another one!"}
    )
    assert again.status_code == 400
    assert again.get_json()["error"]["code"] == "invalid_token"
    api_client(app, "alice", NEW_PASSWORD)


def test_a_reset_through_the_pages(app, mailbox, client):
    make_user(app)
    other_browser = browser(app)
    login_page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in login_page and "Forgot your password?" in login_page

    known = post_form(client, "/password/forgot", {"email": "alice@example.com"})
    unknown = post_form(client, "/password/forgot", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    sent = "If an account uses that address, we sent it a link"
    assert sent in known.get_data(as_text=True) and sent in unknown.get_data(as_text=True)
    assert "alice@example.com" not in known.get_data(as_text=True)
    assert mailbox.to("nobody@example.com") == []
    link = mailbox.link("alice@example.com", "/password/reset/")

    page = client.get(link)
    assert page.status_code == 200
    assert "Choose a new password" in page.get_data(as_text=True)
    # A password too short is refused, and the link still works.
    short = post_form(client, link, {"password": "short"})
    assert short.status_code == 422
    assert "Use at least 10 characters." in short.get_data(as_text=True)
    assert client.get(link).status_code == 200

    done = post_form(client, link, {"password": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["Location"] == "/login"
    assert not signed_in(other_browser)
    assert Auth(app.test_client()).login("alice", NEW_PASSWORD).status_code == 303

    # The spent link: a clear page, a way to ask again, nothing changed.
    spent = client.get(link)
    assert spent.status_code == 400
    body = spent.get_data(as_text=True)
    assert "This link does not work" in body and 'href="/password/forgot"' in body
    assert post_form(client, link, {"password": "another new one!"}, "/login").status_code == 400
    assert Auth(app.test_client()).login("alice", NEW_PASSWORD).status_code == 303


def test_a_new_reset_link_replaces_the_older_one_and_links_expire(app, mailbox):
    make_user(app)
    anonymous = Api(app.test_client())
    anonymous.call("POST", "/auth/password/forgot", {"email": "alice@example.com"})
    first = mailbox.link("alice@example.com", "/password/reset/")
    anonymous.call("POST", "/auth/password/forgot", {"email": "alice@example.com"})
    second = mailbox.link("alice@example.com", "/password/reset/")
    assert first != second
    old = anonymous.call(
        "POST", "/auth/password/reset", {"token": token_of(first), "password": NEW_PASSWORD}
    )
    assert old.status_code == 400 and old.get_json()["error"]["code"] == "invalid_token"
    assert app.test_client().get(first).status_code == 400

    # An hour later the newer one has expired too.
    with app.app_context():
        for link in db.session.scalars(select(AccountLink)):
            link.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    expired = anonymous.call(
        "POST", "/auth/password/reset", {"token": token_of(second), "password": NEW_PASSWORD}
    )
    assert expired.status_code == 400
    assert app.test_client().get(second).status_code == 400
    api_client(app, "alice", PASSWORD)  # nothing changed


def test_forged_and_misused_tokens_change_nothing(app, mailbox):
    make_user(app, "alice", verified=False)
    anonymous = Api(app.test_client())
    verify_link = mailbox.link("alice@example.com", "/email/verify/")
    anonymous.call("POST", "/auth/password/forgot", {"email": "alice@example.com"})
    reset_link = mailbox.link("alice@example.com", "/password/reset/")

    for token in ("forged", "x" * 300, token_of(verify_link)):
        answer = anonymous.call(
            "POST", "/auth/password/reset", {"token": token, "password": NEW_PASSWORD}
        )
        assert answer.status_code in (400, 422), token
    # A reset token is no verification token, on the API and the pages.
    refused = anonymous.call("POST", "/auth/email/verify", {"token": token_of(reset_link)})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "invalid_token"
    assert app.test_client().get("/email/verify/" + token_of(reset_link)).status_code == 400
    assert app.test_client().get("/password/reset/" + token_of(verify_link)).status_code == 400
    assert app.test_client().get("/password/reset/forged").status_code == 400
    assert not user(app, "alice").email_verified
    api_client(app, "alice", PASSWORD)
    # Both real links still work afterwards.
    assert app.test_client().get(reset_link).status_code == 200
    assert app.test_client().get(verify_link).status_code == 200


def test_two_spends_of_one_link_one_wins(app, mailbox):
    from app.accounts import links

    make_user(app)
    Api(app.test_client()).call("POST", "/auth/password/forgot", {"email": "alice@example.com"})
    token = token_of(mailbox.link("alice@example.com", "/password/reset/"))
    with app.test_request_context():
        first = links.find(token=token, purposes=("password_reset",))
        second = links.find(token=token, purposes=("password_reset",))
        assert first is not None and second is not None
        assert links.spend(first) is True
        assert links.spend(second) is False
        db.session.commit()


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_reset_mails_are_rate_limited_per_address_and_per_email(app, mailbox, monkeypatch):
    make_user(app)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_LIMIT_PER_EMAIL", "2 per hour")
    monkeypatch.setitem(app.config, "PASSWORD_RESET_LIMIT_PER_IP", "3 per hour")
    for n in range(2):
        api = Api(from_address(app, f"10.0.0.{n + 1}"))
        assert (
            api.call("POST", "/auth/password/forgot", {"email": "alice@example.com"}).status_code
            == 202
        )
    # A third address asking about the same email is refused: one inbox is not flooded.
    third = Api(from_address(app, "10.0.0.3"))
    limited = third.call("POST", "/auth/password/forgot", {"email": "Alice@Example.com"})
    assert limited.status_code == 429
    assert len(mailbox.to("alice@example.com")) == 2
    # One caller asking about many addresses is limited too (the page shares the budget).
    assert (
        third.call("POST", "/auth/password/forgot", {"email": "b@example.com"}).status_code == 202
    )
    assert (
        third.call("POST", "/auth/password/forgot", {"email": "c@example.com"}).status_code == 202
    )
    page = from_address(app, "10.0.0.3")
    answers = [
        post_form(page, "/password/forgot", {"email": f"{n}@example.com"}).status_code
        for n in ("d", "e")
    ]
    assert answers[-1] == 429, answers


# --- Password change ---------------------------------------------------------------------------


def test_changing_the_password_in_the_api_ends_every_other_session(app):
    make_user(app)
    laptop = browser(app)
    phone = api_client(app)
    tablet = api_client(app)
    wrong = phone.call(
        "POST",
        "/me/password",
        {"current_password": "not my password", "new_password": NEW_PASSWORD},
    )
    assert wrong.status_code == 422 and "current_password" in wrong.get_json()["error"]["fields"]
    short = phone.call("POST", "/me/password", {"current_password": PASSWORD, "new_password": "x"})
    assert short.status_code == 422
    assert signed_in(laptop) and tablet.call("GET", "/me").status_code == 200

    changed = phone.call(
        "POST", "/me/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert changed.status_code == 204
    assert phone.call("GET", "/me").status_code == 200  # this sign-in stays
    refreshed = phone.call("POST", "/auth/refresh", {"refresh_token": phone.refresh_token})
    assert refreshed.status_code == 200
    assert tablet.call("GET", "/me").status_code == 401
    assert not signed_in(laptop)
    api_client(app, "alice", NEW_PASSWORD)


def test_an_account_without_a_password_sets_one_through_a_mailed_link(app, mailbox):
    make_user(app)
    with app.app_context():
        alice = db.session.scalar(select(User).where(User.username == "alice"))
        alice.password_hash = ""  # as if made with GitHub
        db.session.commit()
    from tests.conftest import api_as

    api = api_as(app, "bob")
    with app.test_request_context():
        from app.accounts.sessions import start_api_session
        from app.accounts.tokens import issue_access_token

        alice = db.session.scalar(select(User).where(User.username == "alice"))
        record = start_api_session(user=alice)
        db.session.commit()
        api.access_token = issue_access_token(alice, session_id=record.id)
    # A stolen session must not add a way in silently: no password is set here.
    refused = api.call(
        "POST", "/me/password", {"current_password": "", "new_password": NEW_PASSWORD}
    )
    assert refused.status_code == 409
    assert "password link by mail" in refused.get_json()["error"]["message"]
    assert not user(app, "alice").has_password
    api.call("POST", "/auth/password/forgot", {"email": "alice@example.com"})
    link = mailbox.link("alice@example.com", "/password/reset/")
    reset = api.call(
        "POST", "/auth/password/reset", {"token": token_of(link), "password": NEW_PASSWORD}
    )
    assert reset.status_code == 204
    assert user(app, "alice").has_password


# --- Email verification ------------------------------------------------------------------------


def test_sign_up_mails_a_verification_link_that_a_get_does_not_spend(app, mailbox, client):
    token = csrf_token(client, "/register")
    created = client.post(
        "/register",
        data={
            "username": "zoe",
            "email": "zoe@example.com",
            "password": PASSWORD,
            "csrf_token": token,
        },
    )
    assert created.status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert "Confirm your email address" in home and "Send the mail again" in home
    mail = mailbox.last("zoe@example.com")
    assert mail["Subject"] == "Confirm your email address for DevThread"
    link = mailbox.link("zoe@example.com", "/email/verify/")
    # Mail scanners fetch links: a GET shows a button and spends nothing.
    for _ in range(2):
        page = client.get(link)
        assert page.status_code == 200 and "Confirm my address" in page.get_data(as_text=True)
    assert not user(app, "zoe").email_verified
    settings = client.get("/settings").get_data(as_text=True)
    assert "Not verified" in settings

    confirmed = post_form(client, link)
    assert confirmed.status_code == 303 and confirmed.headers["Location"] == "/settings"
    assert user(app, "zoe").email_verified
    settings = client.get("/settings").get_data(as_text=True)
    assert "Verified" in settings and "Send the mail again" not in settings
    api = api_client(app, "zoe")
    me = api.call("GET", "/me").get_json()
    assert me["email_verified"] is True and me["pending_email"] is None
    # Spent.
    assert client.get(link).status_code == 400
    assert api.call("POST", "/auth/email/verify", {"token": token_of(link)}).status_code == 400


def test_verification_through_the_api_and_resending(app, mailbox, monkeypatch):
    anonymous = Api(app.test_client())
    registered = anonymous.call(
        "POST",
        "/auth/register",
        {"username": "zoe", "email": "zoe@example.com", "password": PASSWORD},
    )
    assert registered.status_code == 201
    assert registered.get_json()["user"]["email_verified"] is False
    first = mailbox.link("zoe@example.com", "/email/verify/")
    api = api_client(app, "zoe")
    monkeypatch.setitem(app.config, "VERIFICATION_MAIL_LIMIT", "2 per hour")
    resent = api.call("POST", "/me/email/verification")
    assert resent.status_code == 202
    second = mailbox.link("zoe@example.com", "/email/verify/")
    assert second != first
    assert api.call("POST", "/me/email/verification").status_code == 202
    assert api.call("POST", "/me/email/verification").status_code == 429
    third = mailbox.link("zoe@example.com", "/email/verify/")
    # Only the newest link works; without a token the link alone proves the mailbox.
    assert (
        anonymous.call("POST", "/auth/email/verify", {"token": token_of(first)}).status_code == 400
    )
    assert (
        anonymous.call("POST", "/auth/email/verify", {"token": token_of(third)}).status_code == 204
    )
    assert api.call("GET", "/me").get_json()["email_verified"] is True
    monkeypatch.setitem(app.config, "VERIFICATION_MAIL_LIMIT", "50 per hour")
    done = api.call("POST", "/me/email/verification")
    assert done.status_code == 409


def test_another_accounts_link_is_refused_while_signed_in(app, mailbox):
    make_user(app, "alice", verified=False)
    make_user(app, "bob")
    link = mailbox.link("alice@example.com", "/email/verify/")
    bob_api = api_client(app, "bob")
    refused = bob_api.call("POST", "/auth/email/verify", {"token": token_of(link)})
    assert refused.status_code == 400
    assert refused.get_json()["error"]["code"] == "invalid_token"
    assert "another account" in refused.get_json()["error"]["message"]
    bob = browser(app, "bob")
    page = post_form(bob, link)
    assert page.status_code == 400
    assert "belongs to another account" in page.get_data(as_text=True)
    assert not user(app, "alice").email_verified
    # Alice herself can still use it.
    alice = browser(app, "alice")
    assert post_form(alice, link).status_code == 303
    assert user(app, "alice").email_verified


def test_writing_waits_for_a_verified_address_when_required(app, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_VERIFIED_EMAIL", True)
    make_user(app, "alice", verified=False)
    make_user(app, "bob")
    api = api_client(app, "alice")
    bob = api_client(app, "bob")
    post = bob.call("POST", "/posts", {"body": "bob's post"})
    assert post.status_code == 201
    post_id = post.get_json()["id"]

    # Reading and setting up the profile work.
    assert api.call("GET", f"/posts/{post_id}").status_code == 200
    assert api.call("PATCH", "/me", {"bio": "Hello"}).status_code == 200
    for method, path, body in (
        ("POST", "/posts", {"body": "hello"}),
        ("POST", f"/posts/{post_id}/comments", {"body": "hi"}),
        ("POST", "/conversations", {"username": "bob"}),
    ):
        answer = api.call(method, path, body)
        assert answer.status_code == 403, (path, answer.get_json())
        assert answer.get_json()["error"]["code"] == "email_unverified"
        assert "Confirm your email address" in answer.get_json()["error"]["message"]

    page = browser(app, "alice")
    home = page.get("/").get_data(as_text=True)
    assert "Send the mail again" in home
    assert "Posting waits until you confirm your email address" in home
    refused = post_form(page, "/posts", {"body": "from the page"}, "/")
    assert refused.status_code == 422  # the composer again, with the reason
    assert "Confirm your email address first" in refused.get_data(as_text=True)

    post_form(page, "/settings/email/verification", csrf_from="/settings")
    link = mailbox.link("alice@example.com", "/email/verify/")
    assert post_form(page, link).status_code == 303
    assert api.call("POST", "/posts", {"body": "hello"}).status_code == 201
    assert api.call("POST", "/conversations", {"username": "bob"}).status_code in (200, 201)
    assert "Posting waits" not in page.get("/").get_data(as_text=True)


# --- Email change ------------------------------------------------------------------------------


def test_changing_the_address_waits_for_the_new_ones_link(app, mailbox):
    make_user(app)
    make_user(app, "bob")
    api = api_client(app)
    taken = api.call("PATCH", "/me", {"email": "BOB@example.com"})
    assert taken.status_code == 409
    assert taken.get_json()["error"]["code"] == "conflict"
    assert "email" in taken.get_json()["error"]["fields"]
    bad = api.call("PATCH", "/me", {"email": "not an address"})
    assert bad.status_code == 422

    changed = api.call("PATCH", "/me", {"email": "alice.new@example.com"})
    assert changed.status_code == 200
    me = changed.get_json()
    assert me["email"] == "alice@example.com" and me["pending_email"] == "alice.new@example.com"
    notice = mailbox.last("alice@example.com")
    assert notice["Subject"] == "Your DevThread email address is about to change"
    assert "alice.new@example.com" in notice.get_body(("plain",)).get_content()
    link = mailbox.link("alice.new@example.com", "/email/verify/")

    # The old address still signs in until the new one is confirmed.
    api_client(app, "alice@example.com")
    assert api.call("POST", "/auth/email/verify", {"token": token_of(link)}).status_code == 204
    me = api.call("GET", "/me").get_json()
    assert me["email"] == "alice.new@example.com"
    assert me["pending_email"] is None and me["email_verified"] is True
    api_client(app, "alice.new@example.com")


def test_confirming_an_address_taken_meanwhile_is_a_clear_conflict(app, mailbox):
    make_user(app)
    api = api_client(app)
    api.call("PATCH", "/me", {"email": "wanted@example.com"})
    link = mailbox.link("wanted@example.com", "/email/verify/")
    make_user(app, "zed", email="wanted@example.com")
    refused = api.call("POST", "/auth/email/verify", {"token": token_of(link)})
    assert refused.status_code == 409
    assert (
        "Another account started using wanted@example.com" in refused.get_json()["error"]["message"]
    )
    assert user(app, "alice").email == "alice@example.com"
    page = post_form(browser(app), link)
    assert page.status_code == 409
    assert "Another account started using" in page.get_data(as_text=True)


def test_the_settings_page_changes_the_address_and_a_newer_request_replaces_the_older(app, mailbox):
    make_user(app)
    page = browser(app)
    asked = post_form(page, "/settings/email", {"email": "first@example.com"}, "/settings")
    assert asked.status_code == 303
    first = mailbox.link("first@example.com", "/email/verify/")
    settings = page.get("/settings").get_data(as_text=True)
    assert "Waiting for you to confirm first@example.com" in settings
    post_form(page, "/settings/email", {"email": "second@example.com"}, "/settings")
    second = mailbox.link("second@example.com", "/email/verify/")
    assert post_form(page, first).status_code in (400,)
    taken = post_form(page, "/settings/email", {"email": "alice@example.com "}, "/settings")
    assert taken.status_code == 303  # the current address: the pending change is called off
    assert user(app, "alice").pending_email is None
    assert page.get(second).status_code == 400
    assert user(app, "alice").email == "alice@example.com"


# --- Admins ------------------------------------------------------------------------------------


def test_staff_see_the_verification_state_and_mail_a_reset_link(app, mailbox):
    make_user(app, "alice", verified=False)
    make_user(app, "mona", role="moderator")
    make_user(app, "adam", role="admin")
    mona = browser(app, "mona")
    listing = mona.get("/admin/users").get_data(as_text=True)
    assert listing.count("Not verified") == 1  # alice only
    page = mona.get("/admin/users/alice").get_data(as_text=True)
    assert "Not verified" in page and "Mail a reset link" in page
    sent = post_form(
        mona,
        "/admin/users/alice/password-reset",
        {"reset-reason": "Asked by mail"},
        "/admin/users/alice",
    )
    assert sent.status_code == 303
    link = mailbox.link("alice@example.com", "/password/reset/")
    assert link.startswith("/password/reset/")
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "user.password_reset_mail")
        )
        assert entry.actor_username == "mona" and entry.reason == "Asked by mail"
    assert "Mailed a password reset link" in mona.get("/admin/audit").get_data(as_text=True)
    # A moderator may not do it to an admin.
    refused = post_form(mona, "/admin/users/adam/password-reset", {}, "/admin/users/adam")
    assert refused.status_code == 403
    assert mailbox.to("adam@example.com") == []
    assert "Verified" in mona.get("/admin/users/adam").get_data(as_text=True)


@pytest.mark.parametrize("setting", [None, "0"])
def test_require_verified_email_follows_the_settings(tmp_path, setting, monkeypatch):
    from app.config import finalize, from_environment

    config = {"SQLALCHEMY_DATABASE_URI": "postgresql://x/y", "SECRET_KEY": "k" * 40}
    if setting is not None:
        config.update(from_environment({"REQUIRE_VERIFIED_EMAIL": setting}))
    finalize(config, str(tmp_path))
    assert config["REQUIRE_VERIFIED_EMAIL"] is (setting is None)
    embedded: dict = {"SECRET_KEY": "k" * 40}
    finalize(embedded, str(tmp_path))
    assert embedded["REQUIRE_VERIFIED_EMAIL"] is False


def test_the_kept_sign_in_keeps_its_sockets_and_the_others_close(app, monkeypatch):
    from app.accounts import services
    from app.accounts.models import UserSession
    from app.realtime import events

    make_user(app)
    browser(app)
    kept = api_client(app)
    api_client(app)
    emitted: list[tuple[str, dict]] = []
    monkeypatch.setattr(
        events, "emit", lambda session, users, kind, data, **kw: emitted.append((kind, data))
    )
    with app.test_request_context():
        alice = db.session.scalar(select(User).where(User.username == "alice"))
        ids = set(db.session.scalars(select(UserSession.id)))
        me = kept.call("GET", "/me/sessions").get_json()["items"]
        kept_id = next(s["id"] for s in me if s["current"])
        services.change_password(
            user=alice,
            current_password=PASSWORD,
            new_password=NEW_PASSWORD,
            keep_session_id=kept_id,
        )
        left = set(db.session.scalars(select(UserSession.id)))
    assert left == {kept_id}
    # One session.revoked per ended sign-in: the kept one's sockets are not told to close.
    assert sorted(emitted, key=lambda e: e[1]["session_id"]) == [
        ("session.revoked", {"session_id": i}) for i in sorted(ids - {kept_id})
    ]


def test_the_email_form_swaps_its_own_block_for_htmx(app, mailbox):
    make_user(app)
    make_user(app, "bob")
    page = browser(app)
    token = csrf_token(page, "/settings")
    htmx = {"HX-Request": "true"}
    taken = page.post(
        "/settings/email", data={"email": "bob@example.com", "csrf_token": token}, headers=htmx
    )
    assert taken.status_code == 409
    body = taken.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="email-settings">') and "<html" not in body
    assert "An account already uses that email address." in body
    asked = page.post(
        "/settings/email", data={"email": "alice2@example.com", "csrf_token": token}, headers=htmx
    )
    assert asked.status_code == 200
    assert "Waiting for you to confirm alice2@example.com" in asked.get_data(as_text=True)
    assert mailbox.link("alice2@example.com", "/email/verify/")


def test_two_concurrent_resets_with_one_link_one_wins(app, mailbox):
    import threading

    from app.accounts import services
    from app.errors import InvalidLink

    make_user(app)
    Api(app.test_client()).call("POST", "/auth/password/forgot", {"email": "alice@example.com"})
    token = token_of(mailbox.link("alice@example.com", "/password/reset/"))
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def reset(password: str) -> None:
        with app.test_request_context():
            start.wait()
            try:
                services.reset_password(token=token, password=password)
            except InvalidLink:
                outcomes.append("refused")
            else:
                outcomes.append(password)
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=reset, args=(p,))
        for p in ("first new passphrase", "second new passphrase")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert outcomes.count("refused") == 1, outcomes
    winner = next(o for o in outcomes if o != "refused")
    api_client(app, "alice", winner)
