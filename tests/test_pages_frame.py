"""The page frame, the composer and notifications: kept once, filled per reader, never stale."""

from __future__ import annotations

import re

from flask_babel import force_locale, get_translations

from app import cards
from app.accounts import services as accounts
from app.accounts.queries import find_by_username
from app.extensions import db
from app.messaging import services as messaging
from app.notifications import services as notifications
from app.web import page_translations
from tests.conftest import Auth, make_user


def signed_in(app, name: str, **user):
    make_user(app, name, **user)
    client = app.test_client()
    Auth(client).login(name)
    return client


def header(page: str) -> str:
    match = re.search(r'<header class="site-header">.*?</header>', page, re.S)
    assert match, "no site header"
    return match[0]


def page_token(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page)[1]


def badge(page: str, name: str) -> str:
    match = re.search(rf'<span id="{name}-badge" class="count-badge[^"]*">(.*?)</span>\n', page)
    assert match, f"no {name} badge"
    return match[1]


def test_each_reader_gets_their_own_header_with_this_request_token(app):
    alice, bob = signed_in(app, "alice"), signed_in(app, "bob")
    mine, theirs = alice.get("/latest").text, bob.get("/latest").text
    assert "<span>alice</span>" in header(mine) and "bob" not in header(mine)
    assert "<span>bob</span>" in header(theirs) and "alice" not in header(theirs)
    # The log-out form carries the page's own token (a slot), never a kept one.
    for page in (mine, theirs):
        assert f'name="csrf_token" value="{page_token(page)}"' in header(page)
    assert cards.MARK not in mine + theirs
    signed_out = app.test_client().get("/latest").text
    assert "Log out" not in header(signed_out) and "Log in" in header(signed_out)


def test_the_header_shows_a_new_name_avatar_or_role_at_once(app):
    alice = signed_in(app, "alice")
    assert ">Admin<" not in header(alice.get("/latest").text)
    with app.test_request_context():
        accounts.update_profile(user=find_by_username("alice"), display_name="Alice A")
        user = find_by_username("alice")
        user.role = "admin"
        db.session.commit()
    assert ">Admin<" in header(alice.get("/latest").text)


def test_the_badges_count_at_once_and_the_logout_still_works(app):
    alice = signed_in(app, "alice")
    make_user(app, "bob")
    page = alice.get("/latest").text
    assert badge(page, "notification") == "" and badge(page, "messages") == ""
    with app.test_request_context():
        bob, me = find_by_username("bob"), find_by_username("alice")
        notifications.notify(user_id=me.id, type="follow", actor_id=bob.id)
        conversation, _new = messaging.start_conversation(user=bob, username="alice")
        messaging.send_message(conversation_id=conversation.id, sender=bob, body="hi")
        db.session.commit()
    page = alice.get("/latest").text
    assert "1 unread<" in badge(page, "notification")
    assert "1 unread message<" in badge(page, "messages")
    with app.test_request_context():
        notifications.mark_read(user=find_by_username("alice"))
        db.session.commit()
    page = alice.get("/latest").text
    assert badge(page, "notification") == "" and "1 unread message<" in badge(page, "messages")
    # The kept header's log-out form works: its token is this page's.
    alice.post("/logout", data={"csrf_token": page_token(page)})
    assert "Log in" in header(alice.get("/latest").text)


def test_the_badges_read_with_the_sign_in_are_counted_again_after_a_write(app):
    # A page reads both badges in its sign-in's statement; opening a conversation marks its
    # messages read during the same GET, and that page's own header must already show it.
    alice = signed_in(app, "alice")
    make_user(app, "bob")
    with app.test_request_context():
        conversation, _new = messaging.start_conversation(
            user=find_by_username("bob"), username="alice"
        )
        messaging.send_message(
            conversation_id=conversation.id, sender=find_by_username("bob"), body="hi"
        )
        db.session.commit()
        conversation_id = conversation.id
    assert "1 unread message<" in badge(alice.get("/latest").text, "messages")
    assert badge(alice.get(f"/messages/{conversation_id}").text, "messages") == ""
    assert badge(alice.get("/latest").text, "messages") == ""


