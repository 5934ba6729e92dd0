"""Pages are written in ASCII, and say exactly what they said before (app/asciihtml.py)."""

from __future__ import annotations

import html

from babel.support import NullTranslations
from jinja2 import DictLoader, Environment, select_autoescape

from app.asciihtml import AsciiTemplates, ascii_output, install_gettext
from tests.conftest import api_as

PAGES = ("/", "/p/{id}", "/u/jose", "/tags/cafe", "/search?q=marche", "/notifications")


def test_pages_are_ascii_and_read_the_same(app, client, auth):
    writer = api_as(app, "jose", display_name="José Ñúñez 🚀")
    post = writer.call("POST", "/posts", {"body": "Ça marche ✓ — déjà vu 😀 #cafe"}).get_json()
    writer.call("POST", f"/posts/{post['id']}/comments", {"body": "Très bien… 👍"})
    reader = api_as(app, "reader")
    reader.call("PUT", "/users/jose/follow")
    reader.call("PUT", f"/posts/{post['id']}/reactions/like")
    writer.call("PUT", "/users/reader/follow")  # a notification with José's name
    auth.login("reader")
    for path in PAGES:
        response = client.get(path.format(id=post["id"]))
        assert response.status_code == 200, path
        body = response.get_data()
        assert body.isascii(), path
        text = html.unescape(body.decode())
        assert "José Ñúñez 🚀" in text, path
        if path != "/notifications":
            assert "Ça marche ✓ — déjà vu 😀" in text, path
    home = html.unescape(client.get("/").get_data(as_text=True))
    assert "<title>Home · DevThread</title>" in home  # the template's own text
    bookmarks = html.unescape(client.get("/bookmarks").get_data(as_text=True))
    assert "Use “Save” on a post to keep it here." in bookmarks  # a message of _()
    assert "👍" in home  # the cards' reaction buttons
    page = html.unescape(client.get(f"/p/{post['id']}").get_data(as_text=True))
    assert "Très bien… 👍" in page


def test_a_translated_page_is_ascii_and_reads_in_its_language(client):
    german = client.get("/login", headers={"Accept-Language": "de"}).get_data()
    assert german.isascii()
    assert "Passwort" in html.unescape(german.decode())
    spanish = client.get("/login", headers={"Accept-Language": "es"}).get_data()
    assert spanish.isascii()
    assert "¿Olvidaste tu contraseña?" in html.unescape(spanish.decode())


def test_only_html_templates_are_written_in_ascii():
    env = Environment(
        loader=DictLoader(
            {
                "page.html": "<p title=\"{{ _('Loading…') }}\">Home · {{ name }}</p>",
                "mail.txt": "{{ _('Loading…') }} Home · {{ name }}",
            }
        ),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n", AsciiTemplates],
        finalize=ascii_output,
    )
    install_gettext(env, NullTranslations)
    assert env.get_template("page.html").render(name="Zoë <b>") == (
        '<p title="Loading&#8230;">Home &#183; Zo&#235; &lt;b&gt;</p>'
    )
    assert env.get_template("mail.txt").render(name="Zoë <b>") == "Loading… Home · Zoë <b>"


def test_markup_of_an_object_is_written_once_and_not_escaped():
    class Badge:
        def __init__(self, text: str) -> None:
            self.text = text

        def __html__(self) -> str:  # a plain str, as the protocol allows
            return f"<b>{self.text}</b>"

    env = Environment(
        loader=DictLoader({"page.html": "{{ a }} {{ b }}"}),
        autoescape=select_autoescape(["html"]),
        finalize=ascii_output,
    )
    assert env.get_template("page.html").render(a=Badge("ok"), b=Badge("Zoë")) == (
        "<b>ok</b> <b>Zo&#235;</b>"
    )
