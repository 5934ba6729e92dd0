"""Pictures: uploads, what is kept of them, where they live, limits, cleanup and moderation."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.jobs.core import run
from app.media.models import Media, PostMedia
from tests import media_files
from tests.conftest import api_as, run_jobs


def media_root(app) -> str:
    return app.config["MEDIA_ROOT"]


def stored_files(app) -> set[str]:
    return {n for n in os.listdir(media_root(app)) if not n.startswith(".")}


def media_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Media))


def upload(api, data: bytes, name: str = "picture.png", alt: str | None = None, path="/media"):
    form = {"file": (io.BytesIO(data), name)}
    if alt is not None:
        form["alt"] = alt
    return api.call("POST" if path == "/media" else "PUT", path, data=form)


@pytest.fixture
def alice(app):
    return api_as(app, "alice")


def _empty(app) -> None:
    for name in os.listdir(media_root(app)):
        os.unlink(os.path.join(media_root(app), name))


@pytest.fixture(autouse=True)
def _empty_store(app):
    """Start and end each test with an empty store (other modules' worlds leave files)."""
    _empty(app)
    yield
    _empty(app)


# --- Uploads -----------------------------------------------------------------------------


def test_an_upload_answers_its_address_and_size_and_serves_its_files(app, alice, client):
    response = upload(alice, media_files.png(64, 48), alt="  A red   square ")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) == {"id", "url", "width", "height", "content_type", "alt"}
    assert (body["width"], body["height"], body["content_type"]) == (64, 48, "image/png")
    assert body["alt"] == "A red square"
    name = body["url"].removeprefix("/media/")
    key = name.split(".")[0]
    # A small picture: its PNG and its WebP, named by content hash.
    assert stored_files(app) == {f"{key}.png", f"{key}.webp"}
    served = client.get(body["url"])
    assert served.status_code == 200
    assert served.mimetype == "image/png"
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert Image.open(io.BytesIO(served.data)).size == (64, 48)
    webp = client.get(f"/media/{key}.webp")
    assert webp.mimetype == "image/webp"
    again = client.get(body["url"], headers={"If-None-Match": served.headers["ETag"]})
    assert again.status_code == 304


def test_a_large_picture_is_scaled_to_2048_with_a_feed_copy(app, alice):
    response = upload(alice, media_files.png(4000, 1000), name="wide.png")
    body = response.get_json()
    assert (body["width"], body["height"]) == (2048, 512)
    key = body["url"].removeprefix("/media/").split(".")[0]
    assert stored_files(app) == {f"{key}.png", f"{key}.webp", f"{key}-640.png", f"{key}-640.webp"}
    small = Image.open(os.path.join(media_root(app), f"{key}-640.webp"))
    assert small.size == (640, 160)


def test_jpeg_gps_and_camera_are_stripped_from_every_stored_file(app, alice):
    original = media_files.jpeg_with_gps()
    assert b"SpyCam" in original
    response = upload(alice, original, name="holiday.jpg")
    assert response.status_code == 201
    assert response.get_json()["content_type"] == "image/jpeg"
    files = stored_files(app)
    assert len(files) == 2
    for name in files:
        with open(os.path.join(media_root(app), name), "rb") as stored:
            raw = stored.read()
        assert b"SpyCam" not in raw and b"Exif" not in raw
        image = Image.open(io.BytesIO(raw))
        assert not image.getexif(), name
        assert image.getexif().get_ifd(0x8825) == {}
        assert "icc_profile" not in image.info and "exif" not in image.info
        assert "xmp" not in image.info


def test_exif_rotation_is_applied(app, alice):
    # Orientation 6: the camera was turned; the picture is shown turned by 90 degrees.
    response = upload(alice, media_files.jpeg_with_gps(300, 200, orientation=6), name="r.jpg")
    body = response.get_json()
    assert (body["width"], body["height"]) == (200, 300)
    stored = Image.open(os.path.join(media_root(app), body["url"].removeprefix("/media/")))
    assert stored.size == (200, 300)
    # The yellow corner mark moved from the top left to the top right.
    r, g, b = stored.convert("RGB").getpixel((190, 10))
    assert r > 200 and g > 200 and b < 80


