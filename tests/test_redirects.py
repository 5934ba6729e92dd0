"""Redirects stay on this site: ``next`` and the Referer are read the way a browser reads them."""

from __future__ import annotations

import pathlib
import re

import pytest

from app.extensions import limiter
from app.redirects import is_local_path
from tests.conftest import Auth, csrf_token, make_user
from tests.test_pages_safety import post_as

HTMX = {"HX-Request": "true"}

# Each of these leaves the site, runs script, or is read differently by a browser and by Python
# (browsers read "\" as "/" and drop tabs and newlines).
HOSTILE = [
    "/\\evil.example/",
    "/%5Cevil.example/",
    "/%5cevil.example/",
    "//evil.example/",
    "///evil.example/",
    "/\t/evil.example/",
    "/%09/evil.example/",
    "/\n/evil.example/",
    "/\r/evil.example/",
    "/%0a/evil.example/",
    "/%2F/evil.example/",
    "/%2f%2fevil.example/",
    "\\\\evil.example",
    "\\/evil.example",
    "/ /evil.example",
    " /\\evil.example",
    "/\\/evil.example",
    "/\x00/evil.example",
    "/\x7f/evil.example",
    "/\u3000/evil.example",
    "https://evil.example/",
    "HTTPS://evil.example",
    "http:/evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "evil.example/path",
    "",
]
# On-site paths, with a query and a fragment: kept as they are.
GOOD = ["/settings", "/p/5#comment-3", "/search?q=a%20b&sort=new", "/u/alice/followers", "/?x=1"]


@pytest.mark.parametrize("target", HOSTILE)
def test_checker_refuses_what_leaves_the_site(target):
    assert not is_local_path(target)


@pytest.mark.parametrize("target", GOOD)
def test_checker_keeps_paths_on_this_site(target):
    assert is_local_path(target)


def test_checker_refuses_non_strings():
    assert not is_local_path(None)
    assert not is_local_path(b"/settings")


def _login_post(client, next_value: str, *, htmx: bool, in_query: bool):
    data = {"login": "alice", "password": "correct horse battery"}
    data["csrf_token"] = csrf_token(client)
    kwargs: dict = {"headers": HTMX if htmx else {}}
    if in_query:
        kwargs["query_string"] = {"next": next_value}
    else:
        data["next"] = next_value
    return client.post("/login", data=data, **kwargs)


def _reset_limits(app) -> None:
    # Thirty sign-ins from one address in a row would meet the login limit.
    with app.app_context():
        limiter.reset()


def _where(response) -> str | None:
    return response.headers.get("HX-Redirect") or response.headers.get("Location")


def test_the_reported_reproducer_stays_home(app, client):
    make_user(app, "alice")
    token = csrf_token(client)
    response = client.post(
        "/login?next=/%5Cevil.example/",
        data={"login": "alice", "password": "correct horse battery", "csrf_token": token},
        headers=HTMX,
    )
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/"


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
@pytest.mark.parametrize("in_query", [True, False], ids=["query", "body"])
def test_login_next_refuses_hostile_targets(app, htmx, in_query):
    make_user(app, "alice")
    leaks = []
    for target in HOSTILE:
        _reset_limits(app)
        client = app.test_client()
        response = _login_post(client, target, htmx=htmx, in_query=in_query)
        assert response.status_code in (204, 303), (target, response.status_code)
        if _where(response) != "/":
            leaks.append((target, _where(response)))
    assert leaks == []


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_login_next_keeps_good_targets(app, htmx):
    make_user(app, "alice")
    for target in GOOD:
        response = _login_post(app.test_client(), target, htmx=htmx, in_query=True)
        assert _where(response) == target


def test_signed_in_visit_to_login_refuses_hostile_next(app, client):
    make_user(app, "alice")
    Auth(client).login("alice")
    leaks = []
    for target in HOSTILE:
        _reset_limits(app)
        response = client.get("/login", query_string={"next": target})
        if response.headers.get("Location") != "/":
            leaks.append((target, response.headers.get("Location")))
    assert leaks == []
    assert client.get("/login?next=/settings").headers["Location"] == "/settings"


# Referers a browser could send (or an attacker could forge); a redirect back must stay here.
HOSTILE_REFERERS = [
    "https://evil.example/",
    "http://evil.example/p/1",
    "http://localhost.evil.example/",
    "http://localhost@evil.example/",
    "http://localhost\\@evil.example/",
    "http://localhost/\\evil.example/",
    "http://localhost//evil.example/",
    "http://localhost/%5Cevil.example/",
    "http://localhost/%2F/evil.example/",
    "http://localhost/\t/evil.example/",
    "http://localhost/%09/evil.example/",
    "https://localhost/other-scheme",
    "javascript:alert(1)",
    "//evil.example/",
    "/\\evil.example/",
    "http://[",
    "not a url",
]


def _referer_routes(app):
    """Every page route that sends the browser back where it came from, as (path, form data)."""
    for name in ("alice", "bob", "carol"):
        make_user(app, name)
    post_id = post_as(app, "bob", "hello")
    return [
        (f"/p/{post_id}/reactions/like", {"on": "1"}),
        (f"/p/{post_id}/bookmark", {"on": "1"}),
        ("/u/carol/follow", {"on": "1"}),
        ("/u/carol/block", {"on": "1"}),
        ("/u/carol/mute", {"on": "1"}),
        ("/reports", {"target_type": "post", "target_id": str(post_id), "reason": "spam"}),
    ]


def test_referer_redirects_stay_on_site(app, client):
    routes = _referer_routes(app)
    Auth(client).login("alice")
    token = csrf_token(client, "/")
    leaks = []
    for path, data in routes:
        for referer in HOSTILE_REFERERS:
            response = client.post(
                path, data={**data, "csrf_token": token}, headers={"Referer": referer}
            )
            assert response.status_code == 303, (path, referer, response.status_code)
            location = response.headers["Location"]
            if not is_local_path(location) or "evil" in location:
                leaks.append((path, referer, location))
        good = client.post(
            path,
            data={**data, "csrf_token": token},
            headers={"Referer": "http://localhost/search?q=a%20b#top"},
        )
        assert good.headers["Location"] == "/search?q=a%20b#top", path
    assert leaks == []


def test_redirect_inputs_are_read_only_through_the_checker():
    # A new redirect built from next or the Referer must go through app/redirects.py.
    root = pathlib.Path(__file__).resolve().parent.parent / "app"
    pattern = re.compile(
        r"request\.referrer|\.get\(\s*[\"']next[\"']|headers\.get\(\s*[\"']Referer"
    )
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        if path.name != "redirects.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
