"""Sockets under pressure, against real gunicorn, PostgreSQL and Redis (issue 13, item 5).

A burst of handshakes must leave no transaction open and never run the pool dry; a consumer that
stops reading must still get every stored notification (replayed by id once it reads again).
"""

from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta

import pytest
import requests
import websocket
from sqlalchemy import text, update

from app.accounts.models import UserSession
from app.extensions import db
from app.timeutil import utcnow
from tests.conftest import PASSWORD, REDIS_URL, make_user
from tests.live import Client, Server, running

pytestmark = [pytest.mark.server, pytest.mark.redis_only]

APP_NAME = "devthread-ws-pressure"


def _with_app_name(url: str) -> str:
    """Name the server's PostgreSQL connections, so pg_stat_activity tells them apart."""
    return url + ("&" if "?" in url else "?") + f"application_name={APP_NAME}"


def _backends(app) -> list[tuple[str, str]]:
    """Return (state, query) of the server's PostgreSQL connections."""
    with app.app_context():
        rows = db.session.execute(
            text("SELECT state, query FROM pg_stat_activity WHERE application_name = :name"),
            {"name": APP_NAME},
        ).all()
        db.session.remove()
    return [(row.state, row.query) for row in rows]


def test_a_burst_of_handshakes_holds_no_transaction_and_never_drains_the_pool(app, tmp_path):
    """Twelve handshakes at once on a pool of two, each sign-in due a "last active" write."""
    make_user(app, "bob")
    url = _with_app_name(app.config["SQLALCHEMY_DATABASE_URI"])
    server = Server(url, REDIS_URL, log=tmp_path / "server.log")
    # Two connections and no overflow: a handshake that took a second connection while holding
    # one (the "last active" write did) deadlocked here until the pool's timeout, a 503.
    server.env.update({"DB_POOL_SIZE": "2", "DB_MAX_OVERFLOW": "0"})
    with running(server):
        token = server.login("bob", PASSWORD)
        with app.app_context():
            stale = utcnow() - timedelta(seconds=app.config["SESSION_TOUCH_INTERVAL"] + 60)
            db.session.execute(update(UserSession).values(last_seen_at=stale))
            db.session.commit()
        clients: list[Client] = []
        failures: list[BaseException] = []

        def connect() -> None:
            try:
                client = Client(server.ws_url, token)
                client.next("unread", timeout=30)
                clients.append(client)
            except BaseException as error:  # reported below, with the others
                failures.append(error)

        threads = [threading.Thread(target=connect) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not failures, failures
        assert len(clients) == 12
        # Every socket is open and idle in its loop: none of them holds a transaction.
        backends = _backends(app)
        assert backends, "the server's connections are not named: the check would see nothing"
        assert [b for b in backends if b[0] != "idle"] == []
        # The sockets still work: a notification reaches each of them.
        make_user(app, "alice")
        alice = server.login("alice", PASSWORD)
        assert server.api("PUT", "/users/bob/follow", alice).status_code == 204
        for client in clients:
            assert client.next("notification", timeout=10)["data"]["type"] == "follow"
        assert [b for b in _backends(app) if b[0] == "idle in transaction"] == []
        for client in clients:
            client.close()


def _dropped(server: Server, reason: str = "replayed_later") -> float:
    """Read how many events were not queued for a socket that was behind, for one reason."""
    # replayed_later: stored events (replayed by id); slow_consumer: ephemeral ones (lost).
    body = requests.get(server.url + "/metrics", timeout=10).text
    return sum(
        float(line.split()[-1])
        for line in body.splitlines()
        if line.startswith("devthread_events_dropped_total") and reason in line
    )


def test_a_stalled_consumer_gets_every_stored_notification(app, tmp_path):
    """Bob's socket stops reading; the live path drops, the replay by id brings back every one."""
    make_user(app, "bob")
    make_user(app, "alice")
    # Its log goes to a file: hundreds of requests would fill a pipe nobody reads.
    url = _with_app_name(app.config["SQLALCHEMY_DATABASE_URI"])
    server = Server(url, REDIS_URL, log=tmp_path / "server.log")
    # Two events waiting at most, then the socket is behind; small kernel buffers on both ends,
    # so a socket nobody reads blocks the server's sends after a few dozen frames.
    server.env.update({"WS_QUEUE_SIZE": "2", "WS_SEND_BUFFER": "4096"})
    with running(server):
        bob_token = server.login("bob", PASSWORD)
        alice = server.login("alice", PASSWORD)
        post = server.api("POST", "/posts", alice, json={"body": "comment here"})
        assert post.status_code == 201, post.text
        post_id = post.json()["id"]
        # A tiny receive buffer, and nobody reads: the server's sends soon block on this socket.
        bob = websocket.create_connection(
            f"{server.ws_url}?access_token={bob_token}&format=json",
            timeout=30,
            sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 2048),),
        )
        made = 0
        # Comments naming Bob until the server had to drop some from his socket's queue (it
        # must, once the buffers are full), plus a few after that.
        while made < 300 and (made % 20 or _dropped(server) == 0):
            body = {"body": f"@bob number {made} " + "x" * 400}
            answer = server.api("POST", f"/posts/{post_id}/comments", alice, json=body)
            assert answer.status_code == 201, answer.text
            made += 1
        assert _dropped(server) > 0, "the socket never fell behind: the test proves nothing"
        for _ in range(5):
            body = {"body": f"@bob number {made} after the drop"}
            assert server.api("POST", f"/posts/{post_id}/comments", alice, json=body).ok
            made += 1
        # Bob's socket is stuck in a send: it holds no transaction meanwhile.
        assert [b for b in _backends(app) if b[0] == "idle in transaction"] == []
        # Bob reads again: every stored mention arrives, each once, in order.
        ids: list[int] = []
        bob.settimeout(30)
        while len(ids) < made:
            frame = json.loads(bob.recv())
            if frame["type"] == "notification":
                ids.append(frame["id"])
        bob.close()
        assert len(ids) == len(set(ids)) == made
        assert ids == sorted(ids)


