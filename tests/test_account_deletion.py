"""Deleting an account: inactive at once, cancelable in the grace period, then erased by a job."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from babel.dates import format_datetime
from sqlalchemy import func, or_, select

from app.accounts.models import (
    AccountLink,
    AuthChallenge,
    OAuthIdentity,
    Passkey,
    RecoveryCode,
    RefreshToken,
    TotpCredential,
    User,
    UserSession,
)
from app.admin.models import AuditEntry
from app.extensions import db
from app.jobs.core import run
from app.messaging.models import Conversation, ConversationMember, Message
from app.notifications.models import Notification
from app.posts.models import Bookmark, Comment, Mention, Post, Reaction, Tag
from app.realtime.models import StoredEvent
from app.safety.models import Block, Mute, Report
from app.social.models import Follow
from app.timeutil import utcnow
from app.yourdata.models import DataExport
from tests.conftest import PASSWORD, Api, Auth, api_as, csrf_token, make_user, run_jobs
from tests.test_mail import parts
from tests.test_passkeys import register
from tests.test_passkeys import sign_in as passkey_sign_in
from tests.webauthn_soft import SoftAuthenticator


def _user(app, username: str) -> User:
    from app.accounts.queries import find_by_username

    return find_by_username(username)


def _due_now(app, username: str = "alice") -> None:
    """Let the grace period end now (as if the days had passed)."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        user.deletion_due_at = utcnow() - timedelta(seconds=1)
        db.session.commit()


def _erase_due(app) -> list:
    """Run the periodic "deletions due" job, then the erasures it queued."""
    run(app, "accounts.erase_due", [], {})
    return run_jobs(app)


# --- Asking -----------------------------------------------------------------------------------


def test_bad_confirmations_change_nothing(app):
    alice = api_as(app, "alice")
    wrong = alice.call("DELETE", "/me", {"password": "not my password"})
    assert wrong.status_code == 422 and "password" in wrong.get_json()["error"]["fields"]
    empty = alice.call("DELETE", "/me", {})
    assert empty.status_code == 422
    for body in ({"password": 5}, {"password": PASSWORD, "extra": 1}, {"code": "x"}):
        assert alice.call("DELETE", "/me", body).status_code == 422
    assert alice.call("DELETE", "/me", None).status_code == 400
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "alice"))
        assert user.deletion_due_at is None
    assert alice.call("GET", "/me").status_code == 200
    assert Api(app.test_client()).call("DELETE", "/me", {"password": PASSWORD}).status_code == 401


def test_two_factor_accounts_need_a_right_code(app):
    alice = api_as(app, "alice")
    secret = alice.call("POST", "/me/2fa/totp").get_json()["secret"]
    alice.call("POST", "/me/2fa/totp/confirm", {"code": pyotp.TOTP(secret).now()})
    missing = alice.call("DELETE", "/me", {"password": PASSWORD})
    assert missing.status_code == 422 and "code" in missing.get_json()["error"]["fields"]
    wrong = alice.call("DELETE", "/me", {"password": PASSWORD, "code": "000000"})
    assert wrong.status_code == 422 and "code" in wrong.get_json()["error"]["fields"]
    assert alice.call("GET", "/me").status_code == 200  # still signed in, nothing scheduled
    # A fresh step: the confirming code's step cannot be taken twice.
    code = pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30))
    done = alice.call("DELETE", "/me", {"password": PASSWORD, "code": code})
    assert done.status_code == 202


def test_the_owner_is_told_by_mail_with_the_date(app, smtp_to):
    alice = api_as(app, "alice")
    erase_at = alice.call("DELETE", "/me", {"password": PASSWORD}).get_json()["erase_at"]
    assert [run.error for run in run_jobs(app)] == [None]
    [(recipients, message)] = smtp_to.messages
    assert recipients == ["alice@example.com"] and "deleted" in message["Subject"]
    bodies = parts(message)
    # The date in the recipient's language and time zone (English and UTC: none chosen).
    moment = datetime.fromisoformat(erase_at.replace("Z", "+00:00"))
    when = format_datetime(moment, "long", tzinfo=UTC, locale="en")
    for body in bodies.values():
        assert when in html.unescape(body) and "/login" in body  # HTML writes it in ASCII


