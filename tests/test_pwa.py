"""The installable app: manifest, service worker, offline page (browser: test_browser_pwa)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

from PIL import Image

from app.pwa.shell import asset_version
from tests.conftest import Auth, make_user

ROOT = Path(__file__).resolve().parent.parent


def test_the_manifest_describes_an_installable_app(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["name"] == manifest["short_name"] == "DevThread"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/" and manifest["id"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])
    icons = {(icon["sizes"], icon.get("purpose", "any")): icon for icon in manifest["icons"]}
    assert set(icons) == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for (sizes, _purpose), icon in icons.items():
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png" == icon["type"]
        with Image.open(io.BytesIO(image.data)) as picture:
            assert f"{picture.width}x{picture.height}" == sizes
            assert picture.format == "PNG"


def test_the_maskable_icon_fills_its_square_and_keeps_the_mark_in_the_safe_zone(client):
    data = client.get("/static/img/icons/icon-maskable-512.png").data
    with Image.open(io.BytesIO(data)) as picture:
        rgba = picture.convert("RGBA")
        # Opaque to the corners: a launcher's mask never shows through.
        for corner in ((0, 0), (511, 0), (0, 511), (511, 511)):
            assert rgba.getpixel(corner)[3] == 255
        background = rgba.getpixel((0, 0))
        # Every pixel unlike the background lies inside the circle of 40% of the size.
        for x in range(0, 512, 4):
            for y in range(0, 512, 4):
                if rgba.getpixel((x, y)) != background:
                    assert (x - 256) ** 2 + (y - 256) ** 2 <= (0.4 * 512) ** 2, (x, y)


def test_the_committed_icons_are_what_the_script_draws():
    result = subprocess.run(
        [sys.executable, "scripts/make_icons.py", "--check"], cwd=ROOT, capture_output=True
    )
    assert result.returncode == 0, result.stderr.decode()


def test_the_service_worker_is_served_from_the_root_uncached_and_versioned(app, client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    script = response.get_data(as_text=True)
    with app.app_context():
        version = asset_version()
    assert f'const VERSION = "{version}";' in script
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", script).group(1))
    assert {"/offline", "/manifest.webmanifest", "/static/css/app.css"} <= set(precache)
    assert "/static/vendor/htmx.min.js" in precache and "/static/img/icons/icon-192.png" in precache
    for url in precache:  # the install fails if any of them is missing
        assert client.get(url).status_code == 200, url
    # Old caches go when a new version activates; pages and the API are never stored.
    assert "caches.delete" in script and 'addEventListener("activate"' in script
    assert 'credentials: "omit"' in script
    assert 'request.method !== "GET"' in script


def test_the_version_follows_the_static_files(app, tmp_path, monkeypatch):
    from app.pwa import shell

    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "app.css").write_text("body {}")
    with app.app_context():
        monkeypatch.setattr(app, "static_folder", str(tmp_path))
        before = shell.asset_version()
        (tmp_path / "css" / "app.css").write_text("body { color: red }")
        shell._digest.cache_clear()
        after = shell.asset_version()
    shell._digest.cache_clear()
    assert before != after and re.fullmatch(r"[0-9a-f]{16}", after)


def test_the_offline_page_is_translatable_and_shows_no_account(app, client):
    make_user(app, "alice")
    signed_in = app.test_client()
    Auth(signed_in).login("alice")
    for visitor in (client, signed_in):
        response = visitor.get("/offline")
        assert response.status_code == 200 and response.mimetype == "text/html"
        html = response.get_data(as_text=True)
        assert '<h1 id="offline-title">You are offline</h1>' in html
        assert "alice" not in html and "csrf" not in html.lower()
        assert "Set-Cookie" not in response.headers
    assert client.get("/offline").data == signed_in.get("/offline").data
    source = (ROOT / "templates" / "pwa" / "offline.html").read_text()
    # Every sentence of the page goes through _() (the translations of helper D's catalogs).
    text = re.sub(r"{[{%#].*?[}%#]}", "", source, flags=re.S)
    words = re.sub(r"<[^>]+>", " ", text).replace("·", " ").replace("DevThread", " ")
    assert words.split() == []


def test_pages_link_the_manifest_and_the_worker_and_the_policy_allows_them(client):
    response = client.get("/")
    head = response.get_data(as_text=True).split("</head>", 1)[0]
    assert '<link rel="manifest" href="/manifest.webmanifest" data-service-worker="/sw.js">' in head
    assert '<meta name="theme-color"' in head
    assert "/static/js/install.js" in head
    policy = response.headers["Content-Security-Policy"]
    assert "worker-src 'self'" in policy and "manifest-src 'self'" in policy
