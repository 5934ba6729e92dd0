"""The API's search: posts, people and tags; what people type, hostile or not, never fails."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.conftest import api_as
from tests.test_api_auth import error_of
from tests.test_api_posts import POST_KEYS, new_post


@pytest.fixture
def corpus(app):
    """A few posts, people and tags to find."""
    alice = api_as(app, "alice", display_name="Alice Liddell", bio="down the hole")
    bob = api_as(app, "bob", display_name="Alicia B")
    api_as(app, "carol")
    bob.call("PUT", "/users/alice/follow")
    posts = {
        "flask": new_post(alice, "Building APIs with python and flask #python")["id"],
        "django": new_post(alice, "python and django for the web")["id"],
        "rust": new_post(bob, "Rust ownership explained #rust")["id"],
        "pythonic": new_post(bob, "python python python: all day #python #pythonic")["id"],
    }
    return {"alice": alice, "bob": bob, "posts": posts}


def search(client, q: str | None = None, **params) -> dict:
    query = "&".join(
        ([f"q={quote(q, safe='')}"] if q is not None else [])
        + [f"{k}={quote(str(v), safe='')}" for k, v in params.items()]
    )
    response = client.call("GET", f"/search?{query}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert set(body) == {"items", "next_cursor"}
    return body


def found(client, q: str) -> set[int]:
    return {post["id"] for post in search(client, q)["items"]}


def test_posts_by_words_phrases_and_exclusions(corpus, anon):
    posts = corpus["posts"]
    assert found(anon, "python") == {posts["flask"], posts["django"], posts["pythonic"]}
    assert found(anon, "python flask") == {posts["flask"]}
    assert found(anon, '"python and django"') == {posts["django"]}
    assert found(anon, "python -django") == {posts["flask"], posts["pythonic"]}
    assert found(anon, "RUST") == {posts["rust"]}
    assert found(anon, "haskell") == set()
    # Only exclusions: nothing positive to look for.
    assert found(anon, "-python") == set()


def test_posts_best_match_first_with_the_post_shape(corpus, anon):
    items = search(anon, "python")["items"]
    # Three mentions and the tag beat one mention and the tag, which beats one mention alone.
    ranked = [p["id"] for p in items]
    assert ranked[0] == corpus["posts"]["pythonic"] and ranked[-1] == corpus["posts"]["django"]
    assert set(items[0]) == POST_KEYS


def test_type_defaults_to_posts(corpus, anon):
    assert search(anon, "rust") == search(anon, "rust", type="posts")


def test_people_by_username_or_display_name_prefix(corpus):
    bob = corpus["bob"]
    people = search(bob, "ali", type="users")["items"]
    # Better known first: Alice has a follower.
    assert [p["username"] for p in people] == ["alice", "bob"]
    assert people[0] == {
        "username": "alice",
        "display_name": "Alice Liddell",
        "avatar_url": "/avatars/alice.svg",
        "bio": "down the hole",
        "is_following": True,
    }
    assert search(bob, "@car", type="users")["items"][0]["username"] == "carol"


def test_tags_by_prefix_most_used_first(corpus, anon):
    tags = search(anon, "py", type="tags")["items"]
    assert tags == [{"name": "python", "posts_count": 2}, {"name": "pythonic", "posts_count": 1}]
    assert search(anon, "#ru", type="tags")["items"] == [{"name": "rust", "posts_count": 1}]


@pytest.mark.parametrize("kind", ["post", "people", "POSTS", "all", "%00", "' OR 1=1 --"])
def test_an_unknown_type_is_422(anon, kind):
    response = anon.call("GET", f"/search?q=x&type={quote(kind, safe='%')}")
    assert response.status_code == 422
    assert "type" in error_of(response)["fields"]


@pytest.mark.parametrize("q", [None, "", "   ", "-", '""', "%%%", "\t", "@", "#"])
def test_a_missing_or_blank_query_finds_nothing(corpus, anon, q):
    for kind in ("posts", "users", "tags"):
        assert search(anon, q, type=kind) == {"items": [], "next_cursor": None}, kind


HOSTILE = [
    '"unterminated phrase',
    '"python"',
    '""python""',
    "python -",
    "--python",
    "-python -django",
    "\x00",
    "py\x00thon",
    "' OR 1=1 --",
    "'; DROP TABLE posts; --",
    "python' AND '1'='1",
    "AND",
    "OR",
    "NOT",
    "python AND",
    "OR python",
    "python NOT rust",
    "NEAR",
    "NEAR(python flask)",
    "NEAR(python flask, 2)",
    "python*",
    "*",
    "^python",
    "^",
    "body_text:python",
    "tags_text:python",
    ":",
    "python:",
    "python:*",
    "!python",
    "python & flask",
    "python | rust",
    "python <-> flask",
    "(python",
    "python)",
    "{python}",
    "[python]",
    "+python",
    "python~",
    "\\",
    "%",
    "_",
    "__",
    "%_%",
    "@",
    "#",
    "@@",
    "##python",
    "🐍 python",
    "ünïcödé",
    "日本語",
    "x" * 1000,
    "python " * 200,
    '"' * 51,
]


@pytest.mark.parametrize("q", HOSTILE)
def test_whatever_is_typed_never_fails(corpus, anon, q):
    for kind in ("posts", "users", "tags"):
        body = search(anon, q, type=kind, limit=1)
        if body["next_cursor"]:
            search(anon, q, type=kind, limit=1, cursor=body["next_cursor"])


def test_quotes_and_operators_are_taken_as_words(corpus, anon):
    posts = corpus["posts"]
    assert found(anon, "' OR 1=1 --") == set()
    assert found(anon, "python AND flask") == {posts["flask"]}
    # Column filters are not syntax either: "body_text" is looked for as words.
    assert found(anon, "body_text:flask") == set()
    assert found(anon, "flask:") == {posts["flask"]}
    assert found(anon, "py\x00thon") == found(anon, "python")
