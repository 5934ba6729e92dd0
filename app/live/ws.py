"""The WebSocket ``/ws``: authenticated before the handshake, one loop per socket.

Each socket has one loop of its own (besides simple-websocket's reader, which wakes it when a
client frame arrives): it drains the socket's queue (fed by the hub and by that wake-up), sends
(the bus writes an ephemeral frame itself only while the loop waits idle: ``_write_direct``),
pings, and replays stored events on ``resume`` or when the socket fell behind.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import struct
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from flask import Blueprint, abort, current_app, g, request
from flask_babel import gettext as _
from flask_login import current_user
from simple_websocket import ConnectionClosed
from wsproto.events import Ping
from wsproto.utilities import LocalProtocolError

from app import jsonread
from app.accounts import queries as accounts
from app.accounts.sessions import flush_touches
from app.accounts.tokens import socket_owner_from_access_token
from app.dbsetup import release_session
from app.errors import DomainError, is_database_outage
from app.extensions import sock
from app.live import render
from app.realtime import presence
from app.realtime.bus import get_bus
from app.realtime.hub import Connection, hub
from app.realtime.queries import stored_events_after

log = logging.getLogger(__name__)
bp = Blueprint("realtime", __name__)

HEARTBEAT = 20.0  # seconds between presence heartbeats (presence TTL is 60 s)
REPLAY_LIMIT = 500
FRAME_LIMIT = 4096  # bytes a client frame may have
RATE = 20  # client frames per RATE_WINDOW
RATE_WINDOW = 10.0
CLOSE_GRACE = 1.0  # seconds the development server waits for the close handshake to finish
PRESENCE_BEATS = "devthread.presence_beats"  # app.extensions: the app's heartbeat function
SESSION_ENDED = 4401  # close code once the socket's sign-in ended (or every sign-in of its user)


_turns: dict[int, threading.BoundedSemaphore] = {}
_turns_lock = threading.Lock()


def _turn() -> threading.BoundedSemaphore:
    """Return this process's handshake turns (a semaphore of WS_HANDSHAKES_AT_ONCE)."""
    size = current_app.config["WS_HANDSHAKES_AT_ONCE"]
    with _turns_lock:
        turns = _turns.get(size)
        if turns is None:
            turns = _turns[size] = threading.BoundedSemaphore(size)
        return turns


def _end_turn() -> None:
    """Let the next handshake in (once per handshake, whichever way it ends)."""
    turns = g.pop("ws_turn", None)
    if turns is not None:
        turns.release()


def check_handshake() -> None:
    """Refuse a bad handshake before it is accepted: 403 foreign Origin, 401 no credential."""
    # A few handshakes at a time: the others wait here holding no database connection.
    g.ws_turn = _turn()
    g.ws_turn.acquire()
    origin = request.headers.get("Origin")
    allowed = {request.host_url.rstrip("/")} | set(current_app.config.get("WS_ALLOWED_ORIGINS", ()))
    same_host = origin and origin.split("://", 1)[-1] == request.host
    if origin and origin.rstrip("/") not in allowed and not same_host:
        abort(403)
    token = request.args.get("access_token")
    if token:
        try:
            # Ids and username only: the socket never needs the user object.
            owner = socket_owner_from_access_token(token)
        except DomainError:
            abort(401)
        g.ws_user_id, g.ws_session_id, g.ws_username = owner
        g.ws_format = request.args.get("format", "json")
    elif current_user.is_authenticated:
        g.ws_user_id = current_user.id
        g.ws_session_id = current_user.current_session_id
        g.ws_username = current_user.username
        g.ws_format = request.args.get("format", "html")
    else:
        abort(401)
    if g.ws_format not in ("json", "html"):
        abort(400)
    if not current_app.config.get("WS_COMPRESSION", False):
        # Browsers always offer permessage-deflate and simple-websocket always accepts it; its
        # zlib state costs about 200 KB per socket (measured), so pretend it was not offered.
        request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)