def test_webp_and_gif_are_accepted(app, alice):
    transparent = upload(alice, media_files.webp(), name="x.webp").get_json()
    assert transparent["content_type"] == "image/png"  # alpha kept: PNG fallback
    still = upload(alice, media_files.gif(frames=1), name="still.gif")
    assert still.get_json()["content_type"] == "image/png"


def test_an_animated_gif_keeps_moving_and_loses_its_comments(app, alice, client, monkeypatch):
    data = media_files.gif(frames=3, width=900, height=300, comment=b"SECRET-GIF-COMMENT")
    assert b"SECRET-GIF-COMMENT" in data
    body = upload(alice, data, name="moving.gif").get_json()
    assert body["content_type"] == "image/gif" and body["url"].endswith(".gif")
    key = body["url"].removeprefix("/media/").split(".")[0]
    expected = {f"{key}.gif", f"{key}.webp", f"{key}-640.gif", f"{key}-640.webp"}
    assert stored_files(app) == expected
    for name in expected:
        with open(os.path.join(media_root(app), name), "rb") as stored:
            raw = stored.read()
        assert b"SECRET-GIF-COMMENT" not in raw
        assert Image.open(io.BytesIO(raw)).n_frames == 3, name
    assert client.get(body["url"]).mimetype == "image/gif"
    # Every frame is decoded: the pixel budget counts them all.
    monkeypatch.setitem(app.config, "MEDIA_MAX_PIXELS", 3 * 900 * 300 - 1)
    refused = upload(alice, data, name="moving.gif")
    assert (
        refused.status_code == 422 and "frames" in refused.get_json()["error"]["fields"]["file"][0]
    )


def test_a_file_named_with_dots_and_slashes_is_stored_by_its_hash(app, alice, tmp_path):
    response = upload(alice, media_files.png(), name="../../x")
    assert response.status_code == 201
    assert all(len(name.split(".")[0]) == 64 for name in stored_files(app))
    assert not os.path.exists(os.path.join(media_root(app), "..", "..", "x"))
    assert not os.path.exists(os.path.join(os.path.dirname(media_root(app)), "x"))


BAD_UPLOADS = {
    "not a picture": (b"just some text, not a picture at all", "notes.png"),
    "truncated": (media_files.png(400, 400)[:300], "cut.png"),
    "SVG with a script": (media_files.SVG_WITH_SCRIPT, "evil.png"),
    "PNG bomb": (media_files.png_bomb(), "bomb.png"),
    "GIF of thousands of frames": (media_files.gif_many_frames(5000), "frames.gif"),
    "empty file": (b"", "empty.png"),
}


@pytest.mark.parametrize("case", list(BAD_UPLOADS))
def test_a_bad_upload_is_422_and_stores_nothing(app, alice, case):
    data, name = BAD_UPLOADS[case]
    response = upload(alice, data, name=name)
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert error["fields"]["file"]
    assert media_rows(app) == 0
    assert stored_files(app) == set()


@pytest.mark.parametrize("case", ["not a picture", "SVG with a script", "PNG bomb"])
def test_a_bad_avatar_is_422_and_changes_nothing(app, alice, case):
    data, name = BAD_UPLOADS[case]
    response = upload(alice, data, name=name, path="/me/avatar")
    assert response.status_code == 422
    assert media_rows(app) == 0 and stored_files(app) == set()
    assert alice.call("GET", "/me").get_json()["avatar_url"] == "/avatars/alice.svg"


def test_a_part_the_route_does_not_declare_is_422_and_stores_nothing(app, alice):
    # Found by the API fuzz: an extra part (even one without a name) was ignored.
    for path, extra in (("/me/avatar", "alt"), ("/me/avatar", ""), ("/media", "caption")):
        form = {"file": (io.BytesIO(media_files.png()), "p.png"), extra: "{}"}
        response = alice.call("POST" if path == "/media" else "PUT", path, data=form)
        assert response.status_code == 422, (path, extra)
        assert response.get_json()["error"]["fields"] == {extra: ["Unknown field."]}
    assert media_rows(app) == 0 and stored_files(app) == set()
    assert alice.call("GET", "/me").get_json()["avatar_url"] == "/avatars/alice.svg"


