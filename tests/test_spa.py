"""The SPA's production build is served at /app/, deep links included."""

from __future__ import annotations

import pytest


@pytest.fixture
def built(app, tmp_path, monkeypatch):
    """A stand-in build folder with an index and one hashed asset."""
    (tmp_path / "index.html").write_text('<base href="/app/"><app-root></app-root>')
    (tmp_path / "main-ABC123.js").write_text("console.log('spa')")
    monkeypatch.setitem(app.config, "SPA_DIST", str(tmp_path))
    return tmp_path


def test_index_and_deep_links_get_the_spa(client, built):
    for path in ("/app/", "/app/p/12", "/app/u/alice/followers", "/app/messages/3"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "<app-root>" in response.get_data(as_text=True)
        assert response.headers["Cache-Control"] == "no-cache"


def test_built_files_are_served_and_cached_forever(client, built):
    response = client.get("/app/main-ABC123.js")
    assert response.get_data(as_text=True) == "console.log('spa')"
    assert "immutable" in response.headers["Cache-Control"]


def test_paths_cannot_escape_the_build(client, built):
    response = client.get("/app/../../etc/passwd")
    assert "root:" not in response.get_data(as_text=True)


def test_missing_build_says_how_to_make_it(client, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SPA_DIST", str(tmp_path / "nothing"))
    response = client.get("/app/")
    assert response.status_code == 404
