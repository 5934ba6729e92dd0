"""The image proxy: signed addresses only, no private address ever reached, pictures only, cached.

The fetches go to real HTTP servers on 127.0.0.1 (threads), let through by the intranet
settings (``IMAGE_PROXY_ALLOWED_NETWORKS``, ``IMAGE_PROXY_ALLOWED_PORTS``). Host names are made
to resolve where a test wants by patching ``socket.getaddrinfo``; every connection attempt is
recorded (and refused when it is not the local server), so "refused before connecting" is
checked, not assumed.
"""

from __future__ import annotations

import base64
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from flask import Flask

from app.imageproxy import fetch
from app.imageproxy.signing import image_address, proxy_path, verified_url
from tests.conftest import DATABASE_URL, REDIS_URL, api_as


def png(width: int = 1, height: int = 1) -> bytes:
    """Return a real, tiny PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = png()
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>'
HTML = b"<!doctype html><title>Not a picture</title><p>hello</p>"


@dataclass
class Reply:
    """What the local server answers on one path."""

    body: bytes = PNG
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "image/png"})
    delay: float = 0.0  # before the status line
    trickle: float = 0.0  # between body bytes
    chunked: bool = False


class Upstream:
    """A real HTTP server in a thread: replies per path, and every request it got."""

    def __init__(self) -> None:
        self.replies: dict[str, Reply] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                upstream.requests.append((self.path, dict(self.headers)))
                reply = upstream.replies.get(self.path, Reply(b"missing", 404, {}))
                time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    if reply.chunked:
                        self.send_header("Transfer-Encoding", "chunked")
                    else:
                        self.send_header("Content-Length", str(len(reply.body)))
                    self.send_header("Connection", "close")
                    self.end_headers()
                    if reply.chunked:
                        for start in range(0, len(reply.body), 1000):
                            piece = reply.body[start : start + 1000]
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        self.wfile.write(b"0\r\n\r\n")
                    elif reply.trickle:
                        for byte in reply.body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(reply.trickle)
                    else:
                        self.wfile.write(reply.body)
                except OSError:
                    pass  # the proxy hung up (a refusal): nothing to do

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for seen, _headers in self.requests if seen == path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def empty_cache(app: Flask, tmp_path, monkeypatch) -> None:
    """Give each test an empty picture cache: a folder of its own, no entries in Redis."""
    monkeypatch.setitem(app.config, "IMAGE_PROXY_CACHE_DIR", str(tmp_path / "image-cache"))
    if REDIS_URL:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match="devthread:imgproxy:*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def proxy(app: Flask, monkeypatch, upstream: Upstream) -> Flask:
    """Settings for these tests: the local server allowed."""
    monkeypatch.setitem(app.config, "IMAGE_PROXY_ALLOWED_NETWORKS", "127.0.0.1/32")
    monkeypatch.setitem(app.config, "IMAGE_PROXY_ALLOWED_PORTS", str(upstream.port))
    monkeypatch.setitem(app.config, "IMAGE_PROXY_TIMEOUT", 2.0)
    return app


class Connections:
    """Every connection the code under test attempts; only the local server is let through."""

    def __init__(self, allowed: set[str]) -> None:
        self.allowed = allowed
        self.attempts: list[object] = []
        self.refused: list[object] = []


def _services() -> set[tuple[str, int]]:
    """The test run's own PostgreSQL and Redis, which the app (not the proxy) connects to."""
    from sqlalchemy.engine import make_url

    found = set()
    if DATABASE_URL:
        url = make_url(DATABASE_URL)
        found.add((url.host or "localhost", url.port or 5432))
    if REDIS_URL:
        parts = urlsplit(REDIS_URL)
        found.add((parts.hostname or "localhost", parts.port or 6379))
    return found