def test_no_file_and_a_bad_alt_are_422(app, alice):
    response = alice.call("POST", "/media", data={"alt": "nothing"})
    assert response.status_code == 422
    assert "file" in response.get_json()["error"]["fields"]
    response = upload(alice, media_files.png(), alt="x" * 501)
    assert response.status_code == 422
    assert "alt" in response.get_json()["error"]["fields"]
    assert media_rows(app) == 0 and stored_files(app) == set()


class Endless(io.RawIOBase):
    """A request body of any announced length that counts what is read of it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.position = 0
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    # The test client measures the stream by seeking to its end and back.
    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = self.size if whence == 2 else offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        size = min(len(buffer), 64 * 1024)
        buffer[:size] = b"\0" * size
        self.read_bytes += size
        return size


def test_a_100_mb_upload_is_413_before_its_body_is_read(app, alice):
    body = Endless(100 * 1024 * 1024)
    response = alice.client.post(
        "/api/v1/media",
        input_stream=body,
        headers={**alice.headers(), "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert response.status_code == 413
    error = response.get_json()["error"]
    assert error["code"] == "payload_too_large"
    assert "8 MB" in error["message"]
    assert body.read_bytes == 0
    assert media_rows(app) == 0 and stored_files(app) == set()


def test_a_file_over_the_limit_is_413_on_the_api_and_on_the_pages(app, alice, client):
    from tests.conftest import Auth, csrf_token

    big = b"\x89PNG\r\n\x1a\n" + b"\0" * (app.config["MEDIA_MAX_BYTES"] + 100 * 1024)
    assert upload(alice, big).status_code == 413
    Auth(client).login()
    token = csrf_token(client, "/settings")
    page = client.post(
        "/media",
        data={"file": (io.BytesIO(big), "big.png")},
        headers={"X-CSRFToken": token},
    )
    assert page.status_code == 413
    assert page.get_json()["error"]["code"] == "payload_too_large"
    settings = client.post(
        "/settings/avatar", data={"file": (io.BytesIO(big), "big.png"), "csrf_token": token}
    )
    assert settings.status_code == 413
    assert "too large" in settings.get_data(as_text=True)
    assert media_rows(app) == 0 and stored_files(app) == set()


def test_the_file_route_refuses_names_it_did_not_make(client):
    for path in ("/media/..%2F..%2Fetc%2Fpasswd", "/media/x.png", "/media/" + "a" * 64 + ".svg"):
        assert client.get(path).status_code == 404
    assert client.get("/media/" + "a" * 64 + ".png").status_code == 404


# --- Limits ------------------------------------------------------------------------------


def test_the_quota_refuses_what_would_pass_it_and_stores_nothing(app, alice, monkeypatch):
    first = upload(alice, media_files.png(64, 48))
    assert first.status_code == 201
    before = stored_files(app)
    with app.app_context():
        used = db.session.scalar(select(Media.bytes))
    monkeypatch.setitem(app.config, "MEDIA_QUOTA_BYTES", used + 10)
    second = upload(alice, media_files.png(64, 48, colour=(0, 0, 255)))
    assert second.status_code == 422
    assert "MB" in second.get_json()["error"]["fields"]["file"][0]
    assert media_rows(app) == 1 and stored_files(app) == before


def test_uploads_have_a_rate_limit_per_person(app, alice, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_UPLOAD_LIMIT", "2 per hour")
    assert upload(alice, media_files.png()).status_code == 201
    assert upload(alice, media_files.png(), path="/me/avatar").status_code == 200
    refused = upload(alice, media_files.png(colour=(1, 2, 3)))
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    # Someone else has a budget of their own.
    assert upload(api_as(app, "bob"), media_files.png()).status_code == 201


def test_a_suspended_account_cannot_upload(app):
    carol = api_as(app, "carol", suspended=True)
    assert upload(carol, media_files.png()).status_code == 403
    assert media_rows(app) == 0


# --- Avatars -----------------------------------------------------------------------------


def test_an_avatar_is_three_centred_squares_and_can_be_dropped(app, alice, client):
    response = upload(alice, media_files.jpeg_with_gps(300, 200), path="/me/avatar")
    assert response.status_code == 200
    url = response.get_json()["avatar_url"]
    assert url.startswith("/media/") and url.endswith("-400.jpg")
    key = url.removeprefix("/media/").split("-")[0]
    assert stored_files(app) == {f"{key}-{side}.jpg" for side in (400, 96, 40)}
    for side in (400, 96, 40):
        assert Image.open(os.path.join(media_root(app), f"{key}-{side}.jpg")).size == (side, side)
    # A new avatar replaces the old one, whose files go after the commit.
    second = upload(alice, media_files.png(50, 80), path="/me/avatar").get_json()["avatar_url"]
    run_jobs(app)
    assert second.endswith("-400.png")
    assert not any(name.startswith(key) for name in stored_files(app))
    assert media_rows(app) == 1
    # The pages show it at the size they need, with its size set.
    page = client.get("/u/alice").get_data(as_text=True)
    assert second.replace("-400", "-96") in page
    assert alice.call("DELETE", "/me/avatar").status_code == 204
    run_jobs(app)
    assert alice.call("GET", "/me").get_json()["avatar_url"] == "/avatars/alice.svg"
    assert media_rows(app) == 0 and stored_files(app) == set()


# --- Posts, cleanup, erasure -------------------------------------------------------------


def test_a_post_shows_an_uploaded_picture_sized_with_webp_first(app, alice, client):
    picture = upload(alice, media_files.png(3000, 1500), alt="A chart").get_json()
    post = alice.call("POST", "/posts", json={"body": f"Look ![A chart]({picture['url']})"})
    assert post.status_code == 201, post.get_json()
    html = post.get_json()["body_html"]
    key = picture["url"].removeprefix("/media/").split(".")[0]
    assert '<source type="image/webp"' in html
    assert f"/media/{key}-640.webp 640w" in html
    assert 'width="2048" height="1024"' in html
    assert 'alt="A chart"' in html
    page = client.get(f"/p/{post.get_json()['id']}").get_data(as_text=True)
    assert 'width="2048" height="1024"' in page


def test_an_unknown_media_address_shows_its_alt_text(app, alice):
    body = "![gone](/media/" + "b" * 64 + ".png)"
    html = alice.call("POST", "/posts", json={"body": body}).get_json()["body_html"]
    assert "<img" not in html and "gone" in html


def test_deleting_a_post_deletes_the_pictures_no_other_post_shows(app, alice):
    shared = upload(alice, media_files.png(colour=(1, 1, 1))).get_json()["url"]
    own = upload(alice, media_files.png(colour=(2, 2, 2))).get_json()["url"]
    first = alice.call("POST", "/posts", json={"body": f"![a]({shared}) ![b]({own})"})
    second = alice.call("POST", "/posts", json={"body": f"Again ![a]({shared})"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PostMedia)) == 3
    assert alice.call("DELETE", f"/posts/{first.get_json()['id']}").status_code == 204
    run_jobs(app)
    own_key = own.removeprefix("/media/").split(".")[0]
    shared_key = shared.removeprefix("/media/").split(".")[0]
    assert not any(n.startswith(own_key) for n in stored_files(app))
    assert any(n.startswith(shared_key) for n in stored_files(app))
    assert media_rows(app) == 1
    alice.call("DELETE", f"/posts/{second.get_json()['id']}")
    run_jobs(app)
    assert media_rows(app) == 0 and stored_files(app) == set()


def test_the_cleanup_job_removes_what_nothing_used_for_a_day(app, alice):
    from datetime import timedelta

    from app.timeutil import utcnow

    unused = upload(alice, media_files.png(colour=(5, 5, 5))).get_json()
    shown = upload(alice, media_files.png(colour=(6, 6, 6))).get_json()
    fresh = upload(alice, media_files.png(colour=(7, 7, 7))).get_json()
    alice.call("POST", "/posts", json={"body": f"![x]({shown['url']})"})
    with app.app_context():
        db.session.execute(
            Media.__table__.update()
            .where(Media.id.in_([unused["id"], shown["id"]]))
            .values(created_at=utcnow() - timedelta(days=2))
        )
        db.session.commit()
    run(app, "media.cleanup", [], {})
    run_jobs(app)
    with app.app_context():
        left = set(db.session.scalars(select(Media.id)))
    assert left == {shown["id"], fresh["id"]}
    unused_key = unused["url"].removeprefix("/media/").split(".")[0]
    assert not any(n.startswith(unused_key) for n in stored_files(app))


def test_erase_media_of_removes_every_upload_and_file_of_an_account(app, alice):
    from app.accounts.queries import find_by_username
    from app.media.services import erase_media_of

    upload(alice, media_files.png())
    upload(alice, media_files.png(colour=(9, 9, 9)), path="/me/avatar")
    bob = api_as(app, "bob")
    upload(bob, media_files.png(colour=(8, 8, 8)))
    with app.test_request_context():
        assert erase_media_of(user_id=find_by_username("alice").id) == 2
        assert find_by_username("alice").avatar_url == ""
    run_jobs(app)
    assert media_rows(app) == 1
    assert len(stored_files(app)) == 2  # bob's PNG and WebP


def test_identical_uploads_share_files_and_deleting_one_keeps_them(app, alice):
    bob = api_as(app, "bob")
    a = upload(alice, media_files.png()).get_json()
    b = upload(bob, media_files.png()).get_json()
    assert a["url"] == b["url"] and a["id"] != b["id"]
    post = alice.call("POST", "/posts", json={"body": f"![x]({a['url']})"}).get_json()
    alice.call("DELETE", f"/posts/{post['id']}")
    run_jobs(app)
    assert len(stored_files(app)) == 2  # still bob's


# --- The S3 backend ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def s3_server():
    """Start moto's S3-compatible server on a free local port (ThreadedMotoServer)."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_the_s3_backend_stores_serves_and_deletes(app, alice, client, s3_server, monkeypatch):
    import boto3

    from app.media.storage import S3Storage

    settings = {
        "MEDIA_S3_BUCKET": "devthread-media",
        "MEDIA_S3_ENDPOINT_URL": s3_server,
        "MEDIA_S3_REGION": "us-east-1",
        "MEDIA_S3_ACCESS_KEY_ID": "test",
        "MEDIA_S3_SECRET_ACCESS_KEY": "test",
        "MEDIA_S3_PREFIX": "pictures/",
    }
    s3 = boto3.client(
        "s3",
        endpoint_url=s3_server,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    s3.create_bucket(Bucket="devthread-media")
    monkeypatch.setitem(app.extensions, "media_storage", S3Storage(settings))

    body = upload(alice, media_files.jpeg_with_gps(1000, 800), name="s3.jpg").get_json()
    name = body["url"].removeprefix("/media/")
    listed = s3.list_objects_v2(Bucket="devthread-media", Prefix="pictures/")
    keys = {item["Key"] for item in listed["Contents"]}
    key = name.split(".")[0]
    assert keys == {f"pictures/{key}{s}" for s in (".jpg", ".webp", "-640.jpg", "-640.webp")}
    head = s3.head_object(Bucket="devthread-media", Key=f"pictures/{name}")
    assert head["ContentType"] == "image/jpeg"
    stored = s3.get_object(Bucket="devthread-media", Key=f"pictures/{name}")["Body"].read()
    assert b"SpyCam" not in stored
    assert stored_files(app) == set()  # nothing on the local disk

    served = client.get(body["url"])
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.data == stored
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/media/" + "c" * 64 + ".jpg").status_code == 404

    post = alice.call("POST", "/posts", json={"body": f"![x]({body['url']})"}).get_json()
    alice.call("DELETE", f"/posts/{post['id']}")
    run_jobs(app)
    assert "Contents" not in s3.list_objects_v2(Bucket="devthread-media", Prefix="pictures/")


# --- Moderation --------------------------------------------------------------------------


def test_staff_remove_a_picture_with_a_reason_and_the_post_says_so(app, alice, client):
    from app.admin.models import AuditEntry
    from tests.conftest import Auth, csrf_token, make_user

    picture = upload(alice, media_files.png(colour=(3, 3, 3)), alt="Offensive").get_json()
    post = alice.call("POST", "/posts", json={"body": f"Hi ![Offensive]({picture['url']})"})
    post_id = post.get_json()["id"]
    make_user(app, "mona", role="moderator")
    Auth(client).login("mona")
    listing = client.get("/admin/media").get_data(as_text=True)
    assert f"/p/{post_id}" in listing and "@alice" in listing and 'alt="Offensive"' in listing
    token = csrf_token(client, "/admin/media")
    field = f"media-{picture['id']}-reason"
    refused = client.post(f"/admin/media/{picture['id']}/remove", data={"csrf_token": token})
    assert refused.status_code == 422
    assert "Give a reason" in refused.get_data(as_text=True)
    done = client.post(
        f"/admin/media/{picture['id']}/remove", data={"csrf_token": token, field: "Not allowed"}
    )
    assert done.status_code == 303
    run_jobs(app)
    assert stored_files(app) == set()
    shown = client.get(f"/p/{post_id}").get_data(as_text=True)
    assert "Picture removed" in shown and picture["url"] not in shown
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "media.remove"))
        assert (entry.target_type, entry.target_id, entry.reason) == (
            "media",
            picture["id"],
            "Not allowed",
        )
        assert entry.details["post_ids"] == [post_id]
    assert "Removed a picture" in client.get("/admin/audit").get_data(as_text=True)


