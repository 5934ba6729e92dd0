"""The OpenAPI document describes exactly the API that is served."""

from __future__ import annotations

import re

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