@pytest.fixture
def connections(monkeypatch) -> Connections:
    record = Connections({"127.0.0.1"})
    real_create = socket.create_connection
    real_connect = socket.socket.connect
    services = _services()

    def create_connection(address, *args, **kwargs):
        if tuple(address[:2]) in services:
            return real_create(address, *args, **kwargs)
        record.attempts.append(address)
        if address[0] not in record.allowed:
            record.refused.append(address)
            raise AssertionError(f"the proxy tried to connect to {address}")
        return real_create(address, *args, **kwargs)

    def connect(self, address):
        if isinstance(address, tuple) and tuple(address[:2]) in services:
            return real_connect(self, address)
        record.attempts.append(address)
        if isinstance(address, tuple) and address[0] not in record.allowed:
            record.refused.append(address)
            raise AssertionError(f"the proxy tried to connect to {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return record


@pytest.fixture
def resolve_to(monkeypatch) -> Callable[[str, list[str]], list[str]]:
    """Make host names resolve to given addresses; return the list of names looked up."""
    names: dict[str, list[str]] = {}
    looked_up: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        looked_up.append(host)
        if host in names:
            infos = []
            for address in names[host]:
                family = socket.AF_INET6 if ":" in address else socket.AF_INET
                sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
                infos.append((family, socket.SOCK_STREAM, 6, "", sockaddr))
            return infos
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)

    def set_names(host: str, addresses: list[str]) -> list[str]:
        names[host] = addresses
        return looked_up

    return set_names


def signed(app: Flask, url: str) -> str:
    with app.test_request_context():
        return proxy_path(url)


def get(app: Flask, url: str, **kwargs):
    return app.test_client().get(signed(app, url), **kwargs)


# --- never a private address ------------------------------------------------------------------


@pytest.mark.parametrize(
    "addresses",
    [
        ["127.0.0.1"],
        ["10.0.0.1"],
        ["169.254.169.254"],
        ["192.168.1.1"],
        ["100.64.0.1"],  # shared address space (carrier-grade NAT)
        ["0.0.0.0"],
        ["224.0.0.1"],
        ["::1"],
        ["fd00::1"],
        ["fe80::1"],
        ["::ffff:10.0.0.1"],  # IPv4-mapped
        ["2002:a00:1::"],  # 6to4 around 10.0.0.1
        ["64:ff9b::a9fe:a9fe"],  # NAT64 around 169.254.169.254
        ["93.184.215.14", "10.0.0.1"],  # one good address does not excuse a private one
    ],
    ids=lambda addresses: "+".join(addresses),
)
def test_a_name_that_resolves_to_a_private_address_is_refused_before_any_connection(
    app, connections, resolve_to, addresses
):
    resolve_to("pics.example", addresses)
    response = get(app, "https://pics.example/cat.png")
    assert response.status_code == 403
    assert response.headers["X-Image-Proxy-Error"] == "private_address"
    assert connections.attempts == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.png",
        "https://[::1]/x.png",
        "https://[::ffff:127.0.0.1]/x.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://2130706433/x.png",  # 127.0.0.1 as one number, which resolvers accept
        "http://0x7f.1/x.png",
        "http://localhost/x.png",
    ],
)
def test_private_addresses_written_in_the_address_are_refused_before_connecting(
    app, connections, url
):
    response = get(app, url)
    assert response.status_code == 403, response.get_data(as_text=True)
    assert connections.attempts == []


def test_a_redirect_to_a_private_address_is_refused_before_connecting_to_it(
    proxy, upstream, connections, resolve_to
):
    looked_up = resolve_to("internal.example", ["10.0.0.1"])
    upstream.replies["/hop"] = Reply(
        b"", 302, {"Location": f"http://internal.example:{upstream.port}/secret.png"}
    )
    upstream.replies["/meta"] = Reply(b"", 301, {"Location": "http://169.254.169.254/latest/"})
    for path in ("/hop", "/meta"):
        response = get(proxy, upstream.url(path))
        assert response.status_code == 403, path
        assert response.headers["X-Image-Proxy-Error"] == "private_address"
    assert "internal.example" in looked_up  # checked...
    assert connections.refused == []  # ...and never connected to
    assert all(address[0] == "127.0.0.1" for address in connections.attempts)


def test_redirects_are_followed_a_few_times_only(proxy, upstream, monkeypatch):
    monkeypatch.setitem(proxy.config, "IMAGE_PROXY_MAX_REDIRECTS", 1)
    upstream.replies["/a"] = Reply(b"", 302, {"Location": "/b"})
    upstream.replies["/b"] = Reply(b"", 302, {"Location": "/c"})
    upstream.replies["/c"] = Reply()
    assert get(proxy, upstream.url("/b")).status_code == 200
    response = get(proxy, upstream.url("/a"))
    assert response.status_code == 502
    assert response.headers["X-Image-Proxy-Error"] == "redirects"


