"""Fetch a picture from another host without ever reaching a private address (no SSRF).

The rules, in order, for the first address and for every redirect:

- only ``http`` and ``https``, on their default ports or ``IMAGE_PROXY_ALLOWED_PORTS``; no
  user name or password in the address;
- the host name is resolved here, once, and EVERY address it resolves to must be global
  (``ipaddress``: not private, loopback, link-local, multicast, reserved or unspecified; the
  IPv4 address inside an IPv4-mapped, 6to4, Teredo or NAT64 IPv6 address is checked too), or
  inside ``IMAGE_PROXY_ALLOWED_NETWORKS`` (an intranet; empty by default). A refusal happens
  before any connection;
- the connection goes to the checked address itself (no second lookup that could rebind), with
  the host name in ``Host`` and, for https, in SNI and the certificate check;
- at most ``IMAGE_PROXY_MAX_REDIRECTS`` redirects, followed here and checked like the first;
- ``IMAGE_PROXY_TIMEOUT`` seconds for the whole fetch (the lookup, each connect and each read
  wait at most what is left), at most ``IMAGE_PROXY_MAX_BYTES`` bytes, and the bytes must be a
  PNG, JPEG, GIF, WebP or AVIF picture by their first bytes (the upstream's Content-Type is not
  trusted; SVG, which can carry script, never passes).

Plain blocking sockets: cooperative under gunicorn's gevent worker, which patches them.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECTS = frozenset({301, 302, 303, 307, 308})
USER_AGENT = "DevThread-ImageProxy/1.0"
ACCEPT = "image/avif,image/webp,image/png,image/jpeg,image/gif;q=0.9"
CHUNK = 64 * 1024
# No cookies, no Referer: the other host learns nothing about the reader.
REQUEST_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": ACCEPT,
    "Accept-Encoding": "identity",
}
# What a path may hold as it is; anything else (spaces, controls, non-ASCII) is percent-encoded.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~?#[]"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class ProxyError(Exception):
    """A picture the proxy will not serve: ``status`` for the reader, ``code`` for machines."""

    status = 502

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class Refused(ProxyError):
    """The address is one the proxy never fetches (scheme, port, private network)."""

    status = 403


class UpstreamFailed(ProxyError):
    """The other host failed: unreachable, too slow, an error, too big, or not a picture."""

    status = 502


@dataclass(frozen=True)
class Policy:
    """What the proxy may fetch, read from the settings."""

    timeout: float
    max_bytes: int
    max_redirects: int
    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    allowed_ports: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Fetched:
    """A picture: its bytes and the type read from them."""

    data: bytes
    content_type: str


def parse_networks(value: str | Iterable[str] | None) -> tuple:
    """Read CIDRs (a comma-separated string or a list); raise ValueError on a bad one."""
    if not value:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip())


def parse_ports(value: str | Iterable[int | str] | None) -> frozenset[int]:
    """Read port numbers (a comma-separated string or a list); raise ValueError on a bad one."""
    if not value:
        return frozenset()
    items = value.split(",") if isinstance(value, str) else list(value)
    ports = frozenset(int(str(item).strip()) for item in items if str(item).strip())
    if any(not 0 < port < 65536 for port in ports):
        raise ValueError("a port is between 1 and 65535")
    return ports


def sniff(data: bytes) -> str | None:
    """Return the picture type of these bytes by their signature, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        # ISO base media: the major brand, then the compatible brands up to the box's end.
        size = int.from_bytes(data[:4], "big")
        brands = {data[8:12]} | {data[i : i + 4] for i in range(16, min(size, 64), 4)}
        if brands & {b"avif", b"avis"}:
            return "image/avif"
    return None


