"""Every route of the URL map, sent bad input by a signed-in owner and an admin: never a 5xx.

The routes come from the URL map and the API's field names from the OpenAPI document, so a route
added later is walked the day it exists. Bad input must get a clear 4xx (or be ignored) and change
nothing; a write that did succeed is undone before the next request.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.authz import World, build_world, path_values
from tests.test_authz_matrix import routes

HUGE_ID = "99999999999999999999"
LONG = "x" * 100_000
NUL = "a\x00b"
# What an id, a name or a word in a path is replaced with.
PATH_VALUES = {
    "id": [HUGE_ID, "0", "2147483648"],
    "default": ["%00", "a" * 3000, "%E2%80%AE", "..%2F..%2Fetc"],
}
QUERIES = [
    "cursor=not-a-cursor&limit=abc",
    "cursor=%00&limit=0",
    "cursor=" + "A" * 5000 + "&limit=101",
    "limit=-1&q=%00&type=nothing",
    "q=" + "x" * 5000,
    "next=/%5Cevil.example/&target_type=%00&target_id=" + HUGE_ID,
]
# Values every JSON field is sent, one field at a time.
BAD_VALUES: list[Any] = [
    NUL,
    LONG,
    "\ud800",
    None,
    -1,
    2**63,
    1.5,
    True,
    [],
    {},
    [[[[["deep"]]]]],
    ["a"] * 1000,
]
# Form fields that any page form may read: extra ones are ignored, so one body reaches them all.
FORM_FIELDS = (
    "body",
    "tags",
    "edit-body",
    "edit-tags",
    "parent_id",
    "on",
    "username",
    "email",
    "password",
    "login",
    "remember",
    "display_name",
    "bio",
    "location",
    "website",
    "dm_policy",
    "current_password",
    "new_password",
    "target_type",
    "target_id",
    "reason",
    "note",
    "action",
    "suspend-reason",
    "content-reason",
    "role-role",
    "role-reason",
    "code",
    "name",
    "credential",
    "recovery-code",
    "disable-password",
    "disable-code",
)
MALFORMED_JSON = [b"{", b'{"a": }', b"\xff\xfe", b"[" * 1000 + b"]" * 1000, b'{"a":' * 500 + b"1"]


@pytest.fixture(scope="module")
def world(app) -> World:
    """Build the world once; restore it after any write that went through."""
    return build_world(app)


@pytest.fixture(scope="module")
def api_fields(app) -> dict[tuple[str, str], list[str]]:
    """Map (method, OpenAPI path) to the names of the fields its request body takes."""
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = document["components"]["schemas"]

    def names(schema: dict[str, Any]) -> list[str]:
        if "$ref" in schema:
            return names(schemas[schema["$ref"].rsplit("/", 1)[-1]])
        found = list(schema.get("properties", {}))
        for part in schema.get("allOf", []) + schema.get("oneOf", []) + schema.get("anyOf", []):
            found += names(part)
        return found

    fields: dict[tuple[str, str], list[str]] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = (operation.get("requestBody") or {}).get("content", {})
            schema = body.get("application/json", {}).get("schema")
            if schema:
                fields[(method.upper(), path)] = names(schema)
    return fields


def openapi_path(rule_text: str) -> str:
    """Turn ``/api/v1/posts/<id:post_id>`` into ``/posts/{post_id}``."""
    return re.sub(r"<(?:[a-z]+:)?(\w+)>", r"{\1}", rule_text[len("/api/v1") :])


def bad_paths(world: World, rule_text: str) -> list[str]:
    """Return the rule's path with each variable in turn replaced by hostile values."""
    rule = next(r for r in world.app.url_map.iter_rules() if r.rule == rule_text)
    good = path_values(world, rule)
    paths = []
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__
        kind = "id" if converter == "IdConverter" else "default"
        for value in PATH_VALUES[kind]:
            values = {**good, name: value}
            path = rule_text
            for key, val in values.items():
                path = re.sub(r"<(?:[a-z]+:)?" + key + r">", str(val), path)
            paths.append(path)
    return paths


def good_path(world: World, rule_text: str) -> str:
    """Return the rule's path filled with the world's own objects."""
    rule = next(r for r in world.app.url_map.iter_rules() if r.rule == rule_text)
    path = rule_text
    for key, val in path_values(world, rule).items():
        path = re.sub(r"<(?:[a-z]+:)?" + key + r">", str(val), path)
    return path