def test_the_connection_goes_to_the_checked_address_with_the_host_name(
    proxy, upstream, connections, resolve_to
):
    # A second lookup could answer differently (DNS rebinding): there must be none.
    looked_up = resolve_to("pics.example", ["127.0.0.1"])
    upstream.replies["/cat.png"] = Reply()
    response = get(proxy, f"http://pics.example:{upstream.port}/cat.png")
    assert response.status_code == 200
    assert looked_up.count("pics.example") == 1
    assert set(connections.attempts) == {("127.0.0.1", upstream.port)}
    _path, headers = upstream.requests[-1]
    assert headers["Host"] == f"pics.example:{upstream.port}"
    assert "Cookie" not in headers and "Referer" not in headers


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://pics.example/cat.png", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("https://pics.example:22/cat.png", "port"),
        ("https://user:secret@pics.example/cat.png", "bad_address"),
    ],
)
def test_only_http_and_https_on_allowed_ports(app, connections, url, code):
    response = get(app, url)
    assert response.status_code == 403
    assert response.headers["X-Image-Proxy-Error"] == code
    assert connections.attempts == []


# --- pictures only, small, quick, cached --------------------------------------------------------


def test_a_png_is_served_with_its_type_and_cached(proxy, upstream):
    # The upstream's Content-Type is not what decides: the bytes are.
    upstream.replies["/cat.png"] = Reply(headers={"Content-Type": "text/html"})
    response = get(proxy, upstream.url("/cat.png"))
    assert response.status_code == 200
    assert response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert "max-age=" in response.headers["Cache-Control"]
    assert "public" in response.headers["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    etag = response.headers["ETag"]
    assert etag

    again = get(proxy, upstream.url("/cat.png"))
    assert again.status_code == 200 and again.data == PNG
    assert upstream.hits("/cat.png") == 1  # the second came from the cache

    unchanged = get(proxy, upstream.url("/cat.png"), headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert upstream.hits("/cat.png") == 1


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (Reply(SVG, headers={"Content-Type": "image/svg+xml"}), "not_an_image"),
        (Reply(HTML, headers={"Content-Type": "image/png"}), "not_an_image"),
        (Reply(b"", 404, {}), "upstream_status"),
        (Reply(b"boom", 500, {}), "upstream_status"),
        (Reply(PNG, headers={"Content-Encoding": "gzip"}), "not_an_image"),
    ],
    ids=["svg", "html", "404", "500", "compressed"],
)
def test_what_is_not_a_picture_is_refused_and_remembered(proxy, upstream, reply, code):
    upstream.replies["/thing"] = reply
    response = get(proxy, upstream.url("/thing"))
    assert response.status_code == 502
    assert response.headers["X-Image-Proxy-Error"] == code
    assert response.headers["Content-Type"].startswith("text/plain")
    assert response.headers["Content-Security-Policy"] == "default-src 'none'"
    assert b"<svg" not in response.data and b"<p>" not in response.data
    # Remembered for a while: the host is not asked again at once.
    assert get(proxy, upstream.url("/thing")).status_code == 502
    assert upstream.hits("/thing") == 1


@pytest.mark.parametrize("chunked", [False, True], ids=["with-length", "chunked"])
def test_a_picture_over_the_size_cap_is_refused(proxy, upstream, monkeypatch, chunked):
    monkeypatch.setitem(proxy.config, "IMAGE_PROXY_MAX_BYTES", 4000)
    upstream.replies["/big.png"] = Reply(PNG + b"\0" * 10_000, chunked=chunked)
    response = get(proxy, upstream.url("/big.png"))
    assert response.status_code == 502
    assert response.headers["X-Image-Proxy-Error"] == "too_large"


@pytest.mark.parametrize(
    "reply",
    [Reply(delay=3.0), Reply(trickle=0.05)],
    ids=["silent", "trickling"],
)
def test_a_slow_host_is_cut_off_at_the_timeout(proxy, upstream, monkeypatch, reply):
    monkeypatch.setitem(proxy.config, "IMAGE_PROXY_TIMEOUT", 0.5)
    upstream.replies["/slow.png"] = reply
    started = time.monotonic()
    response = get(proxy, upstream.url("/slow.png"))
    elapsed = time.monotonic() - started
    assert response.status_code == 502
    assert response.headers["X-Image-Proxy-Error"] == "timeout"
    assert elapsed < 1.5


def test_a_slow_name_lookup_is_cut_off_at_the_timeout(app, monkeypatch, connections):
    monkeypatch.setitem(app.config, "IMAGE_PROXY_TIMEOUT", 0.5)
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: time.sleep(2) or [])
    started = time.monotonic()
    response = get(app, "https://slow-dns.example/cat.png")
    assert response.status_code == 502
    assert response.headers["X-Image-Proxy-Error"] == "timeout"
    assert time.monotonic() - started < 1.5
    assert connections.attempts == []


