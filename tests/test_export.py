"""Exports of your data: built by a real job, mailed through a real SMTP server, read back."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, select

from app.extensions import db
from app.jobs.core import run
from app.timeutil import utcnow
from app.yourdata.models import DataExport
from tests.conftest import api_as, csrf_token, make_user, run_jobs
from tests.test_mail import parts


def _world(app) -> dict[str, int]:
    """Alice writes, follows, reacts, saves and talks; bob and carol talk without her."""
    from app.accounts.queries import find_by_username
    from app.messaging import services as messaging
    from app.posts import services as posts
    from app.social import services as social

    for name in ("bob", "carol"):
        make_user(app, name)
    with app.test_request_context():
        alice, bob, carol = (find_by_username(n) for n in ("alice", "bob", "carol"))
        post = posts.create_post(author=alice, body="Hello **world** #python")
        bobs = posts.create_post(author=bob, body="Bob's post")
        comment = posts.add_comment(post_id=bobs.id, author=alice, body="Alice comments")
        posts.add_comment(post_id=bobs.id, author=bob, body="reply", parent_id=comment.id)
        posts.react(post_id=bobs.id, user=alice, kind="love")
        posts.bookmark(post_id=bobs.id, user=alice)
        social.follow(follower=alice, username="bob")
        social.follow(follower=carol, username="alice")
        conversation, _ = messaging.start_conversation(user=alice, username="bob")
        messaging.send_message(conversation_id=conversation.id, sender=alice, body="Hi Bob")
        messaging.send_message(conversation_id=conversation.id, sender=bob, body="Hi Alice")
        other, _ = messaging.start_conversation(user=bob, username="carol")
        messaging.send_message(conversation_id=other.id, sender=carol, body="NOT-ALICES")
        return {"post": post.id, "bobs": bobs.id, "comment": comment.id, "conv": conversation.id}


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def test_an_export_is_built_by_a_job_mailed_and_downloaded(app, smtp_to):
    alice = api_as(app, "alice")
    ids = _world(app)
    asked = alice.call("POST", "/me/export")
    assert asked.status_code == 202
    export = asked.get_json()
    assert export["status"] == "pending" and "download_url" not in export
    assert alice.call("GET", f"/me/exports/{export['id']}").get_json()["status"] == "pending"

    assert [r.error for r in run_jobs(app)] == [None, None]  # the build, then its mail
    state = alice.call("GET", f"/me/exports/{export['id']}").get_json()
    assert state["status"] == "ready"
    assert state["download_url"] == f"/api/v1/me/exports/{export['id']}/download"
    assert state["expires_at"].endswith("Z")

    [(recipients, message)] = smtp_to.messages
    assert recipients == ["alice@example.com"]
    assert "ready" in message["Subject"]
    bodies = parts(message)
    link = f"/settings/data/exports/{export['id']}/download"
    assert link in bodies["text/plain"] and link in bodies["text/html"]
    # On the host the owner asked from (the job has no request of its own to read it from).
    assert f"http://localhost{link}" in bodies["text/plain"]

    download = alice.call("GET", state["download_url"][len("/api/v1") :])
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    assert download.headers["Content-Disposition"].startswith(
        "attachment; filename=devthread-alice"
    )
    assert "no-store" in download.headers["Cache-Control"]
    archive = _zip(download)
    names = set(archive.namelist())
    for name in (
        "README.txt",
        "profile.json",
        "posts.json",
        "comments.json",
        "followers.json",
        "following.json",
        "followed_tags.json",
        "notification_settings.json",
        "bookmarks.json",
        "reactions.json",
        "conversations.json",
        "messages.json",
        f"posts/{ids['post']}.md",
        f"comments/{ids['comment']}.md",
    ):
        assert name in names, name
    assert "messages.json" in archive.read("README.txt").decode()
    profile = json.loads(archive.read("profile.json"))
    assert profile["username"] == "alice" and profile["email"] == "alice@example.com"
    assert "password_hash" not in profile
    markdown = archive.read(f"posts/{ids['post']}.md").decode()
    assert "Hello **world** #python" in markdown and "tags: python" in markdown
    [post] = json.loads(archive.read("posts.json"))
    assert post["id"] == ids["post"] and post["tags"] == ["python"]
    [comment] = json.loads(archive.read("comments.json"))
    assert comment["post_id"] == ids["bobs"] and comment["body"] == "Alice comments"
    assert [p["username"] for p in json.loads(archive.read("followers.json"))] == ["carol"]
    assert [p["username"] for p in json.loads(archive.read("following.json"))] == ["bob"]
    assert [b["post_id"] for b in json.loads(archive.read("bookmarks.json"))] == [ids["bobs"]]
    assert [r["kind"] for r in json.loads(archive.read("reactions.json"))] == ["love"]
    [conversation] = json.loads(archive.read("conversations.json"))
    assert conversation == {"id": ids["conv"], "participants": ["alice", "bob"]}
    messages = json.loads(archive.read("messages.json"))
    assert [(m["sender"], m["body"], m["mine"]) for m in messages] == [
        ("alice", "Hi Bob", True),
        ("bob", "Hi Alice", False),
    ]
    # Nobody else's conversation, nobody else's address.
    everything = b"".join(archive.read(name) for name in names)
    assert b"NOT-ALICES" not in everything and b"bob@example.com" not in everything


def test_the_page_asks_shows_and_downloads_the_export(app, client, auth):
    make_user(app, "alice")
    auth.login()
    settings = client.get("/settings").get_data(as_text=True)
    assert 'id="your-data"' in settings and "Request an export" in settings
    token = csrf_token(client, "/settings")
    asked = client.post(
        "/settings/data/export", data={"csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert asked.status_code == 200
    fragment = asked.get_data(as_text=True)
    assert 'id="your-data-export"' in fragment and "<html" not in fragment
    assert "being prepared" in fragment
    # While it is built, the block asks for itself again (the link shows up without a reload).
    assert 'hx-trigger="every 4s"' in fragment and 'hx-select="#your-data-export"' in fragment
    run_jobs(app)
    page = client.get("/settings").get_data(as_text=True)
    assert 'hx-trigger="every 4s"' not in page
    with app.app_context():
        export_id = db.session.scalar(select(DataExport.id))
    link = f"/settings/data/exports/{export_id}/download"
    assert link in page
    download = client.get(link)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "attachment" in download.headers["Content-Disposition"]
    assert "profile.json" in _zip(download).namelist()
    # A second request the same day: said in the page, nothing queued.
    again = client.post("/settings/data/export", data={"csrf_token": token})
    assert again.status_code == 303
    assert "one export every 24 hours" in client.get("/settings").get_data(as_text=True)


def test_one_export_at_a_time_and_one_a_day(app):
    alice = api_as(app, "alice")
    first = alice.call("POST", "/me/export")
    assert first.status_code == 202
    busy = alice.call("POST", "/me/export")
    assert busy.status_code == 409 and busy.get_json()["error"]["code"] == "conflict"
    run_jobs(app)
    soon = alice.call("POST", "/me/export")
    assert soon.status_code == 429
    assert soon.get_json()["error"]["code"] == "rate_limited"
    assert 0 < int(soon.headers["Retry-After"]) <= 24 * 3600
    with app.app_context():
        assert db.session.scalar(select(db.func.count(DataExport.id))) == 1


def test_a_failed_export_can_be_asked_again(app, monkeypatch):
    alice = api_as(app, "alice")
    export_id = alice.call("POST", "/me/export").get_json()["id"]

    def broken(user, path):
        raise OSError("disk full")

    monkeypatch.setattr("app.yourdata.jobs.build_zip", broken)
    attempts = run_jobs(app)
    assert attempts and all(a.error for a in attempts)  # retried, then failed for good
    with app.app_context():
        export = db.session.get(DataExport, export_id)
        export.created_at = utcnow() - timedelta(hours=7)
        db.session.commit()
    run(app, "exports.fail_stale", [], {})
    assert alice.call("GET", f"/me/exports/{export_id}").get_json()["status"] == "failed"
    assert list(Path(app.config["EXPORT_DIR"]).glob("*.part")) == []
    assert alice.call("POST", "/me/export").status_code == 202


def test_another_accounts_export_and_odd_ids_are_404(app):
    alice = api_as(app, "alice")
    bob = api_as(app, "bob")
    export_id = alice.call("POST", "/me/export").get_json()["id"]
    run_jobs(app)
    for path in (f"/me/exports/{export_id}", f"/me/exports/{export_id}/download"):
        assert bob.call("GET", path).status_code == 404
    for odd in ("0", "-1", "2147483648", "99999999999999999999", "abc"):
        assert alice.call("GET", f"/me/exports/{odd}").status_code == 404
        assert alice.call("GET", f"/me/exports/{odd}/download").status_code == 404
    anonymous = app.test_client().get(f"/api/v1/me/exports/{export_id}/download")
    assert anonymous.status_code == 401


def test_a_pending_export_has_nothing_to_download(app):
    alice = api_as(app, "alice")
    export_id = alice.call("POST", "/me/export").get_json()["id"]
    assert alice.call("GET", f"/me/exports/{export_id}/download").status_code == 404


def test_expired_exports_are_404_then_removed_with_their_files(app):
    alice = api_as(app, "alice")
    export_id = alice.call("POST", "/me/export").get_json()["id"]
    run_jobs(app)
    with app.app_context():
        export = db.session.get(DataExport, export_id)
        path = Path(app.config["EXPORT_DIR"]) / export.file_name
        assert path.is_file()
        export.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert alice.call("GET", f"/me/exports/{export_id}").status_code == 404
    assert alice.call("GET", f"/me/exports/{export_id}/download").status_code == 404
    run(app, "exports.prune", [], {})
    assert not path.exists()
    with app.app_context():
        assert db.session.get(DataExport, export_id) is None


def test_building_takes_the_same_queries_for_a_small_and_a_large_account(app):
    from app.accounts.queries import find_by_username
    from app.posts import services as posts

    def queries_for(username: str, count: int) -> int:
        make_user(app, username)
        with app.test_request_context():
            user = find_by_username(username)
            for i in range(count):
                post = posts.create_post(author=user, body=f"post {i} #t{i % 3}")
                posts.add_comment(post_id=post.id, author=user, body=f"comment {i}")
            export = DataExport(user_id=user.id, status="pending", created_at=utcnow())
            db.session.add(export)
            db.session.commit()
            export_id = export.id
        statements: list[str] = []

        def count_statement(*args):
            statements.append(args[2])

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count_statement)
        try:
            run(app, "exports.build", [export_id], {})
        finally:
            event.remove(engine, "before_cursor_execute", count_statement)
        return len(statements)

    assert queries_for("small", 2) == queries_for("large", 40)