def test_a_post_with_a_picture_can_be_reported(app, alice):
    picture = upload(alice, media_files.png()).get_json()
    post = alice.call("POST", "/posts", json={"body": f"![x]({picture['url']})"}).get_json()
    bob = api_as(app, "bob")
    report = bob.call(
        "POST", "/reports", json={"target_type": "post", "target_id": post["id"], "reason": "spam"}
    )
    assert report.status_code == 201


# --- The pages' upload routes ------------------------------------------------------------


def test_the_composers_upload_answers_json_errors(app, client):
    from tests.conftest import Auth, csrf_token, make_user

    picture = {"file": (io.BytesIO(media_files.png()), "p.png")}
    signed_out = client.post("/media", data=picture)
    assert signed_out.status_code == 401 and signed_out.get_json()["error"]["code"]
    make_user(app, "alice")
    Auth(client).login()
    no_token = client.post("/media", data={"file": (io.BytesIO(media_files.png()), "p.png")})
    assert no_token.status_code == 400
    assert no_token.get_json()["error"]["code"] == "bad_request"
    token = csrf_token(client, "/")
    svg = client.post(
        "/media",
        data={"file": (io.BytesIO(media_files.SVG_WITH_SCRIPT), "x.svg")},
        headers={"X-CSRFToken": token},
    )
    assert svg.status_code == 422
    assert "SVG" in svg.get_json()["error"]["fields"]["file"][0]
    assert media_rows(app) == 0 and stored_files(app) == set()
    good = client.post(
        "/media",
        data={"file": (io.BytesIO(media_files.png()), "p.png"), "alt": "Hi"},
        headers={"X-CSRFToken": token},
    )
    assert good.status_code == 201 and good.get_json()["alt"] == "Hi"