bp.before_request(check_handshake)
bp.teardown_request(lambda _error: _end_turn())  # refused or failed before the loop


class WholeFrames:
    """The client's socket, on which every send writes a whole frame, one sender at a time.

    simple-websocket writes a frame with ``socket.send``, which may write part of it once the
    kernel's buffer is nearly full (a slow client): the rest was lost and the stream corrupt
    (tests/test_realtime_pressure.py). Its own reader also sends (pings, close replies), so the
    whole frame goes out under a lock.
    """

    __slots__ = ("_sock", "lock")

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.lock = threading.Lock()

    def send(self, data: bytes) -> int:
        """Write all of ``data`` before anyone else writes."""
        with self.lock:
            self._sock.sendall(data)
        return len(data)

    def write_some(self, data: bytes) -> int:
        """Write what the kernel takes of ``data`` now, without waiting; return how much."""
        # gevent's socket waits when the kernel's buffer is full: its own socket does not.
        raw = getattr(self._sock, "_sock", self._sock)
        try:
            return raw.send(data)
        except BlockingIOError:
            return 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class Recent:
    """The event ids a socket sent lately, so a replay and live delivery never send one twice."""

    __slots__ = ("ids", "size")

    def __init__(self, size: int = 2000) -> None:
        self.size = size
        # Made with the first stored event: most sockets never get one, and an empty
        # OrderedDict is half a kilobyte for the socket's whole life.
        self.ids: OrderedDict[int, None] | None = None

    def seen(self, event_id: int) -> bool:
        """Tell whether the id was sent already, remembering it if not."""
        if self.ids is None:
            self.ids = OrderedDict()
        if event_id in self.ids:
            return True
        self.ids[event_id] = None
        if len(self.ids) > self.size:
            self.ids.popitem(last=False)
        return False


