"""Serve a signed picture address: from the cache, else fetched once by the proxy's rules."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator
from functools import lru_cache

from flask import current_app

from app.imageproxy import store
from app.imageproxy.fetch import Policy, ProxyError, fetch_image, parse_networks, parse_ports
from app.imageproxy.store import Failure, Picture

# One fetch per picture at a time in this process: readers of a new popular post wait for it.
_flights: dict[str, list] = {}
_flights_lock = threading.Lock()


class ImageUnavailable(Exception):
    """The picture cannot be served; ``failure`` says why and with which status."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def policy() -> Policy:
    """Return the fetch rules the settings make."""
    config = current_app.config
    return _policy(
        float(config["IMAGE_PROXY_TIMEOUT"]),
        int(config["IMAGE_PROXY_MAX_BYTES"]),
        int(config["IMAGE_PROXY_MAX_REDIRECTS"]),
        _hashable(config.get("IMAGE_PROXY_ALLOWED_NETWORKS")),
        _hashable(config.get("IMAGE_PROXY_ALLOWED_PORTS")),
    )


def _hashable(value: object) -> str:
    if not value:
        return ""
    return value if isinstance(value, str) else ",".join(str(item) for item in value)  # type: ignore[union-attr]


@lru_cache(maxsize=8)
def _policy(timeout: float, max_bytes: int, redirects: int, networks: str, ports: str) -> Policy:
    return Policy(
        timeout=timeout,
        max_bytes=max_bytes,
        max_redirects=redirects,
        allowed_networks=parse_networks(networks),
        allowed_ports=parse_ports(ports),
    )


def proxied_image(*, url: str) -> Picture:
    """Return the picture at ``url`` (a signed address); raise ImageUnavailable if none."""
    key = hashlib.sha256(url.encode("utf-8")).hexdigest()
    kept = store.get(key)
    if kept is None:
        with _single_flight(key):
            kept = store.get(key) or _fetch(key, url)
    if isinstance(kept, Failure):
        raise ImageUnavailable(kept)
    return kept


def _fetch(key: str, url: str) -> Picture | Failure:
    entry: Picture | Failure
    try:
        fetched = fetch_image(url, policy())
    except ProxyError as error:
        current_app.logger.info("image proxy: %s refused (%s)", url[:200], error.code)
        entry = Failure(status=error.status, code=error.code, message=error.message)
    else:
        etag = hashlib.sha256(fetched.data).hexdigest()[:32]
        entry = Picture(data=fetched.data, content_type=fetched.content_type, etag=etag)
    store.put(key, entry)
    return entry


@contextlib.contextmanager
def _single_flight(key: str) -> Iterator[None]:
    with _flights_lock:
        flight = _flights.setdefault(key, [threading.Lock(), 0])
        flight[1] += 1
    try:
        with flight[0]:
            yield
    finally:
        with _flights_lock:
            flight[1] -= 1
            if flight[1] == 0:
                _flights.pop(key, None)
