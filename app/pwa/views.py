"""The installable app's routes: /manifest.webmanifest, /sw.js and /offline."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from app.pwa.shell import asset_version, precache_urls

bp = Blueprint("pwa", __name__)

# The colours of the pages' header and background (static/css/app.css, light theme).
THEME_COLOUR = "#ffffff"
BACKGROUND_COLOUR = "#f6f8fa"


@bp.get("/manifest.webmanifest")
def manifest():
    """Describe the site as an app a browser can install."""
    document = {
        "id": "/",
        "name": "DevThread",
        "short_name": "DevThread",
        "description": _("DevThread: where developers share code, ideas and answers."),
        "lang": str(get_locale()),
        "start_url": url_for("feeds.home"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "categories": ["social", "developer"],
        "icons": [
            {"src": _icon("icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": _icon("icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": _icon("icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = Response(
        json.dumps(document, ensure_ascii=False), mimetype="application/manifest+json"
    )
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.vary.add("Accept-Language")
    return response


def _icon(name: str) -> str:
    return url_for("static", filename=f"img/icons/{name}")


@bp.get("/sw.js")
def service_worker():
    """Serve the service worker from the root, so its scope is the whole site."""
    script = render_template(
        "pwa/sw.js",
        version=asset_version(),
        precache=precache_urls(),
        offline_url=url_for("pwa.offline"),
        static_prefix=url_for("static", filename=""),
        spa_prefix=url_for("spa.serve_spa", path=""),
    )
    response = Response(script, mimetype="text/javascript")
    # Browsers check for a new worker on every navigation at most once a day anyway; no-cache
    # makes each check reach us, so a deploy's new version is seen at the next visit.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
def offline():
    """Show the page the service worker answers with when the network is gone."""
    # The worker keeps this page for every account of the browser: it shows nobody's data.
    response = Response(render_template("pwa/offline.html"))
    response.headers["Cache-Control"] = "no-cache"
    return response
