"""Ids in paths: every route reads them with the ``id`` converter, so no id is ever a 500."""

from __future__ import annotations

import pathlib
import re

import pytest

from tests.conftest import api_as
from tests.test_api_auth import error_of


def test_no_route_reads_an_id_with_int(app):
    # werkzeug's int converter takes any length of digits: PostgreSQL then fails on int4.
    offenders = [
        rule.rule
        for rule in app.url_map.iter_rules()
        for converter in rule._converters.values()
        if type(converter).__name__ in ("IntegerConverter", "NumberConverter", "FloatConverter")
    ]
    assert offenders == []


def test_every_id_in_a_path_uses_the_id_converter(app):
    from app.api.common import IdConverter

    offenders = [
        f"{rule.rule} ({name})"
        for rule in app.url_map.iter_rules()
        for name, converter in rule._converters.items()
        if (name == "id" or name.endswith("_id")) and not isinstance(converter, IdConverter)
    ]
    assert offenders == []


def test_no_source_declares_an_int_path_variable():
    # Routes registered only under some settings (the benchmark routes) are not in the map above.
    root = pathlib.Path(__file__).resolve().parent.parent / "app"
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"<(int|float):", line)
    ]
    assert offenders == []


IMPOSSIBLE = ["99999999999999999999", "2147483648", "0", "-1", "abc", "1.5"]


@pytest.mark.parametrize("ident", IMPOSSIBLE)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/conversations/{}"),
        ("GET", "/conversations/{}/messages"),
        ("POST", "/conversations/{}/messages"),
        ("POST", "/conversations/{}/read"),
    ],
)
def test_conversations_that_cannot_exist_are_json_404(app, method, path, ident):
    alice = api_as(app, "alice")
    response = alice.call(method, path.format(ident), {"body": "hi"})
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
