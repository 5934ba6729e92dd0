"""Unread counts are the live face's: services say they changed, each socket counts them once.

A resuming socket gets the stored events after an id, then the counts once for the whole batch.
"""

from __future__ import annotations

import json

import pytest
from flask_login import login_user

from app.accounts.queries import get_user
from app.extensions import db
from app.live import ws
from app.messaging import services as messaging
from app.notifications import services as notifications
from app.notifications.services import notify
from app.realtime.hub import Connection
from tests.conftest import make_user
from tests.test_api_queries import counting


class Recorder:
    """A socket that keeps what it was sent."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, data: str) -> None:
        self.sent.append(data)


def _notify(app, bob: int, alice: int, count: int) -> None:
    """Store ``count`` more notifications for Bob (each a stored event)."""
    with app.test_request_context():
        for _ in range(count):
            notify(user_id=bob, type="follow", actor_id=alice)
        db.session.commit()


def _replay(app, user_id: int, after: int, format: str) -> tuple[list[str], list[str]]:
    """Resume from ``after`` as one socket would; return the statements run and frames sent."""
    socket = Recorder()
    with app.test_request_context():
        login_user(get_user(user_id))  # the pages' fragments are rendered for the signed-in user
        conn = Connection(user_id=user_id, format=format)
        db.session.expunge_all()  # nothing cached from the setup: count what a socket runs
        with counting(app) as statements:
            ws._replay(socket, conn, ws.Recent(), after)
        db.session.remove()
    return statements, socket.sent


@pytest.mark.parametrize("format", ["json", "html"])
def test_resuming_costs_the_same_queries_for_one_event_or_twenty(app, format):
    bob, alice = make_user(app, "bob"), make_user(app, "alice")
    _notify(app, bob, alice, 1)
    one, frames = _replay(app, bob, 0, format)
    assert len(frames) == 1 + (format == "json")  # JSON: the event, then the counts
    _notify(app, bob, alice, 19)
    twenty, frames = _replay(app, bob, 0, format)
    assert len(frames) == 20 + (format == "json")
    assert len(twenty) == len(one), "\n---\n".join(twenty)


def test_a_replayed_batch_ends_with_one_unread_frame(app):
    bob, alice = make_user(app, "bob"), make_user(app, "alice")
    _notify(app, bob, alice, 3)
    _, sent = _replay(app, bob, 0, "json")
    frames = [json.loads(f) for f in sent]
    assert [f["type"] for f in frames] == ["notification"] * 3 + ["unread"]
    assert frames[-1]["data"] == {"notifications": 3, "messages": 0}
    assert len({f["id"] for f in frames[:3]}) == 3


@pytest.fixture
def published(monkeypatch) -> list[dict]:
    """Collect what the services publish on the event bus."""
    sent: list[dict] = []

    class FakeBus:
        def publish(self, message: dict) -> None:
            sent.append(message)

    monkeypatch.setattr("app.realtime.bus.get_bus", lambda: FakeBus())
    return sent


def test_reading_says_the_counts_changed_and_each_socket_counts_them(app, published):
    bob, alice = make_user(app, "bob"), make_user(app, "alice")
    _notify(app, bob, alice, 2)
    with app.test_request_context():
        conversation, _ = messaging.start_conversation(user=get_user(alice), username="bob")
        messaging.send_message(conversation_id=conversation.id, sender=get_user(alice), body="hi")
        published.clear()
        notifications.mark_read(user=get_user(bob))
        messaging.mark_read(conversation_id=conversation.id, user=get_user(bob))
        unread = [m for m in published if m["event"]["type"] == "unread"]
        # The services count nothing: the event only says the counts changed.
        assert [(m["users"], m["event"]["data"]) for m in unread] == [([bob], {}), ([bob], {})]
        login_user(get_user(bob))
        for format in ("json", "html"):
            conn = Connection(user_id=bob, format=format)
            with counting(app) as statements:
                (sent,) = ws.render.event_frames(conn, unread[0]["event"])
            assert len(statements) <= 3  # the socket's user and the two counts, once
            if format == "json":
                assert json.loads(sent) == {
                    "id": None,
                    "type": "unread",
                    "data": {"notifications": 0, "messages": 0},
                }
            else:
                assert 'id="notification-badge"' in sent and 'id="messages-badge"' in sent


def test_a_socket_whose_account_is_gone_closes_as_ended(app, live_server):
    # The row can go while a socket is open (an erased account, a test's clean-up): the next
    # event must end the socket as a finished sign-in, not fail inside its loop.
    from sqlalchemy import delete

    from app.accounts.models import User
    from app.realtime.events import emit
    from tests.conftest import api_as
    from tests.live import Client

    alice = api_as(app, "alice")
    client = Client(live_server.replace("http", "ws", 1) + "/ws", alice.access_token)
    client.next("unread")
    with app.test_request_context():
        user_id = db.session.scalar(db.select(User.id).where(User.username == "alice"))
        db.session.execute(delete(User).where(User.id == user_id))
        emit(db.session, [user_id], "unread", {})
        db.session.commit()
    assert client.close_code(timeout=5) == ws.SESSION_ENDED
