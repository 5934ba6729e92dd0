"""API answers written by orjson read exactly as Flask's own encoder wrote them."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import uuid

import pytest
from flask import Flask
from markupsafe import Markup

from app.jsonread import JSONProvider
from tests.conftest import api_as


@dataclasses.dataclass
class Pair:
    number: int
    when: datetime.datetime


class Level(enum.IntEnum):
    HIGH = 3


class Colour(enum.StrEnum):
    RED = "red"


SAMPLES = [
    {"b": 1, "a": "é € 😀 \u2028 <>&'\"\\ \x00\x1f", "empty": {}, "list": []},
    {"at": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)},
    {"day": datetime.date(2026, 1, 2), "naive": datetime.datetime(2020, 1, 1, 12)},
    [
        uuid.UUID(int=5),
        decimal.Decimal("1.10"),
        Markup("<b>bold</b>"),
        Pair(1, datetime.datetime(2020, 1, 1)),
    ],
    {"big": 2**70, "lone": "\ud800"},
    {1: "int keys", 3: "sorted"},
    [Level.HIGH, Colour.RED, None, True, False, 1.5, 0.1, 1e20, 1e300, -0.0, 123456789012],
    {"nested": {"z": [{"y": 1, "x": 2}], "a": None}},
    "plain",
    5,
]


@pytest.mark.parametrize("sample", SAMPLES)
def test_the_bytes_are_flasks(sample):
    fast, stock = Flask("fast"), Flask("stock")
    fast.json = JSONProvider(fast)
    with fast.app_context():
        ours = fast.json.response(sample)
    with stock.app_context():
        theirs = stock.json.response(sample)
    assert ours.get_data() == theirs.get_data()
    assert ours.mimetype == theirs.mimetype == "application/json"


def test_a_small_float_is_spelled_otherwise_with_the_same_value():
    fast, stock = Flask("fast"), Flask("stock")
    fast.json = JSONProvider(fast)
    with fast.app_context():
        ours = fast.json.response([1e-7])
    with stock.app_context():
        theirs = stock.json.response([1e-7])
    assert ours.get_data() == b"[1e-7]\n" and theirs.get_data() == b"[1e-07]\n"
    assert ours.get_json() == theirs.get_json()


def test_an_api_answer_keeps_times_and_non_ascii(app):
    writer = api_as(app, "writer")
    assert writer.call("POST", "/posts", {"body": "Grüße, 世界 😀 #python"}).status_code == 201
    response = writer.call("GET", "/feed/home")
    raw = response.get_data()
    assert raw.isascii() and b"Gr\\u00fc\\u00dfe, \\u4e16\\u754c \\ud83d\\ude00" in raw
    item = response.get_json()["items"][0]
    assert item["body"] == "Grüße, 世界 😀 #python"
    assert item["created_at"].endswith("Z")
    datetime.datetime.fromisoformat(item["created_at"])
