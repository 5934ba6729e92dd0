"""Presence heartbeats go out a part of a process's sockets at a time, in one round trip.

The hub's beat calls each app's heartbeat once for the part, then pings every socket of it; a
socket whose user the heartbeat counted again (after a Redis outage) is told to announce it.
"""

from __future__ import annotations

import time

import pytest

from app.live.ws import _presence_beats
from app.realtime import presence
from app.realtime.hub import Connection, Hub
from tests.conftest import make_user

pytestmark = pytest.mark.redis_only


def test_heartbeats_keep_sockets_alive_in_one_round_trip(app):
    with app.app_context():
        client = presence._redis()
        key = presence._key(424242)
        client.delete(key)
        # A socket counted once: its heartbeat keeps it, and its user was online already.
        assert presence.connect(424242, "first") is True
        assert presence.heartbeats([(424242, "first")]) == set()
        # One never recorded (Redis lost it): counted again, and said so.
        assert presence.heartbeats([(424243, "lost"), (424242, "first")]) == {"lost"}
        assert presence.online_ids([424242, 424243]) == {424242, 424243}
        # An expired socket is dropped by the next heartbeat of its user.
        client.zadd(key, {"stale": time.time() - 1})
        presence.heartbeats([(424242, "first")])
        assert client.zrange(key, 0, -1) == [b"first"]
        assert 0 < client.ttl(key) <= presence.TTL * 2
        assert presence.heartbeats([]) == set()
        client.delete(key, presence._key(424243))


def test_a_beat_heartbeats_its_part_once_and_tells_the_sockets_counted_again(app):
    uid = make_user(app, "beating")
    hub = Hub()
    calls: list[list[int]] = []
    beats = _presence_beats(app)
    assert _presence_beats(app) is beats  # one function per app, shared by its sockets

    def counted(conns: list[Connection]) -> None:
        calls.append([conn.id for conn in conns])
        beats(conns)

    conns = [Connection(user_id=uid, socket_id=f"beat-{n}", beats=counted) for n in range(4)]
    for conn in conns:
        hub.add(conn)
    with app.app_context():
        presence._redis().delete(presence._key(uid))
    assert hub.beat(0, 1) == 4
    assert [sorted(call) for call in calls] == [sorted(conn.id for conn in conns)]
    # The first one recorded brought the user online; the others found the set non-empty.
    told = [[item[0] for item in conn.items] for conn in conns]
    assert sum(kinds == ["online", "beat"] for kinds in told) == 1
    assert sum(kinds == ["beat"] for kinds in told) == 3
    # Once alive, a beat only pings.
    for conn in conns:
        conn.items.clear()
    hub.beat(0, 1)
    assert all([item[0] for item in conn.items] == ["beat"] for conn in conns)
    with app.app_context():
        assert presence.online_ids([uid]) == {uid}
        presence._redis().delete(presence._key(uid))


def test_a_failing_heartbeat_still_pings_the_part(app, caplog):
    hub = Hub()

    def broken(_conns: list[Connection]) -> None:
        raise RuntimeError("boom")

    conn = Connection(user_id=1, socket_id="x", beats=broken)
    hub.add(conn)
    assert hub.beat(0, 1) == 1
    assert [item[0] for item in conn.items] == ["beat"]
    assert "presence heartbeats failed" in caplog.text