def test_deleting_ends_every_sign_in_and_hides_the_account_at_once(app, client, auth):
    make_user(app, "bob")
    alice = api_as(app, "alice")
    other_api = Api(app.test_client())
    other_api.login("alice")
    auth.login()  # a browser too
    assert client.get("/settings").status_code == 200
    answer = alice.call("DELETE", "/me", {"password": PASSWORD})
    assert answer.status_code == 202
    erase_at = answer.get_json()["erase_at"]
    assert erase_at.endswith("Z")
    # Every sign-in ended: the token, the other API sign-in, its refresh token, the browser.
    assert alice.call("GET", "/me").status_code == 401
    assert other_api.call("GET", "/me").status_code == 401
    refresh = other_api.call("POST", "/auth/refresh", {"refresh_token": other_api.refresh_token})
    assert refresh.status_code == 401
    assert client.get("/settings").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(UserSession.id))) == 0
    # The profile is gone for everyone, on the pages and the API.
    assert app.test_client().get("/u/alice").status_code == 404
    assert Api(app.test_client()).call("GET", "/users/alice").status_code == 404
    found = Api(app.test_client()).call("GET", "/search?q=ali&type=users").get_json()
    assert found["items"] == []
    bob = api_as(app, "bobby")
    assert bob.call("PUT", "/users/alice/follow").status_code == 404
    assert bob.call("POST", "/conversations", {"username": "alice"}).status_code == 404
    # Signing in says so, with the date, and nothing else signs in.
    login = Api(app.test_client()).call(
        "POST", "/auth/login", {"login": "alice", "password": PASSWORD}
    )
    assert login.status_code == 403
    error = login.get_json()["error"]
    assert error["code"] == "account_pending_deletion" and login.get_json()["erase_at"] == erase_at
    wrong = Api(app.test_client()).call("POST", "/auth/login", {"login": "alice", "password": "x"})
    assert wrong.status_code == 401  # the date only for whoever proves the password


def test_every_sign_in_path_refuses_an_account_being_deleted(app):
    from app.accounts import identities, mfa, services
    from app.accounts.identities import ExternalProfile
    from app.errors import AccountPendingDeletion, Unauthorized

    alice = api_as(app, "alice")
    key = SoftAuthenticator()
    register(alice, key)
    with app.test_request_context():
        user = _user(app, "alice")
        db.session.add(OAuthIdentity(provider="github", provider_user_id="77", user_id=user.id))
        db.session.commit()
        mfa_token = mfa.start_pending_sign_in(user=user)
    assert alice.call("DELETE", "/me", {"password": PASSWORD}).status_code == 202
    # Passkey: the API answers 403 with the code.
    refused = passkey_sign_in(app, key)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "account_pending_deletion"
    with app.test_request_context():
        with pytest.raises(AccountPendingDeletion):
            services.authenticate(login="alice@example.com", password=PASSWORD)
        with pytest.raises(AccountPendingDeletion):
            identities.sign_in_with(
                profile=ExternalProfile(provider="github", provider_user_id="77", login="al")
            )
        # A sign-in waiting for its code from before the request ended with the others.
        with pytest.raises(Unauthorized):
            mfa.finish_pending_sign_in(token=mfa_token, code="123456")
        # An old browser identity or access token names no sign-in any more.
        from app.accounts.sessions import browser_user

        assert browser_user(f"{_user(app, 'alice').id}:whatever") is None


def test_a_passkey_on_the_login_page_leads_to_the_cancel_offer(app):
    import json

    alice = api_as(app, "alice")
    key = SoftAuthenticator()
    register(alice, key)
    assert alice.call("DELETE", "/me", {"password": PASSWORD}).status_code == 202
    client = app.test_client()
    token = csrf_token(client)
    options = client.post("/login/passkey/options", headers={"X-CSRFToken": token}).get_json()
    answer = client.post(
        "/login/passkey", data={"credential": json.dumps(key.sign(options)), "csrf_token": token}
    )
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("/login/cancel-deletion")
    assert "will be erased on" in client.get("/login/cancel-deletion").get_data(as_text=True)


# --- Cancelling -------------------------------------------------------------------------------


