"""Reading JSON that came from outside: nesting is capped before the parser recurses.

``json.loads`` recurses once per level and raises ``RecursionError`` (not ``ValueError``) near
1,000 levels, so a small body could turn into a 500. No DevThread body, cursor or socket frame
needs more than a few levels: anything deeper than ``MAX_DEPTH`` is refused as malformed.
"""

from __future__ import annotations

import json
import re
from array import array
from itertools import accumulate
from typing import Any

from flask import Response
from flask.json.provider import DefaultJSONProvider

from app.jsonwrite import dumps_bytes

MAX_DEPTH = 32

# A string up to its closing quote, or to the end of the text when it never closes: always a
# match, possessive, so the scan stays linear whatever the input.
_STRING = re.compile(r'"(?:[^"\\]++|\\(?s:.)?)*+(?:"|\Z)')
# Brackets become +1 and -1 (as signed bytes); every other byte is dropped. UTF-8 never uses
# these four ASCII bytes inside a multi-byte character.
_STEP = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class TooDeep(ValueError):
    """JSON nested deeper than this server reads."""


def nesting_depth(text: str) -> int:
    """Return how deep arrays and objects nest in ``text`` (brackets inside strings are text)."""
    # Every step runs in C: a body at the size limit takes tens of milliseconds, less than
    # json.loads itself.
    outside_strings = _STRING.sub("", text).encode("utf-8", "surrogatepass")
    steps = array("b", outside_strings.translate(_STEP, _NOT_BRACKETS))
    return max(accumulate(steps), default=0)


def check_depth(text: str, max_depth: int = MAX_DEPTH) -> None:
    """Raise ``TooDeep`` if arrays and objects in ``text`` nest more than ``max_depth`` levels."""
    # Most bodies hold fewer brackets than the cap: counting them is enough.
    if text.count("[") + text.count("{") <= max_depth:
        return
    if nesting_depth(text) > max_depth:
        raise TooDeep(f"JSON nested deeper than {max_depth} levels")


def _text(data: str | bytes | bytearray) -> str:
    """Decode a body as json.loads does: UTF-8, -16 or -32, told apart by the first bytes."""
    if isinstance(data, str):
        return data
    return bytes(data).decode(json.detect_encoding(data), "surrogatepass")


def loads(data: str | bytes | bytearray, max_depth: int = MAX_DEPTH, **kwargs: Any) -> Any:
    """Parse JSON from outside; ``ValueError`` (``TooDeep`` among them) for anything unreadable."""
    text = _text(data)
    check_depth(text, max_depth)
    return json.loads(text, **kwargs)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON: the nesting cap on everything it reads, orjson for what it answers."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse JSON, refusing bodies nested deeper than ``MAX_DEPTH``."""
        return loads(s, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """Answer JSON written by orjson (``app/jsonwrite.py``): the same text, sooner."""
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)  # indented for people: rare, keep Flask's
        obj = self._prepare_response_obj(args, kwargs)
        body = dumps_bytes(
            obj, default=self.default, ensure_ascii=self.ensure_ascii, sort_keys=self.sort_keys
        )
        return self._app.response_class(body + b"\n", mimetype=self.mimetype)