@sock.route("/ws", bp=bp)
def websocket(ws) -> None:
    """Serve one socket until it closes."""
    from app.observability import metrics

    app = current_app._get_current_object()
    ws.sock = WholeFrames(ws.sock)
    # Browsers' offer of compression was refused in check_handshake: frames go out as they are.
    ws.plain = not app.config.get("WS_COMPRESSION", False)
    _forget_handshake(ws)
    conn = Connection(
        user_id=g.ws_user_id,
        session_id=g.ws_session_id,
        format=g.ws_format,
        username=g.ws_username,
        limit=app.config["WS_QUEUE_SIZE"],
    )
    socket_id = conn.socket_id = f"{id(conn)}:{conn.id}:{time.time()}"
    conn.beats = _presence_beats(app)
    if ws.plain and conn.format == "json" and isinstance(ws.thread, WatchReader):
        # On gevent, uncompressed: the bus writes ephemeral frames itself while the loop waits.
        conn.writer = ws
    sent = Recent()
    # Registered, then everything that can fail inside the try: the finally always unregisters.
    # Registered before the reads: an event stored after them is queued, not missed.
    hub.add(conn)
    metrics.socket_opened()
    try:
        if app.config.get("WS_SEND_BUFFER"):
            ws.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, app.config["WS_SEND_BUFFER"])
        get_bus().ensure_started()
        hub.start_beats(HEARTBEAT)
        state = None
        try:
            state = render.connect_state(conn)
        except Exception:
            # The counts can wait (the next event brings them); the socket must not die for it.
            log.warning("could not read the initial state", exc_info=True)
        finally:
            # The handshake's one transaction ends with its reads: nothing below (Redis, the
            # client) may keep a database connection checked out or a transaction open.
            release_session()
            flush_touches()  # "last active", on its own connection now that ours is back
        # Without Redis presence is unknown (False here): the socket is served all the same.
        if presence.connect(conn.user_id, socket_id):
            fans = state.fans if state is not None else None
            _announce(conn.user_id, online=True, username=conn.username, fans=fans)
        ws.event = InputWake(conn)
        # A frame (or the close) may have come before the wake was in place; with a watcher,
        # its wake-up went to simple-websocket's event: look once (nothing there costs little).
        ws.event.set()
        rate = Rate()
        if state is not None:
            try:
                _send_all(ws, render.initial_frames(conn, state))
            except (ConnectionClosed, OSError):
                raise
            except Exception:
                log.warning("could not send the initial state", exc_info=True)
            finally:
                release_session()  # it read the names of the people online
        _end_turn()
        while True:
            # No timeout: the hub's beats come every HEARTBEAT seconds as items.
            kind, payload, sent_at = conn.take()
            if kind == "close":
                break
            if kind == "beat":
                # Its presence was kept alive by the beat, with its part's (_presence_beats).
                if ws.ping_interval is None and not _ping(ws):
                    break  # no answer to the last ping: the client is gone
            elif kind == "online":  # counted again by a heartbeat, after a Redis outage
                _announce(conn.user_id, online=True, username=conn.username)
            elif kind == "event" and payload["type"] == "session.revoked":
                ended = (payload.get("data") or {}).get("session_id")
                # Another of the user's sign-ins ending leaves this socket open.
                if ended is None or ended == conn.session_id:
                    # An application close code: a token client (the SPA) then refreshes, which
                    # fails and signs it out, instead of reconnecting with a dead token.
                    with contextlib.suppress(Exception):
                        ws.close(reason=SESSION_ENDED, message="session ended")
                    break
            elif kind == "event":
                if payload.get("id") is None or not sent.seen(int(payload["id"])):
                    _send_all(ws, _read_then_release(render.event_frames, conn, payload))
                    if sent_at:
                        metrics.event_delivered(payload["type"], max(0.0, time.time() - sent_at))
            elif kind == "input":
                _take_input(ws, conn, rate)
            elif kind == "rest":  # the end of a frame the bus began to write (_write_direct)
                ws.sock.send(payload)
                event_type, published = sent_at
                if published:
                    metrics.event_delivered(event_type, max(0.0, time.time() - published))
            elif kind == "frame":
                ws.send(json.dumps(payload))
            elif kind == "resume":
                _replay(ws, conn, sent, payload)
            elif kind == "resync" and conn.last_event_id is not None:
                _replay(ws, conn, sent, conn.last_event_id)
            if conn.missed_after is not None and conn.idle():
                # It fell behind and stored events were not queued: once what was queued is
                # sent, they come from the database, in order and each once.
                _replay(ws, conn, sent, conn.take_missed())
            release_session()
    except (ConnectionClosed, OSError):
        pass  # the client went away mid-send: an ordinary end
    except render.AccountGone:
        # Erased while connected: as for an ended sign-in, the client must not reconnect.
        with contextlib.suppress(Exception):
            ws.close(reason=SESSION_ENDED, message="account gone")
    except Exception:
        log.exception("socket loop failed")
    finally:
        if isinstance(ws.thread, WatchReader):
            ws.thread.stop()
        hub.remove(conn)
        metrics.socket_closed()
        try:
            if presence.disconnect(conn.user_id, socket_id):
                # Its followers are read from the database: a thousand sockets closing at once
                # each waited for a pooled connection and timed out (2,000 sockets, bench).
                # They take the handshakes' turns, holding nothing while they wait.
                with _turn():
                    _announce(conn.user_id, online=False, username=conn.username)
        except Exception:
            log.exception("presence cleanup failed")
        release_session()  # a connection the database dropped must not keep the socket open
        with contextlib.suppress(Exception):
            ws.close()
        if ws.mode == "werkzeug":
            # The development server writes an HTTP response once the handler returns; a browser
            # would read it as a broken frame ("Invalid frame header"). End the connection first,
            # but after simple-websocket's reader has answered a client's close: it wakes this
            # handler before it writes that answer, and a shutdown in between swallowed it.
            ws.thread.join(timeout=CLOSE_GRACE)
            with contextlib.suppress(OSError):
                ws.sock.shutdown(socket.SHUT_RDWR)