def test_the_api_cancels_with_the_credentials_and_signs_in(app):
    alice = api_as(app, "alice")
    alice.call("DELETE", "/me", {"password": PASSWORD})
    anon = Api(app.test_client())
    bad = anon.call("POST", "/auth/deletion/cancel", {"login": "alice", "password": "wrong"})
    assert bad.status_code == 401
    done = anon.call("POST", "/auth/deletion/cancel", {"login": "alice", "password": PASSWORD})
    assert done.status_code == 200
    body = done.get_json()
    assert body["user"]["username"] == "alice" and body["access_token"]
    again = anon.call("POST", "/auth/deletion/cancel", {"login": "alice", "password": PASSWORD})
    assert again.status_code == 409
    assert (
        anon.call("POST", "/auth/login", {"login": "alice", "password": PASSWORD}).status_code
        == 200
    )
    assert anon.call("GET", "/users/alice").status_code == 200
    _erase_due(app)  # nothing is due any more
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "alice")).erased_at is None


def test_once_the_erasure_is_due_it_cannot_be_cancelled(app):
    alice = api_as(app, "alice")
    alice.call("DELETE", "/me", {"password": PASSWORD})
    _due_now(app)
    late = Api(app.test_client()).call(
        "POST", "/auth/deletion/cancel", {"login": "alice", "password": PASSWORD}
    )
    assert late.status_code == 409


def test_the_login_page_offers_to_cancel_and_signs_in(app, client, auth):
    alice = api_as(app, "alice")
    alice.call("DELETE", "/me", {"password": PASSWORD})
    assert client.get("/login/cancel-deletion").status_code == 302  # no offer: sign in first
    response = auth.login()
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login/cancel-deletion")
    page = client.get("/login/cancel-deletion")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "will be erased on" in text and "Cancel the deletion" in text
    assert client.get("/settings").status_code == 302  # not signed in yet
    token = csrf_token(client, "/login/cancel-deletion")
    done = client.post("/login/cancel-deletion", data={"csrf_token": token})
    assert done.status_code == 303
    assert client.get("/settings").status_code == 200
    assert app.test_client().get("/u/alice").status_code == 200


def test_the_login_page_asks_the_code_of_a_two_factor_account_to_cancel(app, client, auth):
    alice = api_as(app, "alice")
    secret = alice.call("POST", "/me/2fa/totp").get_json()["secret"]
    confirmed = alice.call("POST", "/me/2fa/totp/confirm", {"code": pyotp.TOTP(secret).now()})
    recovery = confirmed.get_json()["recovery_codes"][0]
    assert alice.call("DELETE", "/me", {"password": PASSWORD, "code": recovery}).status_code == 202
    auth.login()
    page = client.get("/login/cancel-deletion").get_data(as_text=True)
    assert 'name="code"' in page and "<label" in page
    token = csrf_token(client, "/login/cancel-deletion")
    wrong = client.post("/login/cancel-deletion", data={"csrf_token": token, "code": "000000"})
    assert wrong.status_code == 422
    missing = client.post("/login/cancel-deletion", data={"csrf_token": token})
    assert missing.status_code == 422
    assert client.get("/settings").status_code == 302
    code = pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30))
    done = client.post("/login/cancel-deletion", data={"csrf_token": token, "code": code})
    assert done.status_code == 303
    assert client.get("/settings").status_code == 200


def test_the_settings_page_deletes_the_account(app, client, auth):
    make_user(app, "alice")
    auth.login()
    page = client.get("/settings").get_data(as_text=True)
    assert 'id="delete-account"' in page and 'for="delete-password"' in page
    assert "14 days later" in page
    token = csrf_token(client, "/settings")
    wrong = client.post(
        "/settings/data/delete",
        data={"csrf_token": token, "delete-password": "nope"},
        headers={"HX-Request": "true"},
    )
    assert wrong.status_code == 422
    fragment = wrong.get_data(as_text=True)
    assert 'id="delete-account-form"' in fragment and "That is not your password" in fragment
    assert "<html" not in fragment
    done = client.post(
        "/settings/data/delete", data={"csrf_token": token, "delete-password": PASSWORD}
    )
    assert done.status_code == 303
    assert client.get("/settings").status_code == 302
    assert "will be erased on" in client.get("/").get_data(as_text=True)


def test_an_account_without_a_password_confirms_with_its_username(app):
    alice = api_as(app, "alice")
    with app.app_context():
        db.session.execute(User.__table__.update().values(password_hash=""))
        db.session.commit()
    assert alice.call("DELETE", "/me", {"username": "bob"}).status_code == 422
    assert alice.call("DELETE", "/me", {"password": PASSWORD}).status_code == 422
    # The settings page says to type "@alice": with or without the @, in any case.
    assert alice.call("DELETE", "/me", {"username": "@ALICE"}).status_code == 202


