"""What the socket pushes to the pages, as fragments (the browser tests drive the same)."""

from __future__ import annotations

from flask_login import login_user

from app.accounts.queries import find_by_username
from app.live import render
from app.messaging import services as messaging
from app.realtime.hub import Connection
from tests.conftest import Auth, make_user


def test_the_first_message_takes_say_hello_away(app):
    make_user(app, "alice")
    make_user(app, "bob")
    with app.test_request_context():
        conversation, _ = messaging.start_conversation(
            user=find_by_username("alice"), username="bob"
        )
        cid = conversation.id
    client = app.test_client()
    Auth(client).login("bob")
    page = client.get(f"/messages/{cid}").text
    # The empty state has an id the push can name...
    assert f'<p class="empty-state" id="conversation-{cid}-empty">' in page
    with app.test_request_context():
        alice = find_by_username("alice")
        message = messaging.send_message(conversation_id=cid, sender=alice, body="hi")
        from app.messaging.payloads import message_payload

        event = {"id": 1, "type": "message", "data": message_payload(message).json_dict()}
        for name in ("alice", "bob"):
            # ...and the message pushed to either member deletes it, as notifications do.
            login_user(find_by_username(name))
            conn = Connection(user_id=find_by_username(name).id, format="html")
            (fragment,) = render.event_frames(conn, event)
            assert f'<p id="conversation-{cid}-empty" hx-swap-oob="delete"></p>' in fragment
    assert "Say hello!" not in client.get(f"/messages/{cid}").text
