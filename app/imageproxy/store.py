"""Where fetched pictures, and recent failures, are kept so a popular picture is fetched once.

Redis when ``REDIS_URL`` is set (each entry with its own TTL, shared by every process), else a
folder (``IMAGE_PROXY_CACHE_DIR``, default ``instance/image-cache``) kept under
``IMAGE_PROXY_CACHE_MAX_BYTES`` by dropping the oldest files. With Redis away, the folder
stands in until Redis answers again. Pictures live ``IMAGE_PROXY_CACHE_TTL`` seconds, failures
``IMAGE_PROXY_FAILURE_TTL``.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from app.redisconn import Outage, unreachable

PREFIX = "devthread:imgproxy:"
outage = Outage("image proxy cache", "pictures are cached in the instance folder")


@dataclass(frozen=True)
class Picture:
    """A picture ready to serve."""

    data: bytes
    content_type: str
    etag: str


@dataclass(frozen=True)
class Failure:
    """Why a picture could not be served, remembered for a short while."""

    status: int
    code: str
    message: str


def _encode(entry: Picture | Failure) -> bytes:
    if isinstance(entry, Picture):
        head = {"kind": "picture", "type": entry.content_type, "etag": entry.etag}
        return json.dumps(head).encode() + b"\n" + entry.data
    head = {"kind": "failure", "status": entry.status, "code": entry.code, "message": entry.message}
    return json.dumps(head).encode() + b"\n"


def _decode(blob: bytes) -> Picture | Failure | None:
    head_raw, _sep, data = blob.partition(b"\n")
    try:
        head = json.loads(head_raw)
        if head["kind"] == "picture":
            return Picture(data=data, content_type=str(head["type"]), etag=str(head["etag"]))
        return Failure(status=int(head["status"]), code=str(head["code"]), message=head["message"])
    except (ValueError, KeyError, TypeError):
        return None  # a damaged entry is a miss


def _ttl(entry: Picture | Failure) -> int:
    config = current_app.config
    return int(
        config["IMAGE_PROXY_CACHE_TTL" if isinstance(entry, Picture) else "IMAGE_PROXY_FAILURE_TTL"]
    )


def get(key: str) -> Picture | Failure | None:
    """Return what is kept under ``key`` (a hex digest), or None."""
    if _use_redis():
        from app.redisconn import get_redis

        try:
            blob = get_redis().get(PREFIX + key)
        except Exception as error:
            if not unreachable(error):
                raise
            outage.failed(error)
        else:
            outage.succeeded()
            return _decode(blob) if blob else None
    return _disk_get(key)


def put(key: str, entry: Picture | Failure) -> None:
    """Keep a picture or a failure under ``key`` for its time to live."""
    if _use_redis():
        from app.redisconn import get_redis

        try:
            get_redis().set(PREFIX + key, _encode(entry), ex=_ttl(entry))
        except Exception as error:
            if not unreachable(error):
                raise
            outage.failed(error)
        else:
            outage.succeeded()
            return
    _disk_put(key, entry)


def _use_redis() -> bool:
    return bool(current_app.config.get("REDIS_URL")) and not outage.skip()


# --- the folder ---------------------------------------------------------------------------


def _folder() -> Path:
    configured = current_app.config.get("IMAGE_PROXY_CACHE_DIR")
    return Path(configured or os.path.join(current_app.instance_path, "image-cache"))


def _disk_get(key: str) -> Picture | Failure | None:
    path = _folder() / key[:2] / key
    try:
        with path.open("rb") as file:
            age = time.time() - os.fstat(file.fileno()).st_mtime
            blob = file.read()
    except OSError:
        return None
    entry = _decode(blob)
    if entry is None or age > _ttl(entry):
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    return entry


def _disk_put(key: str, entry: Picture | Failure) -> None:
    folder = _folder()
    path = folder / key[:2] / key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then renamed: a reader never sees half a picture.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(handle, "wb") as file:
            file.write(_encode(entry))
        os.replace(temporary, path)
    except OSError:
        current_app.logger.warning("image proxy: cannot write the cache folder %s", folder)
        return
    _trim(folder, int(current_app.config["IMAGE_PROXY_CACHE_MAX_BYTES"]))


def _trim(folder: Path, max_bytes: int) -> None:
    """Drop the oldest entries until the folder holds at most ``max_bytes``."""
    files = []
    total = 0
    for sub in folder.iterdir():
        if not sub.is_dir():
            continue
        for item in sub.iterdir():
            with contextlib.suppress(OSError):
                stat = item.stat()
                files.append((stat.st_mtime, stat.st_size, item))
                total += stat.st_size
    if total <= max_bytes:
        return
    for _mtime, size, item in sorted(files, key=lambda row: row[0]):
        with contextlib.suppress(OSError):
            item.unlink()
            total -= size
        if total <= max_bytes:
            break