# Ephemeral events that go out as their one shared frame: the others need the socket's loop
# (counted ones read the unread counts, an ended sign-in closes the socket).
NOT_DIRECT = frozenset(render.COUNTED_TYPES) | {"session.revoked"}


def _write_direct(conn: Connection, event: dict[str, Any], sent_at: float | None) -> bool:
    """Write an ephemeral event's frame from the bus, if the socket's loop waits idle."""
    # A fan-out to 10,000 sockets woke 10,000 loops, each to send one shared frame: the bus
    # writes it itself when the socket's kernel buffer takes it, and hands the loop only what
    # did not fit (docs/realtime.md). Nothing here waits: on gevent it runs without a switch.
    if conn.busy or conn.items or event["type"] in NOT_DIRECT:
        return False
    ws = conn.writer
    if not ws.connected:
        return False  # the loop finds out, and ends
    data = _wire(render.json_frame(event))
    whole = ws.sock
    if not whole.lock.acquire(blocking=False):
        return False  # a pong or a close answer is being written
    try:
        written = whole.write_some(data)
    except OSError:
        return False  # the loop's own send finds out
    finally:
        whole.lock.release()
    if written == 0:
        return False  # its buffer is full: queued as any event (the loop waits to write it)
    if written < len(data):
        # The kernel took part of it: the rest goes first, written by the loop, which waits.
        conn.offer(("rest", data[written:], (event["type"], sent_at)))
    elif sent_at:
        from app.observability import metrics

        metrics.event_delivered(event["type"], max(0.0, time.time() - sent_at))
    return True


hub.direct = _write_direct


def _presence_beats(app) -> Callable[[list[Connection]], None]:
    """Return the app's presence heartbeat for a part of the process's sockets (made once)."""
    beats = app.extensions.get(PRESENCE_BEATS)
    if beats is None:

        def beats(conns: list[Connection]) -> None:
            with app.app_context():
                back = presence.heartbeats([(conn.user_id, conn.socket_id) for conn in conns])
            for conn in conns:
                if conn.socket_id in back:
                    conn.offer(("online", None, None))  # its own loop announces it

        app.extensions[PRESENCE_BEATS] = beats
    return beats


def _ping(ws) -> bool:
    """Ping the client; tell whether it is still there (it answered the previous ping)."""
    if not ws.connected or not ws.pong_received:
        return False
    ws.pong_received = False
    ws.sock.send(ws.ws.send(Ping()))
    return True


def _announce(
    user_id: int, *, online: bool, username: str | None = None, fans: list[int] | None = None
) -> None:
    """Tell followers a user came or went; best effort, so a failure never ends a socket."""
    try:
        render.announce_presence(user_id, online=online, username=username, fans=fans)
    except Exception as error:
        if is_database_outage(error):
            # Its outage is logged where requests fail: one line here, no traceback.
            log.warning("could not announce presence of user %s: %s", user_id, error)
        else:
            log.exception("could not announce presence of user %s", user_id)
        release_session()


def _read_then_release(make, *args) -> list[str]:
    """Make frames, ending their transaction before anything is sent."""
    # A send blocks as long as a slow client does not read: the connection must be back first
    # (it stayed idle in transaction for as long as the client slept).
    try:
        return make(*args)
    finally:
        release_session()


def _send_all(ws, frames: list[str]) -> None:
    """Send text frames: without compression, encoded here and written in one go."""
    if not frames:
        return
    if not getattr(ws, "plain", False):
        for frame in frames:
            ws.send(frame)
        return
    if not ws.connected:
        raise ConnectionClosed(ws.close_reason, ws.close_message)
    # What wsproto would write for each (it keeps no state for a whole, uncompressed message),
    # without its per-message objects; a fan-out's frame is one text, encoded once.
    ws.sock.send(b"".join([_wire(frame) for frame in frames]))