def test_the_settings_page_shows_why_an_avatar_was_refused(app, client):
    from tests.conftest import Auth, csrf_token, make_user

    make_user(app, "alice")
    Auth(client).login()
    token = csrf_token(client, "/settings")
    refused = client.post(
        "/settings/avatar",
        data={"file": (io.BytesIO(b"not a picture"), "me.png"), "csrf_token": token},
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "That file is not a picture" in page and 'id="avatar-errors"' in page
    assert media_rows(app) == 0
    no_token = client.post("/settings/avatar", data={"file": (io.BytesIO(media_files.png()), "a")})
    assert no_token.status_code == 400 and media_rows(app) == 0
    saved = client.post(
        "/settings/avatar",
        data={"file": (io.BytesIO(media_files.png()), "me.png"), "csrf_token": token},
    )
    assert saved.status_code == 303
    assert "-96.png" in client.get("/settings").get_data(as_text=True)
    dropped = client.post("/settings/avatar/delete", data={"csrf_token": token})
    assert dropped.status_code == 303
    run_jobs(app)
    assert media_rows(app) == 0 and "/avatars/alice.svg" in client.get("/settings").get_data(
        as_text=True
    )


# --- Settings and markup -----------------------------------------------------------------


def test_picture_settings_that_cannot_work_are_refused(tmp_path):
    from app.config import ConfigError, check_media_settings

    check_media_settings({"MEDIA_STORAGE": "local"})
    with pytest.raises(ConfigError, match="local or s3"):
        check_media_settings({"MEDIA_STORAGE": "ftp"})
    with pytest.raises(ConfigError, match="MEDIA_S3_BUCKET"):
        check_media_settings({"MEDIA_STORAGE": "s3"})


def test_the_sanitizer_keeps_srcset_only_for_uploaded_pictures():
    from app.posts.markdown import _sanitize

    key = "a" * 64
    kept = _sanitize(f'<img src="/media/{key}.png" srcset="/media/{key}-640.png 640w" width="9">')
    assert "srcset" in kept and 'width="9"' in kept
    for bad in ("https://evil.example/x.png 1x", f"/media/{key}.png 1x, javascript:alert(1)"):
        assert "srcset" not in _sanitize(f'<img src="/x.png" srcset="{bad}">')
    # Markdown cannot write these attributes at all: raw HTML is off.
    html = render(f'<img src="/media/{key}.png" onerror="alert(1)">')
    assert "<img" not in html


def render(body: str) -> str:
    from app.posts.markdown import render_markdown

    return render_markdown(body, local_images=lambda images: [None] * len(images)).html


def test_comments_show_an_uploaded_pictures_alt_text_only(app, alice):
    picture = upload(alice, media_files.png()).get_json()
    post = alice.call("POST", "/posts", json={"body": "Hello"}).get_json()
    comment = alice.call(
        "POST", f"/posts/{post['id']}/comments", json={"body": f"![my chart]({picture['url']})"}
    )
    assert comment.status_code == 201
    html = comment.get_json()["body_html"]
    assert "<img" not in html and "my chart" in html


def test_the_cleanup_keeps_a_worn_avatar_and_removes_one_nobody_wears(app, alice):
    from datetime import timedelta

    from app.media.services import cleanup_unused
    from app.timeutil import utcnow

    upload(alice, media_files.png(colour=(1, 2, 3)), path="/me/avatar")
    with app.test_request_context():
        # A leftover: an avatar row nobody wears (a crash between two writes, say).
        worn = db.session.scalar(select(Media))
        db.session.add(
            Media(
                owner_id=worn.owner_id,
                kind="avatar",
                key="d" * 64,
                ext="png",
                width=400,
                height=400,
                bytes=10,
            )
        )
        db.session.execute(Media.__table__.update().values(created_at=utcnow() - timedelta(days=3)))
        db.session.commit()
        assert cleanup_unused() == 1
        assert db.session.scalar(select(Media.key)) == worn.key


@pytest.mark.parametrize("batch", [500, 1])
def test_account_erasure_removes_its_pictures_avatar_and_files(app, alice, monkeypatch, batch):
    monkeypatch.setitem(app.config, "ERASE_BATCH_SIZE", batch)
    monkeypatch.setitem(app.config, "ACCOUNT_DELETION_GRACE_DAYS", 0)
    upload(alice, media_files.png(colour=(4, 4, 4)))
    picture = upload(alice, media_files.png(colour=(5, 5, 5))).get_json()
    alice.call("POST", "/posts", json={"body": f"![x]({picture['url']})"})
    upload(alice, media_files.png(colour=(6, 6, 6)), path="/me/avatar")
    bob = api_as(app, "bob")
    upload(bob, media_files.png(colour=(5, 5, 5)))  # the same file as one of alice's
    assert alice.call("DELETE", "/me", {"password": "correct horse battery"}).status_code == 202
    assert all(r.error is None for r in run_jobs(app))  # grace 0: erased now, files after
    assert media_rows(app) == 1
    key = picture["url"].removeprefix("/media/").split(".")[0]
    assert {n.split(".")[0] for n in stored_files(app)} == {key}  # only bob's (shared) file


def test_uploading_a_picture_waits_for_a_verified_address_when_required(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_VERIFIED_EMAIL", True)
    new = api_as(app, "newbie")
    with app.app_context():
        from app.accounts.models import User

        db.session.execute(User.__table__.update().values(email_verified_at=None))
        db.session.commit()
    refused = upload(new, media_files.png())
    assert refused.status_code == 403, refused.get_json()
    assert media_rows(app) == 0 and stored_files(app) == set()
