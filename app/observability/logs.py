"""Logging: JSON lines (production) or plain text, and one access line per request."""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

from flask import Flask
from flask.logging import default_handler

from app.observability.context import request_fields

ACCESS_LOGGER = "devthread.access"
# Fields a caller may attach with ``extra=`` that belong in the JSON object.
EXTRA_FIELDS = ("status", "duration_ms")
LOG_FORMATS = ("json", "text")

access_logger = logging.getLogger(ACCESS_LOGGER)


class JsonFormatter(logging.Formatter):
    """Format each record as one JSON object on one line."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON line with the request's context."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        entry.update(request_fields())
        for name in EXTRA_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, separators=(",", ":"))


class TextFormatter(logging.Formatter):
    """Format records as readable lines that still carry the request id."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one text line."""
        record.request_id = request_fields().get("request_id", "-")
        return super().format(record)


# The SPA's socket carries its access token in the query string (/ws?access_token=...).
TOKEN_IN_QUERY = re.compile(r"(access_token=)[^&\s\"']+")


class RedactTokens(logging.Filter):
    """Hide access tokens in logged addresses, such as the development server's request lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite a record whose message shows an access token; never drop one."""
        message = record.getMessage()
        if "access_token=" in message:
            record.msg = TOKEN_IN_QUERY.sub(r"\1[redacted]", message)
            record.args = None
        return True


class StderrHandler(logging.StreamHandler):
    """Write to whatever ``sys.stderr`` is at the time, so captured output sees the lines."""

    def __init__(self) -> None:
        super().__init__()
        self.addFilter(RedactTokens())

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        # StreamHandler assigns a stream in __init__; the property always answers sys.stderr.
        pass


class Throttle:
    """Let one log line through per interval, counting the ones held back (in this process)."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._next = 0.0
        self._held = 0
        self._lock = threading.Lock()

    def allow(self) -> int | None:
        """Return how many were held back since the last line if this one may go out, else None."""
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                self._held += 1
                return None
            held, self._held = self._held, 0
            self._next = now + self.interval
            return held


def log_format(config: dict[str, Any]) -> str:
    """Pick the log format: LOG_FORMAT if set, else JSON in production (tests stay text)."""
    chosen = (config.get("LOG_FORMAT") or "").strip().lower()
    if chosen:
        if chosen not in LOG_FORMATS:
            from app.config import ConfigError

            raise ConfigError(f"LOG_FORMAT must be json or text, got {chosen!r}")
        return chosen
    return "json" if config.get("PRODUCTION") and not config.get("TESTING") else "text"


def configure_logging(app: Flask) -> None:
    """Send every log record to stderr through one handler in the chosen format."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, StderrHandler)), None)
    if handler is None:
        handler = StderrHandler()
        root.addHandler(handler)
    fmt = log_format(app.config)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root.setLevel(str(app.config.get("LOG_LEVEL") or "INFO").upper())
    # app.logger propagates to the root handler; Flask's own handler would print records twice.
    app.logger.removeHandler(default_handler)


def log_access(*, status: int, duration: float, quiet: bool = False) -> None:
    """Write the access line of the current request."""
    fields = request_fields()
    duration_ms = round(duration * 1000, 2)
    access_logger.log(
        logging.DEBUG if quiet else logging.INFO,
        "%s %s %s %.2fms",
        fields.get("method"),
        fields.get("route"),
        status,
        duration_ms,
        extra={"status": status, "duration_ms": duration_ms},
    )


def init_app(app: Flask) -> None:
    """Configure logging for this app."""
    configure_logging(app)