def requests_for(world: World, method: str, rule_text: str, fields: list[str]):
    """Yield (description, path, kwargs) for every bad request sent to one route."""
    path = good_path(world, rule_text)
    for bad in bad_paths(world, rule_text):
        yield "path", bad, {}
    for query in QUERIES:
        yield "query", f"{path}?{query}", {}
    if method == "GET":
        return
    if rule_text.startswith("/api/v1/"):
        for raw in MALFORMED_JSON:
            yield "malformed JSON", path, {"data": raw, "content_type": "application/json"}
        yield "not JSON", path, {"data": b"a=1", "content_type": "text/plain"}
        yield "a list", path, {"json": [1, 2]}
        for name in fields:
            for value in BAD_VALUES:
                yield f"{name}={value!r:.30}", path, {"json": {name: value}}
        yield "unknown field", path, {"json": {"no_such_field": 1}}
        return
    for value in (NUL, LONG, "\u202eevil", HUGE_ID, "-1"):
        yield f"form {value!r:.30}", path, {"data": dict.fromkeys(FORM_FIELDS, value)}
    yield (
        "invalid UTF-8",
        path,
        {
            "data": b"body=%FF%FE&username=%FF",
            "content_type": "application/x-www-form-urlencoded",
        },
    )


def send(visitor, method: str, path: str, kwargs: dict[str, Any]):
    """Send one request the way this visitor would: a token for the API, a CSRF field for pages."""
    if path.startswith("/api/v1/"):
        return visitor.api.client.open(path, method=method, headers=visitor.api.headers(), **kwargs)
    data = kwargs.get("data")
    if isinstance(data, dict):
        kwargs = {"data": {**data, "csrf_token": visitor.csrf}}
    elif data is not None:
        kwargs = {**kwargs, "data": data + b"&csrf_token=" + visitor.csrf.encode()}
    return visitor.browser.open(path, method=method, **kwargs)


@pytest.mark.parametrize("actor", ["owner", "admin"])
def test_no_route_answers_bad_input_with_a_server_error(app, world, api_fields, actor, monkeypatch):
    from app.extensions import limiter

    monkeypatch.setitem(app.config, "CACHE_ENABLED", False)
    # Sign in with GitHub set up, so its routes are walked past "not set up" (no network:
    # a callback without this browser's state is refused before GitHub is asked anything).
    monkeypatch.setitem(app.config, "GITHUB_CLIENT_ID", "bad-input-walk")
    # Thousands of requests from one person: the write limit would answer most of them 429.
    monkeypatch.setattr(limiter, "enabled", False)
    failures: list[str] = []
    count = 0
    world.restore()
    for method, rule_text in routes(app):
        if rule_text == "/ws":
            continue  # a socket handshake; its frames have their own bad-input tests
        fields = api_fields.get((method, openapi_path(rule_text)), [])
        visitor = world.visitors[actor]
        for what, path, kwargs in requests_for(world, method, rule_text, fields):
            count += 1
            try:
                response = send(visitor, method, path, kwargs)
            except Exception as error:  # TESTING lets errors through: each is a would-be 500
                failures.append(f"{method} {path[:80]} ({what}): raised {error!r:.120}")
                world.restore()
                continue
            if response.status_code >= 500:
                failures.append(f"{method} {path[:80]} ({what}): {response.status_code}")
            elif path.startswith("/api/v1/") and response.status_code >= 400:
                error = json.loads(response.get_data() or b"{}").get("error", {})
                if not error.get("code") or not error.get("message"):
                    failures.append(f"{method} {path[:80]} ({what}): no error shape")
            if method != "GET" and response.status_code < 400:
                world.restore()  # it went through: start the next one from the same world
    assert not failures, f"{len(failures)} of {count}:\n" + "\n".join(failures[:80])
    assert count > 1500, count


def test_nul_characters_in_admin_filters_and_reasons_are_not_server_errors(app, world):
    # PostgreSQL refuses NUL in a text parameter: each of these was a 500 there.
    world.restore()
    admin = world.visitors["admin"]
    for path in ("/admin/users?q=a%00b", "/admin/audit?actor=a%00&target=b%00"):
        assert admin.browser.get(path).status_code == 200, path
    post = f"/p/{world.ids['post']}"
    response = admin.browser.post(
        f"{post}/delete", data={"reason": "a\x00b", "csrf_token": admin.csrf}
    )
    assert response.status_code == 422
    assert "Remove the control characters." in response.get_data(as_text=True)
    assert admin.browser.get(post).status_code == 200  # nothing was removed


def test_a_reply_to_a_comment_id_no_row_can_have_is_a_form_error(app, world):
    world.restore()
    owner = world.visitors["owner"]
    response = owner.browser.post(
        f"/p/{world.ids['post']}/comments",
        data={"body": "hello", "parent_id": HUGE_ID, "csrf_token": owner.csrf},
    )
    assert response.status_code == 422
    assert "No such comment on this post." in response.get_data(as_text=True)
