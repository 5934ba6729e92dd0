"""The OpenAPI document describes exactly the API that is served."""

from __future__ import annotations

import json
import re
from pathlib import Path

from openapi_spec_validator import validate


def api_routes(app) -> set[tuple[str, str]]:
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule[len("/api/v1") :])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routes.add((path, method.lower()))
    return routes


def test_spec_is_valid_openapi_31(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_every_route_is_documented_and_nothing_else(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, item in spec["paths"].items() for method in item}
    served = api_routes(app) - {("/openapi.json", "get")}
    assert served == documented


def test_docs_page_lists_every_operation(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    page = client.get("/api/docs").get_data(as_text=True)
    for path in spec["paths"]:
        assert f"<code>{path}</code>" in page


def test_a_removal_notice_is_a_documented_notification(app, client):
    from jsonschema import Draft202012Validator

    from app.accounts.queries import find_by_username
    from app.admin import services as admin
    from app.posts import services as posts
    from tests.conftest import api_as, make_user

    alice = api_as(app, "alice")
    make_user(app, "mod", role="moderator")
    with app.test_request_context():
        post = posts.create_post(author=find_by_username("alice"), body="Buy cheap watches")
        admin.remove_post(actor=find_by_username("mod"), post_id=post.id, reason="Spam.")
    items = alice.call("GET", "/notifications").get_json()["items"]
    assert [(n["type"], n["target_type"], n["reason"]) for n in items] == [
        ("removed", "post", "Spam.")
    ]
    spec = client.get("/api/v1/openapi.json").get_json()
    schema = {"$ref": "#/components/schemas/Notification", "components": spec["components"]}
    Draft202012Validator(schema).validate(items[0])


# --- The document says exactly what the rules say -------------------------------------------


def _schemas(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]


def _string(prop: dict) -> dict:
    """Return the string branch of an optional (nullable) property."""
    for branch in prop.get("anyOf", []):
        if branch.get("type") == "string":
            return branch
    return prop


def _operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_documents_limits_are_the_rules(client):
    from app.accounts import rules as accounts
    from app.messaging import rules as messaging
    from app.pagination import DEFAULT_LIMIT, INT_MAX, MAX_LIMIT
    from app.posts import rules as posts
    from app.posts.models import REACTION_KINDS
    from app.safety.models import NOTE_MAX, REPORT_REASONS, REPORT_TARGETS

    schemas = _schemas(client)
    props = {name: schema.get("properties", {}) for name, schema in schemas.items()}
    assert props["PostCreate"]["body"]["maxLength"] == posts.BODY_MAX
    assert _string(props["PostUpdate"]["body"])["maxLength"] == posts.BODY_MAX
    assert props["MarkdownPreviewRequest"]["body"]["maxLength"] == posts.BODY_MAX
    assert props["CommentCreate"]["body"]["maxLength"] == posts.COMMENT_MAX
    assert props["NewMessage"]["body"]["maxLength"] == messaging.BODY_MAX
    assert props["Post"]["tags"]["items"]["pattern"] == posts.TAG_RE.pattern
    assert props["Post"]["tags"]["maxItems"] == posts.TAGS_MAX
    assert props["RegisterRequest"]["username"]["pattern"] == accounts.USERNAME_RE.pattern
    assert props["RegisterRequest"]["password"]["minLength"] == accounts.PASSWORD_MIN
    assert props["RegisterRequest"]["password"]["maxLength"] == accounts.PASSWORD_MAX
    assert props["RegisterRequest"]["email"]["maxLength"] == accounts.EMAIL_MAX
    update = props["ProfileUpdate"]
    assert _string(update["bio"])["maxLength"] == accounts.BIO_MAX
    assert _string(update["location"])["maxLength"] == accounts.LOCATION_MAX
    assert _string(update["display_name"])["maxLength"] == accounts.DISPLAY_NAME_MAX
    assert _string(update["website"])["maxLength"] == accounts.WEBSITE_MAX
    # Without a scheme, the stored form gains one: the document says so.
    without_scheme = accounts.WEBSITE_MAX - len(accounts.WEBSITE_SCHEME)
    assert {"maxLength": without_scheme} in _string(update["website"])["anyOf"]
    assert _string(update["dm_policy"])["enum"] == list(accounts.DM_POLICIES)
    assert schemas["Reactions"]["required"] == list(REACTION_KINDS)
    assert props["ReactionState"]["my_reactions"]["items"]["enum"] == list(REACTION_KINDS)
    assert props["NewReport"]["target_type"]["enum"] == list(REPORT_TARGETS)
    assert props["NewReport"]["reason"]["enum"] == list(REPORT_REASONS)
    assert _string(props["NewReport"]["note"])["maxLength"] == NOTE_MAX

    spec = client.get("/api/v1/openapi.json").get_json()
    kinds = [
        p["schema"]["enum"]
        for _path, _method, op in _operations(spec)
        for p in op.get("parameters", [])
        if p["name"] == "kind"
    ]
    assert kinds and all(kind == list(REACTION_KINDS) for kind in kinds)
    ids = [
        p["schema"]
        for _path, _method, op in _operations(spec)
        for p in op.get("parameters", [])
        if p["name"].endswith("_id")
    ]
    assert ids and all(s["minimum"] == 1 and s["maximum"] == INT_MAX for s in ids)
    for model in ("Post", "Comment", "Message", "Conversation", "Notification", "Session"):
        assert props[model]["id"]["minimum"] == 1 and props[model]["id"]["maximum"] == INT_MAX
    limits = [
        p["schema"]
        for _path, _method, op in _operations(spec)
        for p in op.get("parameters", [])
        if p["name"] == "limit"
    ]
    assert len(limits) >= 15
    for limit in limits:
        assert (limit["minimum"], limit["maximum"]) == (1, MAX_LIMIT)
        assert limit["default"] == DEFAULT_LIMIT


def test_cursors_have_the_pattern_of_the_ones_the_server_makes(client):
    from datetime import UTC, datetime

    from app.pagination import encode_cursor

    spec = client.get("/api/v1/openapi.json").get_json()
    patterns = {
        p["schema"]["pattern"]
        for _path, _method, op in _operations(spec)
        for p in op.get("parameters", [])
        if p["name"] == "cursor"
    }
    assert len(patterns) == 1
    pattern = re.compile(patterns.pop())
    made = [
        encode_cursor(1),
        encode_cursor(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), 2**31 - 1),
        encode_cursor(0.75, 12),
    ]
    assert all(pattern.match(cursor) for cursor in made)
    assert not pattern.match("not a cursor")


def test_optional_request_fields_are_nullable_and_patches_need_a_value(client):
    schemas = _schemas(client)
    spec = client.get("/api/v1/openapi.json").get_json()
    bodies = {
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]: method
        for _path, method, op in _operations(spec)
        # JSON bodies; a multipart upload's fields are form fields (absent, never null).
        if "application/json" in op.get("requestBody", {}).get("content", {})
    }
    for name, method in bodies.items():
        schema = schemas[name]
        assert schema["additionalProperties"] is False, name
        for field, prop in schema["properties"].items():
            if field not in schema.get("required", []):
                assert {"type": "null"} in prop.get("anyOf", []), (name, field)
        if method == "patch":
            assert schema["minProperties"] == 1, name