def test_a_name_that_does_not_resolve_is_a_502(app, monkeypatch, connections):
    def getaddrinfo(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    response = get(app, "https://does-not-exist.example/cat.png")
    assert response.status_code == 502
    assert response.headers["X-Image-Proxy-Error"] == "unresolvable"
    assert connections.attempts == []


def test_an_unreachable_host_is_a_quick_502(proxy, upstream, monkeypatch):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    monkeypatch.setitem(proxy.config, "IMAGE_PROXY_ALLOWED_PORTS", f"{upstream.port},{port}")
    response = get(proxy, f"http://127.0.0.1:{port}/x.png")
    assert response.status_code == 502
    assert response.headers["X-Image-Proxy-Error"] == "unreachable"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0\0\x10JFIF", "image/jpeg"),
        (b"GIF89a\x01\0\x01\0", "image/gif"),
        (b"RIFF\x24\0\0\0WEBPVP8 ", "image/webp"),
        (b"\0\0\0\x1cftypavif\0\0\0\0avifmif1", "image/avif"),
        (b"\0\0\0\x1cftypmif1\0\0\0\0mif1avif", "image/avif"),
        (b"\0\0\0\x18ftypmp42\0\0\0\0isommp42", None),  # a video
        (SVG, None),
        (b"<?xml version='1.0'?><svg/>", None),
        (HTML, None),
        (b"", None),
    ],
)
def test_sniffing(data, kind):
    assert fetch.sniff(data) == kind


# --- only signed addresses ------------------------------------------------------------------


