"""The app shell the service worker keeps, and the version that names its caches."""

from __future__ import annotations

import hashlib
import os
from functools import cache

from flask import current_app, url_for

from app import paths

# The pieces every page needs, kept by the worker when it installs (static files as served:
# stylesheets, scripts, icons), besides the offline page and the manifest.
SHELL_STATIC = (
    "css/app.css",
    "css/code.css",
    "vendor/htmx.min.js",
    "vendor/ws.min.js",
    "js/app.js",
    "js/pictures.js",
    "js/install.js",
    "img/favicon.svg",
    "img/icons/icon-192.png",
    "img/icons/icon-512.png",
    "img/icons/icon-maskable-512.png",
)


def asset_version() -> str:
    """Return a short digest of the deployed static files and the SPA's entry page."""
    spa = current_app.config.get("SPA_DIST") or paths.resource("spa")
    return _digest(str(current_app.static_folder), os.path.join(spa, "index.html"))


@cache
def _digest(static_folder: str, spa_index: str) -> str:
    # Once per process: a deploy starts new processes, and its files do not change under them.
    digest = hashlib.sha256()
    for root, folders, files in os.walk(static_folder):
        folders.sort()
        for name in sorted(files):
            path = os.path.join(root, name)
            digest.update(os.path.relpath(path, static_folder).encode() + b"\0")
            with open(path, "rb") as file:
                digest.update(hashlib.sha256(file.read()).digest())
    if os.path.isfile(spa_index):
        with open(spa_index, "rb") as file:
            digest.update(b"spa\0" + hashlib.sha256(file.read()).digest())
    return digest.hexdigest()[:16]


def precache_urls() -> list[str]:
    """Return the addresses the worker stores when it installs."""
    return [
        url_for("pwa.offline"),
        url_for("pwa.manifest"),
        *(url_for("static", filename=name) for name in SHELL_STATIC),
    ]
