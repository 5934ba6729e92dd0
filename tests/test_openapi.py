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