def address_allowed(address: str, policy: Policy) -> bool:
    """Tell whether the proxy may connect to this IP address."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.is_unspecified or ip.is_multicast:
        return False
    if any(ip in network for network in policy.allowed_networks):
        return True
    return all(_is_public(candidate) for candidate in _with_embedded(ip))


def _with_embedded(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list:
    """Return the address and every IPv4 address an IPv6 address carries inside it."""
    found = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            found.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            found.append(ip.sixtofour)
        if ip.teredo is not None:
            found.extend(ip.teredo)
        if ip in _NAT64:
            found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def _is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    # is_global alone lets multicast and a few reserved ranges through on some Python versions.
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # as sent in Host and SNI (IDNA-encoded)
    port: int
    path: str


def _target(url: str, policy: Policy) -> _Target:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Refused("bad_address", "The picture's address cannot be read.") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise Refused("scheme", "Only http and https pictures are fetched.")
    if parts.username is not None or parts.password is not None or not parts.hostname:
        raise Refused("bad_address", "The picture's address cannot be read.")
    port = port or DEFAULT_PORTS[scheme]
    if port != DEFAULT_PORTS[scheme] and port not in policy.allowed_ports:
        raise Refused("port", f"Pictures are not fetched from port {port}.")
    host = parts.hostname.rstrip(".")
    try:
        host = host.encode("idna").decode("ascii") if not _is_ip(host) else host
    except UnicodeError as exc:
        raise Refused("bad_address", "The picture's host name cannot be read.") from exc
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    if parts.query:
        path += "?" + quote(parts.query, safe=_PATH_SAFE)
    return _Target(scheme, host, port, path)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def resolve(host: str, port: int, policy: Policy, within: float | None = None) -> list[str]:
    """Resolve a host once and return its addresses, refusing if any one is not allowed."""
    if _is_ip(host):
        addresses = [host]
    else:
        infos = _getaddrinfo(host, port, policy.timeout if within is None else within)
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise UpstreamFailed("unresolvable", "The picture's host name does not resolve.")
    # Every address, not only the first: a name that also points inside must not be fetched.
    if not all(address_allowed(address, policy) for address in addresses):
        raise Refused("private_address", "The picture's host is on a private network.")
    return addresses


def _getaddrinfo(host: str, port: int, seconds: float) -> list:
    """Look a name up, giving up after ``seconds`` (a resolver can take far longer)."""
    answer: list = []
    failure: list[BaseException] = []

    def look_up() -> None:
        try:
            answer.extend(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as exc:
            failure.append(exc)

    # A thread (a greenlet under gevent) that may be left behind: the lookup cannot be
    # interrupted, only no longer waited for.
    worker = threading.Thread(target=look_up, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise UpstreamFailed("timeout", "The picture's host name takes too long to resolve.")
    if failure:
        raise UpstreamFailed("unresolvable", "The host name does not resolve.") from failure[0]
    return answer


class _Deadline:
    """The whole fetch's time budget, enforced by a watchdog that cuts the connection.

    A socket timeout bounds each wait, not their sum: a host that trickles a byte at a time
    would outlast it. At the deadline the watchdog shuts the socket down under the reader,
    which then fails at once (a gevent timer under gunicorn's gevent worker, a thread elsewhere).
    """

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.fired = False
        self._sock: socket.socket | None = None
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def left(self) -> float:
        """Return the seconds left; raise UpstreamFailed once there are none."""
        left = self.end - time.monotonic()
        if left <= 0 or self.fired:
            raise UpstreamFailed("timeout", "The picture's host is too slow.")
        return left

    def watch(self, sock: socket.socket | None) -> None:
        """Cut this socket at the deadline."""
        self._sock = sock

    def _cut(self) -> None:
        self.fired = True
        if self._sock is not None:
            with contextlib.suppress(OSError):
                # The plain socket's shutdown, also for TLS: SSLSocket's would drop its state
                # under the reader's feet.
                socket.socket.shutdown(self._sock, socket.SHUT_RDWR)

    def cancel(self) -> None:
        """Stop the watchdog (the fetch is over)."""
        self._timer.cancel()

    def failure(self, exc: BaseException, code: str, message: str) -> UpstreamFailed:
        """Name a connection error: a timeout if the watchdog (or a socket timeout) caused it."""
        if self.fired or isinstance(exc, TimeoutError):
            return UpstreamFailed("timeout", "The picture's host is too slow.")
        return UpstreamFailed(code, message)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Made on first use: loading the system's certificates costs every worker's boot otherwise.
    return ssl.create_default_context()


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to a checked address, naming the host in ``Host``."""

    def __init__(self, host: str, port: int, address: str, deadline: _Deadline) -> None:
        super().__init__(host, port, timeout=deadline.left())
        self.address = address
        self.deadline = deadline

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.deadline.left())
        self.deadline.watch(self.sock)


