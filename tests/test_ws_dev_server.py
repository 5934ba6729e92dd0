"""The socket on the development server (``make run``, the browser tests) ends cleanly."""

from __future__ import annotations

import base64
import os
import socket
import struct
from urllib.parse import urlsplit

from tests.conftest import api_as


def _masked_close_frame(code: int = 1000) -> bytes:
    payload = struct.pack("!H", code)
    mask = os.urandom(4)
    return (
        bytes([0x88, 0x80 | len(payload)])
        + mask
        + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    )


def test_a_closed_socket_is_not_followed_by_an_http_response(app, live_server):
    token = api_as(app, "alice").access_token
    address = urlsplit(live_server)
    with socket.create_connection((address.hostname, address.port), timeout=5) as conn:
        key = base64.b64encode(os.urandom(16)).decode()
        conn.sendall(
            (
                f"GET /ws?access_token={token}&format=json HTTP/1.1\r\n"
                f"Host: {address.netloc}\r\nOrigin: {live_server}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        received = b""
        while b'"unread"' not in received:
            received += conn.recv(65536)
        assert received.startswith(b"HTTP/1.1 101")
        # The SPA closes its socket whenever its access token changes.
        conn.sendall(_masked_close_frame())
        rest = b""
        while chunk := conn.recv(65536):
            rest += chunk
    # The server's close frame, then the end of the connection: no stray "HTTP/1.1 200" that
    # Chromium would report as "Invalid frame header".
    assert rest.startswith(b"\x88")
    assert b"HTTP/1.1" not in rest
