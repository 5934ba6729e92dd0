"""The JSON reader for outside input: nesting capped before json.loads recurses."""

from __future__ import annotations

import json
import time

import pytest

from app.jsonread import MAX_DEPTH, TooDeep, loads, nesting_depth


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "\\"[[", {"k]": "{{"}]', 2),
        ('"unterminated [[[[', 0),
        ("[[[" + '"\\', 3),
        ('{"é": ["ü"]}', 2),
    ],
)
def test_nesting_depth_counts_brackets_outside_strings(text, depth):
    assert nesting_depth(text) == depth


def test_the_cap_is_exact():
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    with pytest.raises(TooDeep):
        loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))


@pytest.mark.parametrize(
    "raw",
    [b"[" * 100_000, b"[" * 5000 + b"]" * 5000, b'{"a":' * 2000 + b"1" + b"}" * 2000],
)
def test_deep_input_is_a_value_error_not_a_recursion_error(raw):
    with pytest.raises(ValueError):
        loads(raw)


def test_bytes_in_other_encodings_are_read_like_json_loads():
    body = {"name": "Zoë", "tags": ["a"]}
    for encoding in ("utf-8", "utf-16", "utf-32"):
        assert loads(json.dumps(body).encode(encoding)) == body


def test_a_body_at_the_size_limit_is_measured_quickly():
    # 2 MB of pathological input: many shallow brackets, strings that never close, deep ones.
    bodies = {
        "[" + ",".join(["[1]"] * 500_000) + "]": 2,
        "[" * 40 + '"\\"' * 600_000: 40,
        "[" * 1_000_000 + "]" * 1_000_000: 1_000_000,
    }
    for body, depth in bodies.items():
        started = time.perf_counter()
        assert nesting_depth(body) == depth
        assert time.perf_counter() - started < 1.0