def test_forged_and_tampered_addresses_are_404(proxy, upstream):
    upstream.replies["/cat.png"] = Reply()
    upstream.replies["/other.png"] = Reply()
    good = signed(proxy, upstream.url("/cat.png"))
    _img, signature, source = good.strip("/").split("/")
    other = base64.urlsafe_b64encode(upstream.url("/other.png").encode()).rstrip(b"=").decode()
    client = proxy.test_client()
    for path in (
        f"/img/{signature}/{other}",  # another address under a real signature
        f"/img/{'A' * len(signature)}/{source}",  # a made-up signature
        f"/img/{signature[:-1]}/{source}",
        f"/img/{signature}/{source}x",
        f"/img/{signature}/!!not-base64!!",
        f"/img/{signature}/{source[:-2]}",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["X-Image-Proxy-Error"] == "bad_signature"
    assert upstream.requests == []
    assert client.get(good).status_code == 200


def test_a_signature_made_with_another_secret_key_is_404(app):
    path = signed(app, "https://pics.example/cat.png")
    _img, signature, source = path.strip("/").split("/")
    other = Flask(__name__)
    other.config["SECRET_KEY"] = "another-secret-key-entirely-of-some-length"
    with other.app_context():
        assert verified_url(signature, source) is None
    with app.app_context():
        assert verified_url(signature, source) == "https://pics.example/cat.png"


def test_the_proxy_has_a_rate_limit_per_client(proxy, upstream, monkeypatch):
    monkeypatch.setitem(proxy.config, "IMAGE_PROXY_LIMIT", "3 per minute")
    upstream.replies["/cat.png"] = Reply()
    statuses = [get(proxy, upstream.url("/cat.png")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


# --- the cache's stores -----------------------------------------------------------------------


def test_the_folder_cache_stays_under_its_bound(proxy, upstream, monkeypatch, tmp_path):
    monkeypatch.setitem(proxy.config, "REDIS_URL", None)
    folder = tmp_path / "image-cache"
    for name in ("a", "b", "c", "d", "e"):
        upstream.replies[f"/{name}.png"] = Reply()
        assert get(proxy, upstream.url(f"/{name}.png")).status_code == 200
        if name == "a":
            entry = next(p for p in folder.rglob("*") if p.is_file()).stat().st_size
            monkeypatch.setitem(proxy.config, "IMAGE_PROXY_CACHE_MAX_BYTES", 3 * entry)
        time.sleep(0.01)  # distinct modification times: the oldest goes first
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert len(files) == 3
    assert get(proxy, upstream.url("/e.png")).status_code == 200
    assert upstream.hits("/e.png") == 1  # the newest is still there
    assert get(proxy, upstream.url("/a.png")).status_code == 200
    assert upstream.hits("/a.png") == 2  # the oldest was dropped


def test_with_redis_away_the_folder_stands_in(proxy, upstream, monkeypatch, tmp_path):
    from app.imageproxy import store

    monkeypatch.setitem(proxy.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens
    monkeypatch.setattr(store, "outage", store.Outage("test", "folder"))
    upstream.replies["/cat.png"] = Reply()
    assert get(proxy, upstream.url("/cat.png")).status_code == 200
    assert get(proxy, upstream.url("/cat.png")).status_code == 200
    assert upstream.hits("/cat.png") == 1
    assert list((tmp_path / "image-cache").rglob("*"))


# --- posts show proxied addresses, pages have the tight CSP -------------------------------------


EXTERNAL = "https://pics.example/cat.png"
BODY = (
    f"A cat ![a cat]({EXTERNAL}) and ours ![ours](/media/ours.png) and ![x](//evil.example/x.png)"
)


def _check_html(app: Flask, html: str) -> None:
    assert "pics.example" not in html and "evil.example" not in html
    assert 'src="/media/ours.png"' in html
    with app.test_request_context():
        assert f'src="{proxy_path(EXTERNAL)}"' in html
        assert f'src="{proxy_path("https://evil.example/x.png")}"' in html


def test_a_post_with_an_outside_picture_shows_a_proxied_address_on_the_page_and_in_the_api(app):
    alice = api_as(app, "alice")
    created = alice.call("POST", "/posts", {"body": BODY})
    assert created.status_code == 201
    post = created.get_json()
    _check_html(app, post["body_html"])
    _check_html(app, alice.call("GET", f"/posts/{post['id']}").get_json()["body_html"])
    _check_html(app, alice.call("GET", "/feed/latest").get_json()["items"][0]["body_html"])
    comment = alice.call("POST", f"/posts/{post['id']}/comments", {"body": BODY}).get_json()
    _check_html(app, comment["body_html"])
    _check_html(app, alice.call("POST", "/markdown/preview", {"body": BODY}).get_json()["html"])

    page = app.test_client().get(f"/p/{post['id']}")
    assert page.status_code == 200
    _check_html(app, page.get_data(as_text=True))
    _check_html(app, app.test_client().get("/").get_data(as_text=True))


def test_stored_html_from_before_the_proxy_is_shown_proxied(app):
    from app.extensions import db
    from app.posts.models import Post

    alice = api_as(app, "alice")
    post_id = alice.call("POST", "/posts", {"body": "old"}).get_json()["id"]
    with app.app_context():
        # As an older version stored it: the picture's own address in body_html.
        row = db.session.get(Post, post_id)
        row.body_html = f'<p><img src="{EXTERNAL}" alt="a cat" loading="lazy"></p>'
        db.session.commit()
    html = alice.call("GET", f"/posts/{post_id}").get_json()["body_html"]
    page = app.test_client().get(f"/p/{post_id}").get_data(as_text=True)
    with app.test_request_context():
        for shown in (html, page):
            assert proxy_path(EXTERNAL) in shown and EXTERNAL not in shown


def test_pages_have_the_tight_image_policy(app, monkeypatch):
    for path in ("/", "/login", "/app/"):
        policy = app.test_client().get(path).headers["Content-Security-Policy"]
        assert "img-src 'self' data:;" in policy, path
        assert "https:" not in policy.split("img-src", 1)[1].split(";", 1)[0]
    monkeypatch.setitem(app.config, "MEDIA_PUBLIC_ORIGIN", "https://media.example.com/")
    policy = app.test_client().get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://media.example.com;" in policy


def test_pictures_on_the_media_origin_are_not_proxied(app, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_PUBLIC_ORIGIN", "https://media.example.com")
    with app.test_request_context():
        assert image_address("https://media.example.com/u/1.png") == (
            "https://media.example.com/u/1.png"
        )
        assert image_address("https://media.example.com.evil.example/1.png").startswith("/img/")
        assert image_address("/media/1.png") == "/media/1.png"
        assert image_address("javascript:alert(1)") is None
        assert image_address("/\\evil.example/x.png").startswith("/img/")


def test_bad_proxy_settings_are_refused_at_start():
    from app.config import ConfigError, check_image_proxy_settings

    for bad in (
        {"IMAGE_PROXY_ALLOWED_NETWORKS": "10.0.0.0/33"},
        {"IMAGE_PROXY_ALLOWED_PORTS": "http"},
        {"IMAGE_PROXY_ALLOWED_PORTS": "70000"},
        {"MEDIA_PUBLIC_ORIGIN": "https://media.example.com/path; script-src *"},
    ):
        with pytest.raises(ConfigError):
            check_image_proxy_settings(bad)


# --- https: the checked address, the host's name in SNI and in the certificate check -----------


def _certificates(name: str) -> tuple[bytes, bytes, bytes]:
    """Return (CA certificate, leaf certificate, leaf key) in PEM, the leaf made for ``name``."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def build(subject, issuer, public_key, signing_key, *, ca: bool, san: str | None):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if ca:
            builder = builder.add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_cert_sign=True,
                    crl_sign=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        if san:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(san)]), critical=False
            )
        return builder.sign(signing_key, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = build("Test CA", "Test CA", ca_key.public_key(), ca_key, ca=True, san=None)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = build(name, "Test CA", leaf_key.public_key(), ca_key, ca=False, san=name)
    pem = serialization.Encoding.PEM
    key_pem = leaf_key.private_bytes(
        pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return ca.public_bytes(pem), leaf.public_bytes(pem), key_pem


@pytest.fixture
def tls_upstream(upstream: Upstream, tmp_path, monkeypatch):
    """Serve the upstream over TLS with a certificate for secure.example; trust its CA."""
    import ssl

    ca_pem, leaf_pem, key_pem = _certificates("secure.example")
    (tmp_path / "leaf.pem").write_bytes(leaf_pem)
    (tmp_path / "key.pem").write_bytes(key_pem)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(tmp_path / "leaf.pem", tmp_path / "key.pem")
    names: list[str | None] = []
    server_context.sni_callback = lambda sock, name, context: names.append(name)
    upstream.server.socket = server_context.wrap_socket(upstream.server.socket, server_side=True)
    client_context = ssl.create_default_context(cadata=ca_pem.decode())
    monkeypatch.setattr(fetch, "_tls_context", lambda: client_context)
    return names


def test_https_connects_to_the_checked_address_and_checks_the_certificate_for_the_name(
    proxy, upstream, tls_upstream, connections, resolve_to
):
    resolve_to("secure.example", ["127.0.0.1"])
    resolve_to("impostor.example", ["127.0.0.1"])
    upstream.replies["/cat.png"] = Reply()
    response = get(proxy, f"https://secure.example:{upstream.port}/cat.png")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.data == PNG
    assert tls_upstream == ["secure.example"]  # SNI named the host, not the address
    assert set(connections.attempts) == {("127.0.0.1", upstream.port)}
    # The same server under another name: its certificate does not match, nothing is served.
    response = get(proxy, f"https://impostor.example:{upstream.port}/cat.png")
    assert response.status_code == 502
    assert response.headers["X-Image-Proxy-Error"] == "unreachable"
    assert upstream.hits("/cat.png") == 1


def _parsed(html: str) -> list[tuple]:
    """Read HTML into tags (attributes in any order), text and ends, to compare by meaning."""
    from html.parser import HTMLParser

    class Reader(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.items: list[tuple] = []

        def handle_starttag(self, tag, attrs):
            self.items.append(("start", tag, tuple(sorted(attrs, key=lambda a: a[0]))))

        def handle_endtag(self, tag):
            self.items.append(("end", tag))

        def handle_data(self, data):
            self.items.append(("text", data))

    reader = Reader()
    reader.feed(html)
    reader.close()
    return reader.items


def test_showing_changes_nothing_but_the_picture_addresses(app):
    from app.posts.display import shown_html
    from app.posts.markdown import render_markdown

    body = (
        "## Title\n\n- [x] done\n- [ ] not yet\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n"
        "```python\nprint('<img src=x>')\n```\n\n#python and `code` and [a link](https://x.example)"
        f' and ![a "cat" <3]({EXTERNAL}?a=1&b=2) and ![ours](/media/ours.png)\n'
    )
    html = render_markdown(body).html
    with app.test_request_context():
        expected = html.replace(
            'src="https://pics.example/cat.png?a=1&amp;b=2"',
            f'src="{proxy_path(EXTERNAL + "?a=1&b=2")}"',
        )
        assert expected != html
        assert _parsed(shown_html(html)) == _parsed(expected)
        # Shown twice (a payload in a template): the same.
        assert _parsed(shown_html(expected)) == _parsed(expected)
        assert shown_html("<p>no pictures</p>") == "<p>no pictures</p>"
