"""The live protocol against real gunicorn servers (gevent workers).

On the SQLite run one server checks the protocol with the in-process bus; on the PostgreSQL +
Redis run two servers share the database and Redis, and what happens through one reaches
sockets on the other.
"""

from __future__ import annotations

import re
import time

import pytest
import requests
import websocket

from tests.conftest import PASSWORD, REDIS_URL, make_user
from tests.live import Client, PrivateRedis, Server, running

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def servers(app):
    """Two servers on PostgreSQL + Redis, or one on the SQLite file of this run."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    count = 2 if REDIS_URL else 1
    group = [Server(url, REDIS_URL) for _ in range(count)]
    with running(*group):
        yield group


@pytest.fixture
def pair(servers):
    """(server where sockets listen, server where things are done)."""
    return servers[0], servers[-1]


@pytest.fixture
def people(app):
    """Alice and Bob, with passwords."""
    make_user(app, "alice")
    make_user(app, "bob")
    return "alice", "bob"


def test_handshake_without_credentials_is_401(pair):
    listen, _ = pair
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(listen.ws_url, timeout=5)
    assert refused.value.status_code == 401
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(listen.ws_url + "?access_token=forged", timeout=5)
    assert refused.value.status_code == 401


def test_handshake_from_a_foreign_origin_is_403(pair, people):
    listen, _ = pair
    token = listen.login("bob", PASSWORD)
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        Client(listen.ws_url, token, origin="https://evil.example")
    assert refused.value.status_code == 403
    Client(listen.ws_url, token, origin=listen.url).close()


def test_connect_sends_unread_then_ping_pong_and_bad_frames_keep_the_socket(pair, people):
    listen, _ = pair
    client = Client(listen.ws_url, listen.login("bob", PASSWORD))
    assert client.next("unread")["data"] == {"notifications": 0, "messages": 0}
    for bad in (
        "not json",
        "[1, 2]",
        '{"no": "type"}',
        '{"type": "launch"}',
        "x" * 5000,
        '{"type": "typing", "conversation_id": "x"}',
        '{"type": "typing", "conversation_id": 999999}',
        '{"type": "resume", "last_event_id": "abc"}',
        "[" * 2000 + "]" * 2000,
        '{"type": "ping", "x": ' + "[" * 40 + "]" * 40 + "}",
    ):
        client.send(bad)
        assert client.next("error")["data"]["message"]
    client.send({"type": "ping"})
    assert client.next("pong")
    client.close()


def test_frames_in_one_write_are_all_answered_and_a_close_is_answered(pair, people):
    # gevent workers read a socket in its own loop, one read at a time (no reader greenlet):
    # frames that arrive together, or a frame split over reads, all get their answer.
    listen, _ = pair
    client = Client(listen.ws_url, listen.login("bob", PASSWORD))
    client.next("unread")
    frames = b"".join(
        websocket.ABNF.create_frame(text, websocket.ABNF.OPCODE_TEXT).format()
        for text in ['{"type": "ping"}', "y" * 6000, '{"type": "ping"}']
    )
    client.ws.sock.sendall(frames)
    answers = [client.next(kind)["type"] for kind in ("pong", "error", "pong")]
    assert answers == ["pong", "error", "pong"]
    client.ws.send_close(1000)
    assert client.close_code() == 1000  # the server answered the close
    client.close()


def test_notification_reaches_the_socket_on_the_other_process(pair, people):
    listen, act = pair
    bob = Client(listen.ws_url, listen.login("bob", PASSWORD))
    bob.next("unread")
    # Signed in first: a password hash costs up to a second on a loaded machine, and what is
    # timed here is the way from the write on one process to the frame on the other.
    alice = act.login("alice", PASSWORD)
    started = time.monotonic()
    assert act.api("PUT", "/users/bob/follow", alice).status_code == 204
    frame = bob.next("notification", timeout=1.0)
    assert time.monotonic() - started < 1.0
    assert frame["id"] is not None
    assert frame["data"]["type"] == "follow" and frame["data"]["actor"]["username"] == "alice"
    assert bob.next("unread", timeout=1.0)["data"]["notifications"] == 1
    bob.close()


def test_message_typing_and_read_marks_cross_processes(pair, people):
    listen, act = pair
    alice_token = act.login("alice", PASSWORD)
    conversation = act.api("POST", "/conversations", alice_token, json={"username": "bob"})
    assert conversation.status_code == 201
    cid = conversation.json()["id"]
    bob_token = listen.login("bob", PASSWORD)
    bob = Client(listen.ws_url, bob_token)
    bob.next("unread")
    alice = Client(act.ws_url, alice_token)
    alice.next("unread")

    alice.send({"type": "typing", "conversation_id": cid})
    typing = bob.next("typing", timeout=1.0)
    assert typing["data"] == {"conversation_id": cid, "username": "alice"}
    assert typing["id"] is None  # typing is never stored

    sent = act.api("POST", f"/conversations/{cid}/messages", alice_token, json={"body": "hi bob"})
    assert sent.status_code == 201
    message = bob.next("message", timeout=1.0)
    assert message["data"]["body"] == "hi bob" and message["id"] is not None
    assert bob.next("unread", timeout=1.0)["data"]["messages"] == 1
    # Alice's other tabs see her own message too.
    assert alice.next("message", timeout=1.0)["data"]["id"] == message["data"]["id"]

    assert listen.api("POST", f"/conversations/{cid}/read", bob_token).status_code == 204
    read = alice.next("read", timeout=1.0)
    assert read["data"]["username"] == "bob"
    # Bob's badges (the SPA's Messages count has no other source) learn it was read.
    assert bob.next("unread", timeout=1.0)["data"] == {"notifications": 0, "messages": 0}
    bob.close()
    alice.close()


def test_presence_follows_sockets(pair, people):
    listen, act = pair
    bob_token = listen.login("bob", PASSWORD)
    assert listen.api("PUT", "/users/alice/follow", bob_token).status_code == 204
    bob = Client(listen.ws_url, bob_token)
    bob.next("unread")
    alice = Client(act.ws_url, act.login("alice", PASSWORD))
    frame = bob.next("presence", timeout=1.0, match=lambda f: f["data"]["username"] == "alice")
    assert frame["data"]["online"] is True
    alice.close()
    frame = bob.next("presence", timeout=2.0, match=lambda f: f["data"]["username"] == "alice")
    assert frame["data"]["online"] is False
    bob.close()


def test_new_post_reaches_followers(pair, people):
    listen, act = pair
    bob_token = listen.login("bob", PASSWORD)
    listen.api("PUT", "/users/alice/follow", bob_token)
    bob = Client(listen.ws_url, bob_token)
    bob.next("unread")
    posted = act.api("POST", "/posts", act.login("alice", PASSWORD), json={"body": "fresh #news"})
    assert posted.status_code == 201, posted.text
    frame = bob.next("post.created", timeout=1.0)
    assert frame["data"]["id"] == posted.json()["id"] and frame["data"]["tags"] == ["news"]
    bob.close()


def test_a_post_with_a_followed_tag_reaches_the_tags_followers_once(pair, people, app):
    listen, act = pair
    make_user(app, "carol")
    alice = act.login("alice", PASSWORD)
    assert act.api("POST", "/posts", alice, json={"body": "first #golang"}).status_code == 201
    bob_token, carol_token = listen.login("bob", PASSWORD), listen.login("carol", PASSWORD)
    for token in (bob_token, carol_token):
        assert listen.api("PUT", "/tags/golang/follow", token).status_code == 204
    assert listen.api("PUT", "/users/alice/follow", bob_token).status_code == 204  # and the tag
    assert listen.api("PUT", "/users/alice/mute", carol_token).status_code == 204
    bob, carol = Client(listen.ws_url, bob_token), Client(listen.ws_url, carol_token)
    bob.next("unread")
    carol.next("unread")
    posted = act.api("POST", "/posts", alice, json={"body": "second #golang"})
    assert posted.status_code == 201, posted.text
    frame = bob.next("post.created", timeout=1.0)
    assert frame["data"]["id"] == posted.json()["id"]
    # Once, though bob follows both alice and the tag; carol muted alice: nothing.
    assert [f for f in bob.frames(0.5) if f["type"] == "post.created"] == []
    assert [f for f in carol.frames(0.5) if f["type"] == "post.created"] == []
    bob.close()
    carol.close()


def test_resume_replays_each_missed_event_once(pair, people, app):
    listen, act = pair
    make_user(app, "carol")
    make_user(app, "dave")
    bob_token = listen.login("bob", PASSWORD)
    bob = Client(listen.ws_url, bob_token)
    bob.next("unread")
    act.api("PUT", "/users/bob/follow", act.login("alice", PASSWORD))
    seen = bob.next("notification", timeout=1.0)["id"]
    bob.close()
    for name in ("carol", "dave"):  # while bob is away
        act.api("PUT", "/users/bob/follow", act.login(name, PASSWORD))
    bob = Client(listen.ws_url, bob_token)
    bob.next("unread")
    bob.send({"type": "resume", "last_event_id": seen})
    bob.send({"type": "resume", "last_event_id": seen})  # twice: still once each
    frames = [f for f in bob.frames(1.5) if f["type"] == "notification"]
    assert [f["data"]["actor"]["username"] for f in frames] == ["carol", "dave"]
    assert len({f["id"] for f in frames}) == 2 and all(f["id"] > seen for f in frames)
    bob.close()


def test_logging_out_everywhere_closes_the_socket(pair, people, app):
    listen, act = pair
    bob = Client(listen.ws_url, listen.login("bob", PASSWORD))
    bob.next("unread")
    assert act.api("POST", "/auth/logout_all", act.login("bob", PASSWORD)).status_code == 204
    bob.ws.settimeout(3)
    # The close code (4401) tells a token client its session ended: refresh or sign out.
    for _ in range(10):
        opcode, data = bob.ws.recv_data(control_frame=True)
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            break
    else:
        pytest.fail("the socket was not closed")
    assert int.from_bytes(data[:2], "big") == 4401
    bob.close()


def _browser_cookie(server: Server, username: str) -> str:
    """Sign in through the login page of a server and return its session cookie header."""
    browser = requests.Session()
    page = browser.get(server.url + "/login", timeout=10).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    response = browser.post(
        server.url + "/login",
        data={"login": username, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 303
    return f"session={browser.cookies['session']}"


def test_ending_one_session_closes_its_sockets_and_no_others(pair, people):
    listen, act = pair
    token_a, token_b = act.login("bob", PASSWORD), act.login("bob", PASSWORD)
    app_a, app_b = Client(listen.ws_url, token_a), Client(listen.ws_url, token_b)
    laptop = Client(listen.ws_url, None, cookie=_browser_cookie(act, "bob"))
    for client in (app_a, app_b, laptop):
        client.next("unread")
    items = act.api("GET", "/me/sessions", token_b).json()["items"]
    browser_id = next(i["id"] for i in items if i["kind"] == "browser")
    # The oldest API sign-in is token_a's (newest first).
    first_api_id = [i["id"] for i in items if i["kind"] == "api"][-1]

    assert act.api("DELETE", f"/me/sessions/{first_api_id}", token_b).status_code == 204
    assert app_a.close_code() == 4401
    for client in (app_b, laptop):
        client.send({"type": "ping"})
        client.next("pong")

    assert act.api("DELETE", f"/me/sessions/{browser_id}", token_b).status_code == 204
    assert laptop.close_code() == 4401
    app_b.send({"type": "ping"})
    app_b.next("pong")
    assert act.api("GET", "/me", token_a).status_code == 401
    for client in (app_a, app_b, laptop):
        client.close()


@pytest.mark.redis_only
def test_delivery_survives_a_redis_restart(app, people, tmp_path):
    """Restart a private Redis under live subscribers: missed stored events are caught up,
    and live delivery works again."""
    redis = PrivateRedis(tmp_path).start()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        listen, act = Server(url, redis.url), Server(url, redis.url)
        with running(listen, act):
            make_user(app, "carol")
            bob = Client(listen.ws_url, listen.login("bob", PASSWORD))
            bob.next("unread")
            tokens = {n: act.login(n, PASSWORD) for n in ("alice", "carol")}
            redis.stop()
            # While Redis is down the follow is stored; only its live push is lost.
            assert act.api("PUT", "/users/bob/follow", tokens["alice"]).status_code == 204
            redis.start()
            caught_up = bob.next("notification", timeout=12.0)
            assert caught_up["data"]["actor"]["username"] == "alice"
            assert act.api("PUT", "/users/bob/follow", tokens["carol"]).status_code == 204
            live = bob.next("notification", timeout=3.0)
            assert live["data"]["actor"]["username"] == "carol"
            bob.close()
    finally:
        redis.stop()


def open_sockets(server: Server) -> float:
    """Read the server's open-socket gauge from /metrics (one worker, loopback)."""
    text = requests.get(server.url + "/metrics", timeout=5).text
    (value,) = [
        float(line.split()[-1])
        for line in text.splitlines()
        if line.startswith("devthread_websocket_connections")
    ]
    return value