def test_a_patch_with_nothing_to_change_is_422(api):
    from tests.conftest import make_user

    make_user(api.client.application)
    api.login()
    for body in ({}, {"bio": None}):
        response = api.call("PATCH", "/me", body)
        assert response.status_code == 422, body
        assert response.get_json()["error"]["fields"]


def test_a_website_fits_once_its_scheme_is_added(api):
    from app.accounts.rules import WEBSITE_MAX
    from tests.conftest import make_user

    make_user(api.client.application)
    api.login()
    host = "a" * (WEBSITE_MAX - len("https://") - len(".example")) + ".example"
    assert api.call("PATCH", "/me", {"website": host}).status_code == 200
    assert api.call("PATCH", "/me", {"website": "https://" + host}).status_code == 200
    too_long = "b" + host
    for website in (too_long, "https://" + too_long):
        response = api.call("PATCH", "/me", {"website": website})
        assert response.status_code == 422, website
        assert "website" in response.get_json()["error"]["fields"]


def test_no_content_answers_have_no_content_type(api):
    from tests.conftest import make_user

    make_user(api.client.application)
    make_user(api.client.application, "bob")
    api.login()
    for method, path in (("PUT", "/users/bob/follow"), ("DELETE", "/users/bob/follow")):
        response = api.call(method, path)
        assert response.status_code == 204
        assert "Content-Type" not in response.headers
        assert response.data == b""


# --- The SPA's copy of the document ---------------------------------------------------------

SPA_DOCUMENT = Path(__file__).resolve().parent.parent / "frontend-angular" / "openapi.json"


def test_flask_openapi_prints_the_served_document(runner, client, tmp_path):
    served = client.get("/api/v1/openapi.json").get_json()
    printed = runner.invoke(args=["openapi"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.output) == served
    written = tmp_path / "openapi.json"
    result = runner.invoke(args=["openapi", "--output", str(written)])
    assert result.exit_code == 0, result.output
    assert written.read_text(encoding="utf-8") == printed.output


def test_the_spas_document_is_the_one_the_app_serves(runner):
    printed = runner.invoke(args=["openapi"])
    assert printed.exit_code == 0, printed.output
    committed = SPA_DOCUMENT.read_text(encoding="utf-8") if SPA_DOCUMENT.exists() else ""
    # The SPA's types are generated from this copy: a stale one means stale types.
    assert committed == printed.output, (
        "frontend-angular/openapi.json is not what the app serves: run `make spa-types` "
        "and commit the document, the types and limits.json it writes"
    )


def test_the_socket_frames_data_are_documented(app, client):
    from jsonschema import Draft202012Validator

    from app.accounts.payloads import presence
    from app.accounts.queries import find_by_username
    from app.messaging.payloads import ReadMark, typing_payload
    from app.notifications.payloads import Unread
    from tests.conftest import make_user

    spec = client.get("/api/v1/openapi.json").get_json()
    make_user(app, "frames")
    with app.test_request_context():
        user = find_by_username("frames")
        sent = {
            "Presence": presence(user, online=True),
            "Typing": typing_payload(7, user),
            "ReadMark": ReadMark(conversation_id=7, username="frames", last_read_message_id=3),
            "Unread": Unread(notifications=2, messages=0),
        }
    for name, payload in sent.items():
        schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
        Draft202012Validator(schema).validate(payload.json_dict())
        assert "frame" in spec["components"]["schemas"][name]["description"], name
