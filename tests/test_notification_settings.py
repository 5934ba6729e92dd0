"""Notification settings, a mail per notification, digests and one-click unsubscribe.

Mail goes through a real SMTP server (aiosmtpd, the ``smtp_to`` fixture) by the jobs.
"""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.digests.jobs import send_digests
from app.extensions import db
from app.notifications.models import DigestSetting, Notification, NotificationSetting
from app.notifications.unsubscribe import make_token
from tests.conftest import api_as, csrf_token, make_user, run_jobs

DEFAULTS = {
    "types": {
        kind: {"web": True, "email": False}
        for kind in ("follow", "reaction", "comment", "reply", "mention", "message")
    },
    "digest": "off",
}


def unsubscribe_path(message) -> str:
    header = message["List-Unsubscribe"].strip()
    match = re.fullmatch(r"<https?://[^/]+(/unsubscribe/[^>]+)>", header)
    assert match, header
    return match.group(1)


def test_defaults_then_a_partial_change(app):
    alice = api_as(app, "alice")
    assert alice.call("GET", "/me/notification_settings").get_json() == DEFAULTS
    changed = alice.call(
        "PATCH", "/me/notification_settings", {"types": {"follow": {"email": True}}}
    )
    assert changed.status_code == 200
    body = changed.get_json()
    assert body["types"]["follow"] == {"web": True, "email": True}
    assert body["types"]["comment"] == {"web": True, "email": False}
    changed = alice.call("PATCH", "/me/notification_settings", {"digest": "weekly"})
    assert changed.get_json()["digest"] == "weekly"
    assert changed.get_json()["types"]["follow"] == {"web": True, "email": True}


@pytest.mark.parametrize(
    "body",
    [
        {"types": {"nosuch": {"web": False}}},
        {"types": {"removed": {"web": False}}},  # the moderators' notices always reach you
        {"types": {"follow": {"web": "no"}}},
        {"types": {"follow": {"web": 0}}},
        {"types": {"follow": {"sms": True}}},
        {"types": ["follow"]},
        {"digest": "hourly"},
        {"digest": None},
        {},
        {"other": 1},
    ],
)
def test_bad_settings_are_422_and_change_nothing(app, body):
    alice = api_as(app, "alice")
    answer = alice.call("PATCH", "/me/notification_settings", body)
    assert answer.status_code == 422, answer.get_json()
    assert "error" in answer.get_json()
    assert alice.call("GET", "/me/notification_settings").get_json() == DEFAULTS


def test_not_json_is_refused(app):
    alice = api_as(app, "alice")
    answer = alice.call(
        "PATCH", "/me/notification_settings", data="{", content_type="application/json"
    )
    assert answer.status_code in (400, 422)


def test_web_off_stores_and_pushes_nothing(app):
    alice, bob = api_as(app, "alice"), api_as(app, "bob")
    alice.call("PATCH", "/me/notification_settings", {"types": {"follow": {"web": False}}})
    assert bob.call("PUT", "/users/alice/follow").status_code == 204
    assert alice.call("GET", "/notifications").get_json()["items"] == []
    with app.app_context():
        assert db.session.scalars(select(Notification)).all() == []
    # Other types still come.
    assert alice.call("POST", "/posts", {"body": "hello"}).status_code == 201