@lru_cache(maxsize=64)
def _wire(text: str) -> bytes:
    """Encode a whole text message as one unmasked server frame (RFC 6455, 5.2)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 1 << 16:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload


class _Handshaken:
    """Stands for wsproto's finished handshake: it has no events left, and keeps no buffers."""

    __slots__ = ()

    def events(self) -> Iterator[Any]:
        """Yield nothing: the handshake is over."""
        return iter(())


HANDSHAKEN = _Handshaken()


def _forget_handshake(ws) -> None:
    """Drop wsproto's handshake state (an h11 connection and its buffers), unused once open."""
    connection = getattr(ws.ws, "connection", None)
    if connection is not None and hasattr(ws.ws, "handshake"):
        ws.ws.handshake = HANDSHAKEN


def _replay(ws, conn: Connection, sent: Recent, after: Any) -> None:
    """Send the stored events after an id, oldest first, each once, then the unread counts."""
    try:
        after_id = int(after)
    except (TypeError, ValueError):
        ws.send(render.error_frame(_("last_event_id must be an event id.")))
        return
    while True:
        stored = stored_events_after(conn.user_id, after_id, REPLAY_LIMIT)
        missed = [event for event in stored if not sent.seen(int(event["id"]))]
        # One batch: the unread counts are read and sent once, after the events.
        _send_all(ws, _read_then_release(render.batch_frames, conn, missed))
        if len(stored) < REPLAY_LIMIT:
            return
        after_id = int(stored[-1]["id"])


class WatchReader:
    """simple-websocket's reader without a greenlet of its own (gevent workers).

    Its reader was a greenlet per socket, waiting in a read for the whole life of the socket:
    about 3 KB of saved stack each, with the greenlet's own state and its Python data stack
    (measured on 1,000 sockets; issue 13). Here a watcher on the socket (no greenlet, no stack)
    wakes the socket's own loop when the client sent something, and the loop reads it with
    ``pump``, without waiting: the socket keeps one greenlet, its loop.
    """

    __slots__ = ("name", "watcher", "ws")

    def __init__(self, target) -> None:
        self.ws = target.__self__  # simple-websocket hands its reader method: we read for it
        self.watcher = None
        self.name = "simple-websocket reader (_thread)"

    def start(self) -> None:
        """Watch the socket for what the client sends."""
        from gevent import get_hub

        self.watcher = get_hub().loop.io(self.ws.sock.fileno(), 1)  # 1: readable
        self.watcher.start(self._readable)

    def _readable(self) -> None:
        # In gevent's hub, which must never wait: stop watching (the watcher would fire again
        # until the data is read) and wake the socket's loop, which reads.
        self.watcher.stop()
        self.ws.event.set()

    def pump(self) -> None:
        """Take in what the client sent, without waiting, then watch for more (unless closed)."""
        ws = self.ws
        if not ws.connected:
            return
        try:
            data = os.read(ws.sock.fileno(), ws.receive_bytes)
        except BlockingIOError:
            data = None  # nothing yet (the wake-up came from elsewhere)
        except OSError:
            data = b""
        if data == b"":
            ws.connected = False  # the client is gone
        elif data:
            try:
                ws.ws.receive_data(data)
                # Client frames, pongs, pings and the close answered as simple-websocket does.
                ws.connected = ws._handle_events()
            except LocalProtocolError:
                ws.connected = False
        if ws.connected:
            self.watcher.start(self._readable)

    def stop(self) -> None:
        """Stop watching (before the socket is closed)."""
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher.close()

    def join(self, timeout: float | None = None) -> None:
        """Return at once: nothing runs apart from the socket's loop."""

    def is_alive(self) -> bool:
        """Tell whether it still watches."""
        return self.watcher is not None and self.watcher.active


