"""Keyboard and screen-reader details of the pages, as the test client sees them (no JavaScript)."""

from __future__ import annotations

import re

from flask import render_template

from tests.conftest import Auth, csrf_token, make_user


def test_every_page_has_the_shortcuts_help_and_one_live_region(app, client):
    page = client.get("/latest").text
    assert re.search(r'<dialog id="shortcuts-dialog"[^>]*aria-labelledby="shortcuts-title"', page)
    assert 'id="shortcuts-title">Keyboard shortcuts</h2>' in page
    assert page.count('aria-live="polite"') == page.count('id="live-announcer"') == 1
    assert "/static/js/keys.js" in page


def test_a_message_to_someone_unknown_marks_the_field(app, client):
    make_user(app, "alice")
    Auth(client).login("alice")
    response = client.post(
        "/messages",
        data={"csrf_token": csrf_token(client, "/messages"), "username": "nobody_here"},
    )
    assert response.status_code == 422
    field = re.search(r"<input[^>]*id=\"username\"[^>]*>", response.text).group(0)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="username-hint username-errors"' in field
    assert 'id="username-errors"' in response.text


def test_a_register_form_with_errors_does_not_autofocus_the_username(app, client):
    first = client.get("/register").text
    assert re.search(r'<input[^>]*autofocus[^>]*id="username"|id="username"[^>]*autofocus', first)
    response = client.post(
        "/register",
        data={
            "csrf_token": csrf_token(client, "/register"),
            "username": "dana",
            "email": "not an address",
            "password": "a long enough passphrase",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.text
    assert "autofocus" not in response.text


def test_search_results_are_announced_through_the_one_region(app, client):
    empty = client.get("/search").text
    assert 'id="results" aria-label="Results">' in empty
    found = client.get("/search?q=zzzz", headers={"HX-Request": "true"}).text
    assert 'data-announce="No results"' in found
    assert "aria-live" not in found


def test_live_pushes_change_the_text_of_regions_already_on_the_page(app):
    with app.test_request_context():
        data = {"conversation_id": 3, "username": "x"}
        typing = render_template("realtime/typing.html", data=data)
        banner = render_template("realtime/new_posts.html", new_posts=2)
    assert '<p id="typing-3" hx-swap-oob="innerHTML">' in typing
    assert 'id="new-posts"' in banner and 'hx-swap-oob="innerHTML"' in banner