class _PinnedHTTPS(_PinnedHTTP):
    """An HTTPS connection to a checked address; SNI and the certificate name the host."""

    def connect(self) -> None:
        super().connect()
        self.sock = _tls_context().wrap_socket(self.sock, server_hostname=self.host)
        self.deadline.watch(self.sock)


def fetch_image(url: str, policy: Policy) -> Fetched:
    """Fetch a picture by the proxy's rules; raise Refused or UpstreamFailed otherwise."""
    deadline = _Deadline(policy.timeout)
    try:
        for _hop in range(policy.max_redirects + 1):
            target = _target(url, policy)
            addresses = resolve(target.host, target.port, policy, deadline.left())
            connection, response = _request(target, addresses, deadline)
            try:
                if response.status in REDIRECTS:
                    location = (response.getheader("Location") or "").strip()
                    if not location:
                        raise UpstreamFailed("upstream_status", "The host sent a bad redirect.")
                    try:
                        url = urljoin(url, location)
                    except ValueError as exc:
                        raise Refused("bad_address", "A bad redirect address.") from exc
                    continue  # checked from the start, like the first address
                if response.status != 200:
                    raise UpstreamFailed(
                        "upstream_status", f"The picture's host answered {response.status}."
                    )
                return _read_picture(response, policy, deadline)
            finally:
                connection.close()
        raise UpstreamFailed("redirects", "The picture's host redirects too many times.")
    finally:
        deadline.cancel()


def _request(
    target: _Target, addresses: list[str], deadline: _Deadline
) -> tuple[_PinnedHTTP, http.client.HTTPResponse]:
    kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    failure: UpstreamFailed | None = None
    for address in addresses:  # each one checked by resolve()
        connection = kind(target.host, target.port, address, deadline)
        try:
            connection.request("GET", target.path, headers=REQUEST_HEADERS)
            return connection, connection.getresponse()
        except ProxyError:
            connection.close()
            raise
        except (OSError, http.client.HTTPException, ValueError) as exc:
            connection.close()
            failure = deadline.failure(exc, "unreachable", "The picture's host cannot be reached.")
            if failure.code == "timeout":
                raise failure from exc
    raise failure or UpstreamFailed("unreachable", "The picture's host cannot be reached.")


def _read_picture(
    response: http.client.HTTPResponse, policy: Policy, deadline: _Deadline
) -> Fetched:
    too_large = UpstreamFailed("too_large", "The picture is too large.")
    encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
    if encoding != "identity":
        raise UpstreamFailed("not_an_image", "The picture came compressed, which was not asked.")
    length = (response.getheader("Content-Length") or "").strip()
    if length.isdigit() and int(length) > policy.max_bytes:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    try:
        while True:
            deadline.left()
            # read1: one read from the socket at most, so the deadline is looked at often.
            chunk = response.read1(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > policy.max_bytes:
                raise too_large
            chunks.append(chunk)
    except (OSError, http.client.HTTPException) as exc:
        raise deadline.failure(exc, "unreachable", "The picture's host broke off.") from exc
    if deadline.fired:
        raise UpstreamFailed("timeout", "The picture's host is too slow.")
    data = b"".join(chunks)
    content_type = sniff(data)
    if content_type is None:
        raise UpstreamFailed(
            "not_an_image", "That address holds no PNG, JPEG, GIF, WebP or AVIF picture."
        )
    return Fetched(data=data, content_type=content_type)
