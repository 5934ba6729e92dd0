"""Every write route has a per-user budget and every read route a per-address one."""

from __future__ import annotations

from tests.conftest import csrf_token, make_user


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