# --- Erasing ----------------------------------------------------------------------------------


def _rich_world(app) -> dict[str, int]:
    """Alice has a bit of everything; bob and carol interact with her and with each other."""
    from app.accounts import mfa
    from app.admin import services as admin
    from app.messaging import services as messaging
    from app.posts import services as posts
    from app.safety import services as safety
    from app.social import services as social

    make_user(app, "mod", role="moderator")
    for name in ("alice", "bob", "carol"):
        make_user(app, name)
    with app.test_request_context():
        alice, bob, carol, mod = (_user(app, n) for n in ("alice", "bob", "carol", "mod"))
        own = [posts.create_post(author=alice, body=f"Alice {i} #shared @bob") for i in range(3)]
        bobs = posts.create_post(author=bob, body="Bob's post #shared")
        # Alice's comments: one answered by bob (a placeholder after), one not, one answered
        # only by alice herself (gone with her reply), one on her own post.
        answered = posts.add_comment(post_id=bobs.id, author=alice, body="Alice asks @carol")
        posts.add_comment(post_id=bobs.id, author=bob, body="Bob answers", parent_id=answered.id)
        posts.add_comment(post_id=bobs.id, author=alice, body="Alice alone")
        chain = posts.add_comment(post_id=bobs.id, author=alice, body="Alice thinks")
        posts.add_comment(post_id=bobs.id, author=alice, body="and more", parent_id=chain.id)
        posts.add_comment(post_id=own[0].id, author=bob, body="Bob on Alice's post")
        posts.add_comment(post_id=bobs.id, author=carol, body="Carol stays")
        for kind in ("like", "love"):
            posts.react(post_id=bobs.id, user=alice, kind=kind)
        posts.react(post_id=bobs.id, user=carol, kind="like")
        posts.react(post_id=own[1].id, user=bob, kind="like")
        posts.bookmark(post_id=bobs.id, user=alice)
        posts.bookmark(post_id=own[0].id, user=bob)
        social.follow(follower=alice, username="bob")
        social.follow(follower=alice, username="carol")
        social.follow(follower=bob, username="alice")
        social.follow(follower=carol, username="bob")
        conversation, _ = messaging.start_conversation(user=alice, username="bob")
        messaging.send_message(conversation_id=conversation.id, sender=alice, body="Hi")
        messaging.send_message(conversation_id=conversation.id, sender=bob, body="Hello")
        kept, _ = messaging.start_conversation(user=bob, username="carol")
        messaging.send_message(conversation_id=kept.id, sender=carol, body="Ours")
        safety.block(blocker=alice, username="carol")
        safety.mute(muter=bob, username="alice")
        safety.report(reporter=alice, target_type="post", target_id=bobs.id, reason="spam")
        safety.report(reporter=bob, target_type="user", target_id="alice", reason="abuse")
        secret = mfa.start_totp_setup(user=alice)
        mfa.confirm_totp(user=alice, code=pyotp.TOTP(secret).now())
        db.session.add(OAuthIdentity(provider="github", provider_user_id="9", user_id=alice.id))
        db.session.add(DataExport(user_id=alice.id, status="pending", created_at=utcnow()))
        # A change of address waiting for its link (it names the new address), and a reset link.
        from app.accounts import services as accounts

        accounts.update_profile(user=alice, email="alice.elsewhere@example.com")
        accounts.mail_password_reset(user=alice)
        # Old audit entries about alice (a moderator acted), naming her.
        admin.remove_post(actor=mod, post_id=own[2].id, reason="dup")
        admin.suspend_user(actor=mod, username="alice", reason="a warning")
        admin.unsuspend_user(actor=mod, username="alice", reason="served")
        db.session.commit()
        from app.jobs import local_backend

        local_backend(app).reset()  # the address change's mails are not this test's business
        return {
            "alice": alice.id,
            "bob": bob.id,
            "carol": carol.id,
            "bobs": bobs.id,
            "answered": answered.id,
            "kept": kept.id,
        }