def server_options(app) -> None:
    """Give simple-websocket a watcher instead of a reader greenlet when serving on gevent."""
    from gevent import monkey

    if monkey.is_module_patched("socket"):
        options = dict(app.config.get("SOCK_SERVER_OPTIONS") or {})
        options.setdefault("thread_class", WatchReader)
        # The socket's loop pings at its heartbeat (``_ping``): the reader then waits in a
        # plain read, without a selector and its timer per socket.
        options["ping_interval"] = None
        app.config["SOCK_SERVER_OPTIONS"] = options


class InputWake:
    """simple-websocket's "a frame came in" event, turned into an item on the socket's queue.

    Its reader already waits on the socket; the socket's own loop takes the frames when woken,
    so no reader of ours (one more greenlet and thread object per socket) waits beside it.
    """

    __slots__ = ("conn", "flag")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.flag = False

    def set(self) -> None:
        """Wake the socket's loop once, however many frames came in meanwhile."""
        if not self.flag:
            self.flag = True
            self.conn.offer(("input", None, None))

    def clear(self) -> None:
        """Forget the wake-up: the loop is taking the frames."""
        self.flag = False

    def is_set(self) -> bool:
        """Tell whether frames may be waiting."""
        return self.flag

    def wait(self, timeout: float | None = None) -> bool:
        """Tell whether frames may be waiting (the loop only reads without blocking)."""
        return self.flag


class Rate:
    """How many frames a client sent in the current window."""

    __slots__ = ("count", "window_start")

    def __init__(self) -> None:
        self.window_start = time.monotonic()
        self.count = 0

    def exceeded(self) -> bool:
        """Count one frame; tell whether it is over the limit."""
        now = time.monotonic()
        if now - self.window_start > RATE_WINDOW:
            self.window_start, self.count = now, 0
        self.count += 1
        return self.count > RATE


def _take_input(ws, conn: Connection, rate: Rate) -> None:
    """Turn the client's waiting frames into queue items; a bad one gets an error frame."""
    if isinstance(ws.thread, WatchReader):
        ws.thread.pump()  # read here, in the socket's own loop
    ws.event.clear()
    while (raw := ws.receive(timeout=0)) is not None:  # ConnectionClosed once it closed
        if rate.exceeded():
            conn.offer(("frame", _error(_("Too many messages: slow down.")), None))
            continue
        try:
            reply = _handle(conn, raw)
        finally:
            release_session()  # typing reads the user
        if reply is not None:
            conn.offer(reply)


def _error(message: str) -> dict[str, Any]:
    return {"id": None, "type": "error", "data": {"message": message}}


def _handle(conn: Connection, raw: str | bytes) -> tuple[str, Any, Any] | None:
    """Answer one client frame: ping, typing or resume."""
    if isinstance(raw, bytes) or len(raw) > FRAME_LIMIT:
        return ("frame", _error(_("Send JSON text frames of at most 4 KB.")), None)
    try:
        frame = jsonread.loads(raw)
    except ValueError:
        return ("frame", _error(_("That frame is not JSON.")), None)
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        return ("frame", _error(_('A frame is an object with a "type".')), None)
    kind = frame["type"]
    if kind == "ping":
        return ("frame", {"id": None, "type": "pong", "data": {}}, None)
    if kind == "resume":
        return ("resume", frame.get("last_event_id"), None)
    if kind == "posts_seen":
        conn.new_posts = 0
        return None
    if kind == "typing":
        conversation_id = frame.get("conversation_id")
        if isinstance(conversation_id, str) and conversation_id.isdigit():
            conversation_id = int(conversation_id)  # htmx form values arrive as strings
        if not isinstance(conversation_id, int) or isinstance(conversation_id, bool):
            return ("frame", _error(_("typing needs a conversation_id.")), None)
        from app.messaging import services as messaging

        user = accounts.get_user(conn.user_id)
        try:
            messaging.typing(conversation_id=conversation_id, user=user)
        except DomainError as error:
            return ("frame", _error(error.message), None)
        return None
    return ("frame", _error(_("Unknown frame type: %(t)s.", t=kind[:40])), None)
