"""Every write route has a per-user budget and every read route a per-address one."""

from __future__ import annotations

from tests.conftest import PASSWORD, api_as, csrf_token, make_user


def test_writes_are_limited_per_user_with_headers(app, api, monkeypatch):
    monkeypatch.setitem(app.config, "WRITE_LIMIT", "3 per minute")
    make_user(app, "alice")
    api.login()
    statuses = [api.call("POST", "/posts", {"body": f"post {i}"}).status_code for i in range(4)]
    assert statuses == [201, 201, 201, 429]
    refused = api.call("POST", "/posts", {"body": "again"})
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    # The budget spans every write route, and it is the user's, not the address's.
    assert api.call("PUT", "/users/alice/follow").status_code == 429
    make_user(app, "bob")
    api.login("bob")
    assert api.call("POST", "/posts", {"body": "bob is fine"}).status_code == 201


def test_reads_are_limited_per_address_with_budget_headers(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "READ_LIMIT", "5 per minute")
    ok = client.get("/api/v1/feed/latest")
    assert ok.status_code == 200
    assert ok.headers["X-RateLimit-Limit"] == "5"
    assert ok.headers["X-RateLimit-Remaining"] == "4"
    assert "X-RateLimit-Reset" in ok.headers
    for _ in range(4):
        client.get("/latest")
    assert client.get("/api/v1/feed/trending").status_code == 429
    # Operations routes are not limited.
    assert client.get("/healthz").status_code == 200


