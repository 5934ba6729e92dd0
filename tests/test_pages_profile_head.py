"""A profile's head: kept once per person, relation and locale, filled per reader, never stale."""

from __future__ import annotations

import re

import pytest

from app import cards
from app.accounts import services as accounts
from app.accounts.queries import find_by_username
from app.errors import ValidationError
from app.extensions import db
from app.safety import services as safety
from app.social import services as social
from tests.conftest import make_user
from tests.test_pages_frame import page_token, signed_in


def head(page: str) -> str:
    match = re.search(r'<header class="card profile-head">.*?</nav>', page, re.S)
    assert match, "no profile head"
    return match[0]


def test_each_reader_gets_their_own_head_with_this_request_token(app):
    alice, bob = signed_in(app, "alice"), signed_in(app, "bob")
    carol = signed_in(app, "carol")
    for client in (alice, carol):  # the same relation: one kept head, two tokens
        page = client.get("/u/bob").text
        tokens = re.findall(r'name="csrf_token" value="([^"]*)"', head(page))
        # Follow, Message, Mute and Block, each with the page's own token.
        assert len(tokens) == 4 and set(tokens) == {page_token(page)}
        assert ">\n    Follow<" in head(page) and "Edit profile" not in head(page)
    own = head(bob.get("/u/bob").text)
    assert "Edit profile" in own and "Follow<" not in own and "csrf_token" not in own
    signed_out = head(app.test_client().get("/u/bob").text)
    assert "Edit profile" not in signed_out and "csrf_token" not in signed_out
    assert cards.MARK not in own + signed_out


def test_a_follow_a_block_a_mute_and_a_new_name_show_at_once(app):
    alice = signed_in(app, "alice")
    make_user(app, "bob")
    first = head(alice.get("/u/bob").text)
    assert "<strong>0</strong> followers" in first and 'aria-pressed="false"' in first
    with app.test_request_context():
        social.follow(follower=find_by_username("alice"), username="bob")
        db.session.commit()
    followed = head(alice.get("/u/bob").text)
    assert "<strong>1</strong> follower<" in followed and "Following<" in followed
    with app.test_request_context():
        safety.mute(muter=find_by_username("alice"), username="bob")
        db.session.commit()
    assert "Unmute<" in head(alice.get("/u/bob").text)
    with app.test_request_context():
        accounts.update_profile(user=find_by_username("bob"), display_name="Robert", bio="Hi")
        db.session.commit()
    renamed = head(alice.get("/u/bob").text)
    assert "<h1>Robert</h1>" in renamed and '<p class="profile-bio">Hi</p>' in renamed
    with app.test_request_context():
        safety.block(blocker=find_by_username("alice"), username="bob")
        db.session.commit()
    blocked = alice.get("/u/bob").text
    assert "Unblock<" in head(blocked) and "Message<" not in head(blocked)
    assert "You blocked @bob" in blocked


def test_a_bio_holding_a_slot_marker_is_shown_as_text(app):
    alice = signed_in(app, "alice")
    make_user(app, "bob")
    with app.test_request_context():
        bob = find_by_username("bob")
        # A bio cannot hold the NUL that opens and closes a marker...
        with pytest.raises(ValidationError):
            accounts.update_profile(user=bob, bio=f"{cards.MARK}csrf{cards.END}")
        db.session.rollback()
        # ...and the rest of a marker, even with the process's secret token, is only text.
        accounts.update_profile(user=find_by_username("bob"), bio=f"{cards.MARK[1:]}csrf <b>")
        db.session.commit()
    page = alice.get("/u/bob").text
    bio = re.search(r'<p class="profile-bio">(.*?)</p>', head(page), re.S)[1]
    assert bio == f"{cards.MARK[1:]}csrf &lt;b&gt;" and page_token(page) not in bio
    assert "\x00" not in page


def test_the_head_speaks_the_readers_language(app):
    make_user(app, "bob")
    client = app.test_client()
    german = head(client.get("/u/bob", headers={"Accept-Language": "de"}).text)
    english = head(client.get("/u/bob", headers={"Accept-Language": "en"}).text)
    assert ">Beitr&#228;ge<" in german and ">Posts<" not in german  # pages are ASCII
    assert ">Posts<" in english and "Beitr" not in english