def page_session(server: Server, username: str) -> requests.Session:
    """Sign in through the /login form and return the browser-like session."""
    browser = requests.Session()
    page = browser.get(server.url + "/login", timeout=10).text
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    form = {"login": username, "password": PASSWORD, "csrf_token": token}
    signed_in = browser.post(server.url + "/login", data=form, timeout=10, allow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text
    return browser


@pytest.mark.redis_only
def test_a_redis_outage_leaves_presence_unknown_and_sockets_served(app, people, tmp_path):
    """While Redis is down: what shows presence answers 200 with presence unknown, a new socket
    is served without presence and unregisters when it closes; then presence comes back."""
    redis = PrivateRedis(tmp_path).start()
    log = tmp_path / "server.log"
    server = Server(app.config["SQLALCHEMY_DATABASE_URI"], redis.url, log=log)
    server.env["RATELIMIT_ENABLED"] = "1"  # limits counted in Redis, as in production
    try:
        with running(server):
            bob_token = server.login("bob", PASSWORD)
            alice_token = server.login("alice", PASSWORD)
            browser = page_session(server, "bob")
            started = server.api("POST", "/conversations", bob_token, json={"username": "alice"})
            conversation = started.json()["id"]
            bob = Client(server.ws_url, bob_token)
            bob.next("unread")
            redis.stop()

            profile = server.api("GET", "/users/alice", bob_token)
            assert profile.status_code == 200, profile.text
            assert profile.json()["online"] is None
            listed = server.api("GET", "/conversations", bob_token)
            assert listed.status_code == 200, listed.text
            assert listed.json()["items"][0]["participants"][0]["online"] is None
            one = server.api("GET", f"/conversations/{conversation}", bob_token)
            assert one.status_code == 200 and one.json()["participants"][0]["online"] is None
            path = f"/conversations/{conversation}/messages"
            sent = server.api("POST", path, alice_token, json={"body": "still here"})
            assert sent.status_code == 201, sent.text
            for page in ("/u/alice", "/messages", f"/messages/{conversation}"):
                answer = browser.get(server.url + page, timeout=10)
                assert answer.status_code == 200, (page, answer.status_code)
                assert "is-online" not in answer.text

            # A socket opened now is served (no presence), answers, and unregisters on close.
            alice = Client(server.ws_url, alice_token)
            alice.next("unread", timeout=5.0)
            alice.send({"type": "ping"})
            alice.next("pong", timeout=5.0)
            alice.close()
            deadline = time.monotonic() + 5
            while open_sockets(server) != 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            assert open_sockets(server) == 1  # bob's only

            redis.start()
            alice = Client(server.ws_url, alice_token)
            alice.next("unread", timeout=5.0)
            deadline = time.monotonic() + 10
            while server.api("GET", "/users/alice", bob_token).json()["online"] is not True:
                assert time.monotonic() < deadline, "presence did not come back"
                time.sleep(0.2)
            alice.close()
            bob.close()
    finally:
        redis.stop()
    # Each Redis user said so once, without a traceback.
    assert "Traceback" not in log.read_text()