def _rows_of(user_id: int) -> dict[str, int]:
    """Count the rows of each table that still name the person."""
    checks = {
        "posts": select(func.count()).select_from(Post).where(Post.author_id == user_id),
        "live comments": select(func.count())
        .select_from(Comment)
        .where(Comment.author_id == user_id, Comment.deleted_at.is_(None)),
        "reactions": select(func.count()).select_from(Reaction).where(Reaction.user_id == user_id),
        "follows": select(func.count())
        .select_from(Follow)
        .where(or_(Follow.follower_id == user_id, Follow.followee_id == user_id)),
        "bookmarks": select(func.count()).select_from(Bookmark).where(Bookmark.user_id == user_id),
        "messages": select(func.count()).select_from(Message).where(Message.sender_id == user_id),
        "members": select(func.count())
        .select_from(ConversationMember)
        .where(ConversationMember.user_id == user_id),
        "notifications": select(func.count())
        .select_from(Notification)
        .where(or_(Notification.user_id == user_id, Notification.actor_id == user_id)),
        "mentions": select(func.count()).select_from(Mention).where(Mention.user_id == user_id),
        "blocks": select(func.count())
        .select_from(Block)
        .where(or_(Block.blocker_id == user_id, Block.blocked_id == user_id)),
        "mutes": select(func.count())
        .select_from(Mute)
        .where(or_(Mute.muter_id == user_id, Mute.muted_id == user_id)),
        "reports": select(func.count())
        .select_from(Report)
        .where(or_(Report.reporter_id == user_id, Report.target_user_id == user_id)),
        "events": select(func.count())
        .select_from(StoredEvent)
        .where(StoredEvent.user_id == user_id),
        "sessions": select(func.count())
        .select_from(UserSession)
        .where(UserSession.user_id == user_id),
        "refresh tokens": select(func.count())
        .select_from(RefreshToken)
        .where(RefreshToken.user_id == user_id),
        "totp": select(func.count())
        .select_from(TotpCredential)
        .where(TotpCredential.user_id == user_id),
        "recovery codes": select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id),
        "challenges": select(func.count())
        .select_from(AuthChallenge)
        .where(AuthChallenge.user_id == user_id),
        "passkeys": select(func.count()).select_from(Passkey).where(Passkey.user_id == user_id),
        "identities": select(func.count())
        .select_from(OAuthIdentity)
        .where(OAuthIdentity.user_id == user_id),
        "exports": select(func.count())
        .select_from(DataExport)
        .where(DataExport.user_id == user_id),
        "mailed links": select(func.count())
        .select_from(AccountLink)
        .where(AccountLink.user_id == user_id),
        "pending address": select(func.count())
        .select_from(User)
        .where(User.id == user_id, User.pending_email.is_not(None)),
    }
    return {name: db.session.scalar(query) for name, query in checks.items()}