def test_page_forms_count_against_the_signed_in_user(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WRITE_LIMIT", "2 per minute")
    make_user(app, "alice")
    token = csrf_token(client)
    client.post(
        "/login", data={"login": "alice", "password": "correct horse battery", "csrf_token": token}
    )
    token = csrf_token(client, "/")
    codes = [
        client.post("/posts", data={"body": f"p{i}", "csrf_token": token}).status_code
        for i in range(3)
    ]
    assert codes == [303, 303, 429]
    assert "Too many requests" in client.post(
        "/posts", data={"body": "x", "csrf_token": token}
    ).get_data(as_text=True)


def test_limits_can_be_switched_off(app, api, monkeypatch):
    from app.extensions import limiter

    monkeypatch.setitem(app.config, "WRITE_LIMIT", "1 per minute")
    monkeypatch.setattr(limiter, "enabled", False)
    make_user(app, "alice")
    api.login()
    assert all(api.call("POST", "/posts", {"body": f"{i}"}).status_code == 201 for i in range(3))


# --- limits that cannot be sidestepped (issue 9, item 5) ---------------------------------


def test_login_limit_is_the_accounts_whatever_name_is_typed(app, api, auth, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "4 per minute")
    make_user(app, "alice")
    # Username, email, and case or whitespace variants all draw on the one account's budget,
    # from the API and the page alike.
    for login in ("alice", "alice@example.com", " ALICE@Example.COM "):
        response = api.call("POST", "/auth/login", {"login": login, "password": "wrong-wrong"})
        assert response.status_code == 401
    assert auth.login("Alice", "wrong-wrong").status_code == 422
    limited = api.call("POST", "/auth/login", {"login": "ALICE@example.com", "password": PASSWORD})
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert auth.login("alice", PASSWORD).status_code == 429
    # Another account from the same address is not locked out.
    make_user(app, "bob")
    bob = api.call("POST", "/auth/login", {"login": "bob", "password": PASSWORD})
    assert bob.status_code == 200


def test_login_limit_covers_unknown_names_in_any_case(app, api, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_LIMIT_PER_ACCOUNT", "2 per minute")
    for login in ("nobody@example.com", " NOBODY@example.com"):
        response = api.call("POST", "/auth/login", {"login": login, "password": "wrong-wrong"})
        assert response.status_code == 401
    again = api.call("POST", "/auth/login", {"login": "Nobody@Example.com", "password": "x" * 10})
    assert again.status_code == 429


def test_every_registration_attempt_counts_page_and_api(app, api, client, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTER_ATTEMPT_LIMIT_PER_IP", "3 per minute")
    make_user(app, "alice")
    # Probing for taken addresses answers 409 (API) or 422 (page): each one is counted.
    taken = {"username": "probe1", "email": "alice@example.com", "password": PASSWORD}
    assert api.call("POST", "/auth/register", taken).status_code == 409
    assert api.call("POST", "/auth/register", {**taken, "username": "x"}).status_code == 422
    token = csrf_token(client, "/register")
    page = client.post(
        "/register",
        data={**taken, "username": "probe2", "csrf_token": token},
    )
    assert page.status_code == 422
    fresh = {"username": "carol", "email": "carol@example.com", "password": PASSWORD}
    refused = api.call("POST", "/auth/register", fresh)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    # Showing the form is not an attempt.
    assert client.get("/register").status_code == 200


def test_accounts_created_keep_their_own_budget(app, api, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTER_LIMIT_PER_IP", "2 per minute")
    for name in ("carol", "dave"):
        body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
        assert api.call("POST", "/auth/register", body).status_code == 201
    body = {"username": "erin", "email": "erin@example.com", "password": PASSWORD}
    assert api.call("POST", "/auth/register", body).status_code == 429


def test_accounts_created_through_htmx_count_too(app, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTER_LIMIT_PER_IP", "1 per minute")
    codes = []
    for name in ("carol", "dave"):
        browser = app.test_client()  # a new browser each time, from the one address
        token = csrf_token(browser, "/register")
        form = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
        response = browser.post(
            "/register", data={**form, "csrf_token": token}, headers={"HX-Request": "true"}
        )
        codes.append(response.status_code)
    assert codes == [204, 429]


def test_visiting_the_sign_up_page_signed_in_is_no_account_created(app, auth, client, monkeypatch):
    monkeypatch.setitem(app.config, "REGISTER_LIMIT_PER_IP", "1 per minute")
    make_user(app, "alice")
    auth.login()
    assert client.get("/register").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    body = {"username": "carol", "email": "carol@example.com", "password": PASSWORD}
    assert app.test_client().post("/api/v1/auth/register", json=body).status_code == 201


def test_search_has_its_own_tighter_limit_page_and_api(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_LIMIT", "3 per minute")
    first = client.get("/api/v1/search?q=rust")
    assert first.status_code == 200
    assert first.headers["X-RateLimit-Limit"] == "3"
    assert first.headers["X-RateLimit-Remaining"] == "2"
    assert client.get("/search?q=rust").status_code == 200
    assert client.get("/search?q=go&type=users").status_code == 200
    refused = client.get("/api/v1/search?q=python")
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert client.get("/search?q=python").status_code == 429
    # Other reads are not spent by search.
    assert client.get("/api/v1/feed/latest").status_code == 200


def test_search_limit_is_per_signed_in_user(app, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_LIMIT", "1 per minute")
    alice, bob = api_as(app, "alice"), api_as(app, "bob")
    assert alice.call("GET", "/search?q=x").status_code == 200
    assert alice.call("GET", "/search?q=y").status_code == 429
    assert bob.call("GET", "/search?q=x").status_code == 200


def test_preview_has_its_own_tighter_limit_page_and_api(app, api, auth, client, monkeypatch):
    monkeypatch.setitem(app.config, "PREVIEW_LIMIT", "2 per minute")
    make_user(app, "alice")
    api.login()
    auth.login()
    token = csrf_token(client, "/")
    ok = api.call("POST", "/markdown/preview", {"body": "**hi**"})
    assert ok.status_code == 200
    assert ok.headers["X-RateLimit-Limit"] == "2"
    page = client.post("/preview", data={"body": "*hi*", "csrf_token": token})
    assert page.status_code == 200
    refused = api.call("POST", "/markdown/preview", {"body": "again"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert client.post("/preview", data={"body": "x", "csrf_token": token}).status_code == 429
    # Other writes are not spent by previews.
    assert api.call("POST", "/posts", {"body": "still fine"}).status_code == 201


def test_a_login_no_account_can_have_still_gets_a_storable_key(client):
    # JSON can carry lone surrogates; Redis refused them as a limit key (a 500 before).
    for login in ("\\ud800", "\\ud800@example.com"):
        raw = '{"login": "' + login + '", "password": "whatever-pass"}'
        response = client.post("/api/v1/auth/login", data=raw, content_type="application/json")
        assert response.status_code == 422