def test_frames_written_by_the_bus_stay_whole_and_in_order_for_a_stalled_consumer(app, tmp_path):
    """New posts are written to an idle socket by the bus itself; once Bob stops reading, a frame
    the kernel takes only part of is finished by his socket's loop, before anything else."""
    make_user(app, "bob")
    make_user(app, "alice")
    url = _with_app_name(app.config["SQLALCHEMY_DATABASE_URI"])
    server = Server(url, REDIS_URL, log=tmp_path / "server.log")
    server.env.update({"WS_QUEUE_SIZE": "4", "WS_SEND_BUFFER": "4096"})
    with running(server):
        bob_token = server.login("bob", PASSWORD)
        alice = server.login("alice", PASSWORD)
        assert server.api("PUT", "/users/alice/follow", bob_token).status_code == 204
        first = server.api("POST", "/posts", alice, json={"body": "the thread"})
        assert first.status_code == 201, first.text
        bob = websocket.create_connection(
            f"{server.ws_url}?access_token={bob_token}&format=json",
            timeout=30,
            sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 2048),),
        )
        # Read until the socket is idle: its first frames (the unread counts) are out.
        assert json.loads(bob.recv())["type"] == "unread"
        posts: list[int] = []
        mentions = 0
        # New posts (odd sizes, so the kernel's buffer fills in the middle of a frame) with a
        # stored mention now and then, until the server had to drop new posts for Bob.
        while len(posts) < 400 and (len(posts) % 20 or _dropped(server, "slow_consumer") == 0):
            body = {"body": f"post {len(posts)} " + "y" * (300 + 37 * (len(posts) % 7))}
            answer = server.api("POST", "/posts", alice, json=body)
            assert answer.status_code == 201, answer.text
            posts.append(answer.json()["id"])
            if len(posts) % 10 == 0:
                comment = {"body": f"@bob mention {mentions}"}
                path = f"/posts/{first.json()['id']}/comments"
                assert server.api("POST", path, alice, json=comment).status_code == 201
                mentions += 1
        behind = _dropped(server, "slow_consumer")
        assert behind > 0, "the socket never fell behind: the test proves nothing"
        # Bob reads again: every frame is whole JSON, the new posts come in order (some were
        # dropped: they are ephemeral), and every stored mention arrives, each once, in order.
        seen_posts: list[int] = []
        notified: list[int] = []
        bob.settimeout(30)
        while len(notified) < mentions:
            frame = json.loads(bob.recv())
            if frame["type"] == "post.created":
                seen_posts.append(frame["data"]["id"])
            elif frame["type"] == "notification":
                notified.append(frame["id"])
        bob.close()
        assert seen_posts == sorted(seen_posts) and len(set(seen_posts)) == len(seen_posts)
        assert set(seen_posts) <= set(posts) and len(seen_posts) >= 10
        assert len(notified) == len(set(notified)) == mentions
        assert notified == sorted(notified)