@pytest.mark.parametrize("batch", [500, 1])
def test_erasure_leaves_nothing_of_the_person_and_keeps_the_counters(app, batch, monkeypatch):
    monkeypatch.setitem(app.config, "ERASE_BATCH_SIZE", batch)
    monkeypatch.setitem(app.config, "ACCOUNT_DELETION_GRACE_DAYS", 0)
    ids = _rich_world(app)
    with app.test_request_context():
        from app.yourdata import services

        user = db.session.get(User, ids["alice"])
        services.request_deletion(user=user, password=PASSWORD, code=_code_of(user))
    assert [r.error for r in run_jobs(app)] == [None]  # grace 0: queued at once
    with app.app_context():
        assert _rows_of(ids["alice"]) == dict.fromkeys(_rows_of(ids["alice"]), 0)
        tomb = db.session.get(User, ids["alice"])
        assert tomb.username == f"deleted-{ids['alice']}" and "@" not in tomb.email
        assert tomb.password_hash == "" and tomb.display_name == "" and tomb.erased_at
        assert "alice" not in (tomb.username + tomb.email + tomb.bio)
        # Bob's answered comment keeps its place: a placeholder without words.
        placeholder = db.session.get(Comment, ids["answered"])
        assert placeholder.deleted_at and placeholder.body == "" and placeholder.body_html == ""
        leftover = db.session.scalars(
            select(Comment.body).where(Comment.author_id == ids["alice"])
        ).all()
        assert leftover == [""]  # only that placeholder; the chain went entirely
        # Counters: bob's post has bob's and carol's comments (the placeholder does not count).
        bobs = db.session.get(Post, ids["bobs"])
        live = db.session.scalar(
            select(func.count())
            .select_from(Comment)
            .where(Comment.post_id == bobs.id, Comment.deleted_at.is_(None))
        )
        assert bobs.comments_count == live == 2
        assert (bobs.like_count, bobs.love_count, bobs.reactions_count) == (1, 0, 1)
        bob, carol = db.session.get(User, ids["bob"]), db.session.get(User, ids["carol"])
        assert (bob.followers_count, bob.following_count) == (1, 0)
        assert (carol.followers_count, carol.following_count) == (0, 1)
        tag = db.session.scalar(select(Tag).where(Tag.name == "shared"))
        assert tag.posts_count == 1
        # The conversation between bob and carol is untouched; alice's went whole.
        assert db.session.get(Conversation, ids["kept"]) is not None
        assert db.session.scalar(select(func.count(Conversation.id))) == 1
        # Bob's socket replay no longer holds alice's messages; his talk with carol stays.
        replay = db.session.scalars(
            select(StoredEvent.data).where(
                StoredEvent.user_id == ids["bob"], StoredEvent.type == "message"
            )
        ).all()
        assert replay and {event["conversation_id"] for event in replay} == {ids["kept"]}
        # The audit log: one erasure entry with the id, and no name of hers anywhere.
        erased = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.erase"))
        [entry] = erased.all()
        assert entry.target_id == ids["alice"] and entry.actor_id is None
        for old in db.session.scalars(select(AuditEntry)):
            assert "alice" not in str(old.details) and old.actor_username != "alice"
    # The API shows the placeholder with no author; the username and address are free again.
    comments = Api(app.test_client()).call("GET", f"/posts/{ids['bobs']}/comments").get_json()
    [shown] = [c for c in comments["items"] if c["id"] == ids["answered"]]
    assert shown["deleted"] is True and shown["author"]["username"] == ""
    assert app.test_client().get(f"/u/deleted-{ids['alice']}").status_code == 404
    again = Api(app.test_client()).call(
        "POST",
        "/auth/register",
        {"username": "alice", "email": "alice@example.com", "password": PASSWORD},
    )
    assert again.status_code == 201
    # Running the job again (it may run twice) changes nothing.
    with app.app_context():
        before = {t.name: db.session.execute(t.select()).all() for t in db.metadata.sorted_tables}
    run(app, "accounts.erase", [ids["alice"]], {})
    with app.app_context():
        after = {t.name: db.session.execute(t.select()).all() for t in db.metadata.sorted_tables}
    assert after == before


def _code_of(user: User) -> str:
    from app.accounts import mfa

    if not user.two_factor:
        return ""
    secret = mfa._open(user, user.totp)
    return pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30))


def test_the_periodic_job_erases_only_the_accounts_that_are_due(app):
    alice = api_as(app, "alice")
    bob = api_as(app, "bob")
    api_as(app, "carol")
    alice.call("DELETE", "/me", {"password": PASSWORD})
    bob.call("DELETE", "/me", {"password": PASSWORD})
    # 14 days of grace: only the two mails that say so, no erasure yet.
    assert [run.name for run in run_jobs(app)] == ["mail.deliver", "mail.deliver"]
    _due_now(app, "alice")
    attempts = _erase_due(app)
    assert [a.error for a in attempts] == [None]
    with app.app_context():
        erased = db.session.scalars(select(User).where(User.erased_at.is_not(None))).all()
        assert [u.username.startswith("deleted-") for u in erased] == [True]
        assert db.session.scalar(select(User).where(User.username == "bob")).erased_at is None
    # Staff see who waits for erasure, and no tombstone (it has no name to moderate).
    make_user(app, "root", role="admin")
    staff = app.test_client()
    Auth(staff).login("root")
    listed = staff.get("/admin/users").get_data(as_text=True)
    assert "@bob" in listed and "Erased on" in listed
    assert "deleted-" not in listed and "@alice" not in listed


def test_an_erasure_job_for_a_cancelled_or_unknown_account_does_nothing(app):
    alice = api_as(app, "alice")
    alice.call("DELETE", "/me", {"password": PASSWORD})
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "alice"))
    run(app, "accounts.erase", [user_id], {})  # not due yet
    run(app, "accounts.erase", [2**31 - 1], {})  # no such account
    with app.app_context():
        assert db.session.get(User, user_id).erased_at is None