def test_the_composer_is_kept_empty_and_carries_the_page_token(app):
    alice = signed_in(app, "alice")
    first, second = alice.get("/").text, alice.get("/").text
    for page in (first, second):
        composer = re.search(r'<form id="composer".*?</form>', page, re.S)[0]
        assert f'value="{page_token(page)}"' in composer and "</textarea>" in composer
    # Sent back with errors, it is one reader's: shown once, never kept.
    response = alice.post("/posts", data={"csrf_token": page_token(first), "body": ""})
    assert response.status_code == 422
    assert "field-invalid" not in alice.get("/").text


def test_an_unverified_author_sees_why_the_composer_waits(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_VERIFIED_EMAIL", True)
    signed_in(app, "carol")  # a verified reader keeps the plain composer first
    page = signed_in(app, "dave", verified=False).get("/").text
    assert 'id="composer-why"' in page and "dave@" in page


def test_a_notification_shows_read_and_new_names_at_once(app):
    alice = signed_in(app, "alice")
    make_user(app, "bob")
    with app.test_request_context():
        notifications.notify(
            user_id=find_by_username("alice").id, type="follow", actor_id=find_by_username("bob").id
        )
        db.session.commit()
    page = alice.get("/notifications").text
    assert "notification is-unread" in page and "bob followed you." in page
    assert "just now</time>" in page and cards.MARK not in page
    with app.test_request_context():
        accounts.update_profile(user=find_by_username("bob"), display_name="Robert")
        notifications.mark_read(user=find_by_username("alice"))
        db.session.commit()
    page = alice.get("/notifications").text
    assert "notification is-unread" not in page and "Robert followed you." in page


def test_the_templates_translations_follow_a_forced_locale(app):
    with app.test_request_context("/"):
        usual = page_translations()
        assert usual is get_translations() and page_translations() is usual
        with force_locale("de"):
            assert page_translations() is get_translations() is not usual
        assert page_translations() is usual


def test_template_messages_are_kept_per_language_and_values_still_escaped(app):
    make_user(app, "bob", display_name="<b>Bob</b>")
    client = app.test_client()
    for _round in range(2):  # the second round reads the kept messages
        german = client.get("/u/bob", headers={"Accept-Language": "de"}).text
        english = client.get("/u/bob", headers={"Accept-Language": "en"}).text
        assert ">Tastenk&#252;rzel<" in german and ">Keyboard shortcuts<" in english
        assert 'content="&lt;b&gt;Bob&lt;/b&gt; ist auf DevThread."' in german
        assert 'content="&lt;b&gt;Bob&lt;/b&gt; is on DevThread."' in english


def test_a_session_keeps_one_signed_token_that_its_forms_post_with(app):
    alice, bob = signed_in(app, "alice"), signed_in(app, "bob")
    first = page_token(alice.get("/latest").text)
    assert page_token(alice.get("/u/alice").text) == first  # signed once, not on every page
    assert page_token(bob.get("/latest").text) != first  # each session its own
    response = alice.post("/posts", data={"csrf_token": first, "body": "Signed once"})
    assert response.status_code == 303
    refused = alice.post("/posts", data={"csrf_token": first[:-2] + "xx", "body": "Forged"})
    assert refused.status_code == 400


def test_the_templates_url_for_builds_each_address_once_per_script_root(app):
    from flask import url_for

    page_url = app.jinja_env.globals["url_for"]
    with app.test_request_context("/"):
        first = page_url("social.profile", username="ann")
        assert first == url_for("social.profile", username="ann") == "/u/ann"
        assert page_url("social.profile", username="ann") is first  # kept, not built again
        assert page_url("feeds.latest", cursor="abc") == "/latest?cursor=abc"
    with app.test_request_context("/", base_url="http://example.test/dt/"):
        assert page_url("social.profile", username="ann") == "/dt/u/ann"  # its script root
        assert page_url("feeds.latest", _external=True) == "http://example.test/dt/latest"
        assert page_url("search.search", q=["a", "b"]) == "/dt/search?q=a&q=b"
    # A socket's address carries its host: built for each request, never kept.
    for host in ("127.0.0.1:5000", "localhost:5000"):
        with app.test_request_context("/", base_url=f"http://{host}/"):
            assert page_url("realtime.websocket", format="html") == f"ws://{host}/ws?format=html"