def test_email_on_mails_each_one_and_one_click_turns_it_off(app, client, smtp_to):
    alice, bob = api_as(app, "alice"), api_as(app, "bob")
    alice.call("PATCH", "/me/notification_settings", {"types": {"follow": {"email": True}}})
    assert bob.call("PUT", "/users/alice/follow").status_code == 204
    assert smtp_to.messages == []  # queued after the commit, sent by the job
    run_jobs(app)
    [(to, message)] = smtp_to.messages
    assert to == ["alice@example.com"]
    assert "@bob follows you" in message["Subject"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    path = unsubscribe_path(message)
    assert path in message.get_body(("plain",)).get_content()
    # Still stored for the site too.
    assert len(alice.call("GET", "/notifications").get_json()["items"]) == 1
    # A link scanner's GET changes nothing; it shows a confirm button.
    page = client.get(path)
    assert page.status_code == 200 and b'method="post"' in page.data
    assert alice.call("GET", "/me/notification_settings").get_json()["types"]["follow"]["email"]
    # RFC 8058: a POST without a session or CSRF token, answered 200.
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    settings = alice.call("GET", "/me/notification_settings").get_json()
    assert settings["types"]["follow"] == {"web": True, "email": False}
    assert bob.call("DELETE", "/users/alice/follow").status_code == 204
    assert bob.call("PUT", "/users/alice/follow").status_code == 204
    run_jobs(app)
    assert len(smtp_to.messages) == 1


def test_an_unverified_address_gets_no_optional_mail(app, smtp_to):
    alice = api_as(app, "alice", verified=False)
    bob = api_as(app, "bob")
    alice.call("PATCH", "/me/notification_settings", {"types": {"follow": {"email": True}}})
    run_jobs(app)
    smtp_to.messages.clear()  # the verification mail
    assert bob.call("PUT", "/users/alice/follow").status_code == 204
    run_jobs(app)
    assert smtp_to.messages == []


@pytest.mark.parametrize("token", ["garbage", "WzEsImRpZ2VzdCJd.tampered", "a" * 300])
def test_tampered_tokens_get_a_clear_page_and_change_nothing(app, client, token):
    make_user(app, "alice")
    for method in (client.get, client.post):
        answer = method(f"/unsubscribe/{token}")
        assert answer.status_code == 404
        assert b"not valid" in answer.data


def test_a_token_for_another_kind_is_refused(app, client):
    with app.app_context(), pytest.raises(ValueError):
        make_token(1, "email:removed")


def test_security_mails_carry_no_unsubscribe(app, anon, smtp_to):
    make_user(app, "alice")
    assert anon.call("POST", "/auth/password/forgot", {"email": "alice@example.com"}).status_code
    run_jobs(app)
    [(_, message)] = smtp_to.messages
    assert message["List-Unsubscribe"] is None


def test_the_digest_mails_once_per_slot_and_one_click_stops_it(app, client, smtp_to):
    alice, bob = api_as(app, "alice"), api_as(app, "bob")
    api_as(app, "carol")
    assert alice.call("PUT", "/users/bob/follow").status_code == 204
    assert bob.call("POST", "/posts", {"body": "bob's news", "tags": ["py"]}).status_code == 201
    assert bob.call("PUT", "/users/alice/follow").status_code == 204  # unread for alice
    alice.call("PATCH", "/me/notification_settings", {"digest": "daily"})
    run_jobs(app)
    smtp_to.messages.clear()
    now = time.time()
    with app.app_context():
        assert send_digests("daily", now=now) == 1
        assert send_digests("daily", now=now) == 0  # the same slot: nobody twice
        assert send_digests("weekly", now=now) == 0
    run_jobs(app)
    [(to, message)] = smtp_to.messages
    assert to == ["alice@example.com"] and message["Subject"] == "Your day on DevThread"
    text = message.get_body(("plain",)).get_content()
    assert "@bob follows you" in text and "bob's news" in text
    path = unsubscribe_path(message)
    assert client.post(path).status_code == 200
    assert alice.call("GET", "/me/notification_settings").get_json()["digest"] == "off"
    with app.app_context():
        setting = db.session.get(DigestSetting, db.session.scalar(select(DigestSetting.user_id)))
        setting.digest, setting.last_digest_at = "daily", setting.last_digest_at - timedelta(days=2)
        db.session.commit()
        # The next day's slot mails again, counting from the last digest.
        assert send_digests("daily", now=now + 86400) == 1


def test_the_settings_page_form_with_and_without_htmx(app, client, auth):
    make_user(app, "alice")
    auth.login("alice")
    page = client.get("/settings").get_data(as_text=True)
    assert 'id="notification-settings-form"' in page and 'for="digest-weekly"' in page
    token = csrf_token(client, "/settings")
    form = {"csrf_token": token, "follow-web": "on", "comment-email": "on", "digest": "daily"}
    answer = client.post("/settings/notifications", data=form)
    assert answer.status_code == 303
    with app.app_context():
        rows = {r.type: (r.web, r.email) for r in db.session.scalars(select(NotificationSetting))}
        assert rows["follow"] == (True, False) and rows["comment"] == (False, True)
        assert rows["reaction"] == (False, False)
        assert db.session.scalar(select(DigestSetting.digest)) == "daily"
    htmx = {"HX-Request": "true"}
    answer = client.post("/settings/notifications", data={**form, "digest": "weekly"}, headers=htmx)
    assert answer.status_code == 200
    assert answer.get_data(as_text=True).lstrip().startswith("<form")
    assert "saved" in answer.get_data(as_text=True)
    bad = client.post("/settings/notifications", data={**form, "digest": "hourly"}, headers=htmx)
    assert bad.status_code == 422 and 'role="alert"' in bad.get_data(as_text=True)
    expired = client.post("/settings/notifications", data={"digest": "off"})
    assert expired.status_code == 400  # no CSRF token: refused before the view
    with app.app_context():
        assert db.session.scalar(select(DigestSetting.digest)) == "weekly"
