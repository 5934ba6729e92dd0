"""Where picture files live: one small interface, a local folder or any S3-compatible store.

Files are named by content (``<sha256>[-<size>].<ext>``) and never change once written, so
they are served with long immutable cache headers. Names are checked here too: nothing but a
name we made can reach a path or an object key.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask, current_app

NAME_RE = re.compile(r"[0-9a-f]{64}(?:-[0-9]{2,4})?\.(?:jpg|png|gif|webp)")
CHUNK = 64 * 1024


def is_media_name(name: str) -> bool:
    """Tell whether a name is one this module makes (content hash, size, extension)."""
    return NAME_RE.fullmatch(name) is not None


def _checked(name: str) -> str:
    if not is_media_name(name):
        raise ValueError(f"not a media file name: {name!r}")
    return name


@dataclass
class StoredFile:
    """An open stored file: its length and its bytes, read in chunks."""

    size: int
    chunks: Iterator[bytes]
    path: str | None = None  # a local file's path (served with sendfile), else None


class Storage(Protocol):
    """What the media domain needs of a store."""

    def save(self, name: str, data: bytes, content_type: str) -> None:
        """Write a file (writing the same name again is harmless: same content)."""

    def open(self, name: str) -> StoredFile | None:
        """Return the file, or None when it is not there."""

    def delete(self, name: str) -> None:
        """Remove a file; a missing one is not an error."""

    def exists(self, name: str) -> bool:
        """Tell whether the file is there."""


class LocalStorage:
    """Files in a folder (``instance/media/`` by default), served by the app."""

    def __init__(self, root: str) -> None:
        self.root = root
        os.makedirs(root, exist_ok=True)

    def _path(self, name: str) -> str:
        return os.path.join(self.root, _checked(name))

    def save(self, name: str, data: bytes, content_type: str) -> None:
        """Write the file atomically: a reader never sees half of it."""
        path = self._path(name)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def open(self, name: str) -> StoredFile | None:
        """Return the file, or None."""
        path = self._path(name)
        try:
            size = os.path.getsize(path)
        except OSError:
            return None

        def chunks() -> Iterator[bytes]:
            with open(path, "rb") as src:
                while block := src.read(CHUNK):
                    yield block

        return StoredFile(size=size, chunks=chunks(), path=path)

    def delete(self, name: str) -> None:
        """Remove the file if it is there."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self._path(name))

    def exists(self, name: str) -> bool:
        """Tell whether the file is there."""
        return os.path.exists(self._path(name))


class S3Storage:
    """Objects in a bucket of any S3-compatible store (AWS, MinIO, Ceph, Garage...)."""

    def __init__(self, config: dict[str, Any]) -> None:
        import boto3
        from botocore.config import Config

        self.bucket = config["MEDIA_S3_BUCKET"]
        self.prefix = config.get("MEDIA_S3_PREFIX") or ""
        self.client = boto3.client(
            "s3",
            endpoint_url=config.get("MEDIA_S3_ENDPOINT_URL") or None,
            region_name=config.get("MEDIA_S3_REGION") or None,
            aws_access_key_id=config.get("MEDIA_S3_ACCESS_KEY_ID") or None,
            aws_secret_access_key=config.get("MEDIA_S3_SECRET_ACCESS_KEY") or None,
            config=Config(
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 3, "mode": "standard"},
                # Path-style works with every S3-compatible store; virtual hosts need DNS.
                s3={"addressing_style": "path"},
            ),
        )

    def _key(self, name: str) -> str:
        return self.prefix + _checked(name)

    def save(self, name: str, data: bytes, content_type: str) -> None:
        """Put the object with its type and cache headers."""
        self.client.put_object(
            Bucket=self.bucket,
            Key=self._key(name),
            Body=data,
            ContentType=content_type,
            CacheControl="public, max-age=31536000, immutable",
        )

    def open(self, name: str) -> StoredFile | None:
        """Return the object as a stream, or None when the store has no such key."""
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return None
            raise
        body = answer["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(CHUNK)
            finally:
                body.close()

        return StoredFile(size=int(answer["ContentLength"]), chunks=chunks())

    def delete(self, name: str) -> None:
        """Delete the object (S3 answers success for a missing key too)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._key(name))

    def exists(self, name: str) -> bool:
        """Tell whether the object is there."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(name))
        except ClientError:
            return False
        return True


def build_storage(config: dict[str, Any], instance_path: str) -> Storage:
    """Make the store that ``MEDIA_STORAGE`` names."""
    kind = config.get("MEDIA_STORAGE") or "local"
    if kind == "s3":
        return S3Storage(config)
    return LocalStorage(config.get("MEDIA_ROOT") or os.path.join(instance_path, "media"))


def get_storage(app: Flask | None = None) -> Storage:
    """Return this app's store, made once."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    store = app.extensions.get("media_storage")
    if store is None:
        store = build_storage(app.config, app.instance_path)
        app.extensions["media_storage"] = store
    return store
