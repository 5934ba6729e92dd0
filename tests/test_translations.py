"""Three languages on the pages and in mails: complete catalogs, the reader's language and zone.

The catalog tests fail on a supported language without a catalog, on an entry untranslated or
fuzzy, on a placeholder lost in translation, and on any string of the code (freshly extracted, as
`make messages` does) that a catalog lacks. The page tests follow the choice of language (the
account's, the visitor's cookie, Accept-Language) and of time zone (the account's, the tz cookie).
"""

from __future__ import annotations

import html
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from app.accounts.models import User
from app.extensions import db
from app.i18n import SUPPORTED_LOCALES
from app.posts import services as posts
from tests.conftest import PASSWORD, Auth, api_as, csrf_token, make_user, run_jobs
from tests.test_mail import parts

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
TRANSLATED = [locale for locale in SUPPORTED_LOCALES if locale != "en"]
# A placeholder (%(name)s, %d, {name}) or a piece of markup: a translation keeps each one.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|<[^>]+>")
# When a time shown to the reader is: 21:30 in Tokyo, 12:30 UTC, 07:30 in New York.
WHEN = datetime(2026, 1, 15, 12, 30, tzinfo=UTC)


def catalog(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as source:
        return read_po(source, locale=locale)


def translations(locale: str) -> dict:
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as source:
        entries = read_po(source, locale=locale)
    return {message.id: message.string for message in entries if message.id}


def shown(response) -> str:
    """Return a page's text as a browser reads it: pages write non-ASCII as references."""
    return html.unescape(response.get_data(as_text=True))


def lang(page: str) -> str:
    return re.search(r'<html lang="([^"]*)"', page)[1]


@pytest.fixture(scope="module")
def fresh_pot(tmp_path_factory) -> Path:
    """Extract every translatable string of the code, as `make messages` does."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        CommandLineInterface().run(
            [
                "pybabel",
                "--quiet",
                "extract",
                "-F",
                "babel.cfg",
                "-k",
                "_l",
                "-k",
                "lazy_gettext",
                "-k",
                "lazy_ngettext:1,2",
                "-o",
                str(pot),
                ".",
            ]
        )
    finally:
        os.chdir(cwd)
    return pot


# --- The catalogs ------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_supported_language_has_a_catalog(locale):
    assert (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").is_file(), locale


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_entry_is_translated_and_none_is_fuzzy(locale):
    entries = catalog(locale)
    assert not entries.fuzzy, f"{locale}: the catalog's header is marked fuzzy"
    assert entries.num_plurals == 2 and entries.plural_expr == "(n != 1)", locale
    untranslated, fuzzy = [], []
    for message in entries:
        if not message.id:
            continue
        if message.fuzzy:
            fuzzy.append(message.id)
        forms = message.string if isinstance(message.id, tuple) else (message.string,)
        if (isinstance(message.id, tuple) and len(forms) != entries.num_plurals) or not all(forms):
            untranslated.append(message.id)
    assert not untranslated, f"{locale}: untranslated: {untranslated[:10]}"
    assert not fuzzy, f"{locale}: fuzzy: {fuzzy[:10]}"


@pytest.mark.parametrize("locale", TRANSLATED)
def test_translations_keep_every_placeholder(locale):
    entries = catalog(locale)
    assert not [(m.id, errors) for m, errors in entries.check()], locale
    for message in entries:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = sorted(set(PLACEHOLDER.findall(ids[-1])))
        for form in forms:
            assert sorted(set(PLACEHOLDER.findall(form))) == wanted, (locale, message.id, form)


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_string_of_the_code_is_in_the_catalog(locale, fresh_pot):
    with open(fresh_pot, "rb") as source:
        wanted = {message.id for message in read_po(source) if message.id}
    assert len(wanted) > 700  # the extraction found the templates, the code and the mails
    have = {message.id for message in catalog(locale) if message.id}
    missing = sorted(map(str, wanted - have))
    assert not missing, f"{locale} lacks {len(missing)}: {missing[:10]} (run make messages)"


def test_plural_forms_follow_the_number(app):
    from flask_babel import force_locale, ngettext

    with app.test_request_context():
        for locale, one, many in (
            ("de", "1 Kommentar", "2 Kommentare"),
            ("en", "1 comment", "2 comments"),
        ):
            with force_locale(locale):
                assert ngettext("%(num)d comment", "%(num)d comments", 1) == one
                assert ngettext("%(num)d comment", "%(num)d comments", 2) == many


# --- Which language a page speaks -------------------------------------------------------------


def test_accept_language_chooses_german(client):
    page = client.get("/latest", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and lang(text) == "de"
    assert "Neueste" in text and "Sprache wechseln" in text and "Latest" not in text
    assert "Accept-Language" in page.headers["Vary"]


def test_english_without_a_choice_and_for_an_unknown_language(client):
    for header in ({}, {"Accept-Language": "fr-FR,fr;q=0.9"}):
        text = client.get("/latest", headers=header).get_data(as_text=True)
        assert lang(text) == "en" and "Latest" in text


def test_the_accounts_language_wins_over_accept_language(app, client):
    make_user(app, "alice", locale="es")
    Auth(client).login("alice")
    spanish = translations("es")
    text = shown(client.get("/latest", headers={"Accept-Language": "de"}))
    assert lang(text) == "es"
    assert spanish["Latest"] in text and spanish["Settings"] in text and "Neueste" not in text


def test_the_footer_form_switches_a_visitor_by_cookie(client):
    sent = client.post(
        "/language", data={"locale": "de"}, headers={"Referer": "http://localhost/trending"}
    )
    assert sent.status_code == 303 and sent.headers["Location"] == "/trending"
    assert "lang=de" in sent.headers["Set-Cookie"] and "HttpOnly" in sent.headers["Set-Cookie"]
    text = client.get("/latest", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert lang(text) == "de" and "Neueste" in text
    # The footer's select shows the language in use.
    assert re.search(r'<option value="de" lang="de" selected>Deutsch</option>', text)


@pytest.mark.parametrize("value", ["fr", "", "de; x", "D" * 500])
def test_the_footer_form_refuses_other_languages(client, value):
    sent = client.post("/language", data={"locale": value})
    assert sent.status_code == 422 and "lang=" not in sent.headers.get("Set-Cookie", "")
    assert "Choose one of the languages offered." in sent.get_data(as_text=True)


def test_the_footer_form_saves_an_accounts_language_with_its_token(app, client):
    make_user(app, "alice")
    Auth(client).login("alice")
    refused = client.post("/language", data={"locale": "de"})
    assert refused.status_code == 400
    with app.app_context():
        assert db.session.scalar(db.select(User.locale).where(User.username == "alice")) is None
    token = csrf_token(client, "/latest")
    assert client.post("/language", data={"locale": "de", "csrf_token": token}).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(User.locale).where(User.username == "alice")) == "de"


def test_a_bad_language_cookie_is_ignored(client):
    client.set_cookie("lang", "xx")
    text = client.get("/latest", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert lang(text) == "de"


# --- The settings page and the API -------------------------------------------------------------


def test_settings_save_the_language_and_the_time_zone(app, client):
    make_user(app, "alice")
    Auth(client).login("alice")
    page = client.get("/settings").get_data(as_text=True)
    assert '<label for="locale">Language</label>' in page
    assert '<label for="time_zone">Time zone</label>' in page
    assert '<option value="Europe/Berlin">Europe/Berlin</option>' in page
    token = csrf_token(client, "/settings")
    sent = client.post(
        "/settings/language",
        data={"locale": "de", "time_zone": "Europe/Berlin", "csrf_token": token},
    )
    assert sent.status_code == 303
    page = client.get("/settings").get_data(as_text=True)
    assert lang(page) == "de" and "Deine Sprache und Zeitzone sind gespeichert." in page
    assert '<option selected value="de">Deutsch</option>' in page
    assert '<option selected value="Europe/Berlin">Europe/Berlin</option>' in page
    # Back to the browser's choices.
    client.post("/settings/language", data={"locale": "", "time_zone": "", "csrf_token": token})
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "alice"))
        assert (user.locale, user.time_zone) == (None, None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"locale": "fr", "time_zone": ""}, "Choose one of the languages offered."),
        ({"locale": "de", "time_zone": "Mars/Olympus"}, "Choose a time zone from the list"),
        ({"locale": "de", "time_zone": "../../etc/passwd"}, "Choose a time zone from the list"),
        ({"locale": "de", "time_zone": "x" * 300}, "Choose a time zone from the list"),
    ],
)
def test_settings_refuse_bad_choices_and_change_nothing(app, client, data, message):
    make_user(app, "alice")
    Auth(client).login("alice")
    token = csrf_token(client, "/settings")
    sent = client.post("/settings/language", data={**data, "csrf_token": token})
    text = sent.get_data(as_text=True)
    assert sent.status_code == 422 and message in text and lang(text) == "en"
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "alice"))
        assert (user.locale, user.time_zone) == (None, None)


def test_patch_me_sets_and_clears_the_language_and_the_time_zone(app):
    alice = api_as(app, "alice")
    me = alice.call("GET", "/me").get_json()
    assert me["locale"] is None and me["time_zone"] is None
    changed = alice.call("PATCH", "/me", {"locale": "de", "time_zone": "Asia/Tokyo"})
    assert changed.status_code == 200
    assert changed.get_json()["locale"] == "de" and changed.get_json()["time_zone"] == "Asia/Tokyo"
    assert alice.call("GET", "/me").get_json()["locale"] == "de"
    cleared = alice.call("PATCH", "/me", {"locale": "", "time_zone": ""}).get_json()
    assert cleared["locale"] is None and cleared["time_zone"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"locale": "fr"},
        {"locale": "DE"},
        {"locale": 7},
        {"time_zone": "Mars/Olympus"},
        {"time_zone": "Europe/Berlin "},
        {"time_zone": "x" * 65},
        {"time_zone": "UTC\u0000"},
        {"locale": "de", "time_zone": "Nowhere/City"},
    ],
)
def test_patch_me_refuses_bad_values_with_422_and_changes_nothing(app, body):
    alice = api_as(app, "alice")
    answer = alice.call("PATCH", "/me", body)
    assert answer.status_code == 422, answer.get_json()
    field = "time_zone" if "time_zone" in body else "locale"
    assert field in answer.get_json()["error"]["fields"]
    me = alice.call("GET", "/me").get_json()
    assert me["locale"] is None and me["time_zone"] is None


def test_api_errors_speak_the_accounts_language(app):
    alice = api_as(app, "alice")
    alice.call("PATCH", "/me", {"locale": "de"})
    answer = alice.call("PATCH", "/me", {"time_zone": "Mars/Olympus"}).get_json()
    assert answer["error"]["fields"]["time_zone"] == [
        "Wähle eine Zeitzone aus der Liste, etwa Europe/Berlin."
    ]


# --- Times in the reader's zone, cards in the reader's language --------------------------------


def _post_at(app, when: datetime) -> int:
    with app.test_request_context():
        author = db.session.scalar(db.select(User).where(User.username == "bob"))
        post = posts.create_post(author=author, body="Zones are hard")
        post.created_at = when
        db.session.commit()
        return post.id


def _exact(when: datetime, zone: str, locale: str = "en") -> str:
    return format_datetime(when, "medium", tzinfo=ZoneInfo(zone), locale=locale)


def test_times_are_shown_in_the_accounts_time_zone(app, client):
    make_user(app, "bob")
    make_user(app, "alice", time_zone="Asia/Tokyo")
    post_id = _post_at(app, WHEN)
    Auth(client).login("alice")
    page = shown(client.get(f"/p/{post_id}"))
    assert f'title="{_exact(WHEN, "Asia/Tokyo")}"' in page
    assert _exact(WHEN, "UTC") not in page


def test_a_visitors_time_zone_comes_from_the_tz_cookie(app, client):
    make_user(app, "bob")
    post_id = _post_at(app, WHEN)
    assert f'title="{_exact(WHEN, "UTC")}"' in shown(client.get(f"/p/{post_id}"))
    client.set_cookie("tz", "America/New_York")
    page = shown(client.get(f"/p/{post_id}"))
    assert f'title="{_exact(WHEN, "America/New_York")}"' in page
    client.set_cookie("tz", "Not/A_Zone")
    assert f'title="{_exact(WHEN, "UTC")}"' in shown(client.get(f"/p/{post_id}"))


def test_a_cached_card_is_kept_per_language_and_time_zone(app):
    make_user(app, "bob")
    post_id = _post_at(app, WHEN)
    readers = {
        ("en", "UTC"): app.test_client(),
        ("de", "UTC"): app.test_client(),
        ("de", "Asia/Tokyo"): app.test_client(),
    }
    for _round in range(2):  # the second round is served from the card cache
        for (locale, zone), client in readers.items():
            client.set_cookie("tz", zone)
            page = shown(client.get("/latest", headers={"Accept-Language": locale}))
            assert f'href="/p/{post_id}"' in page
            assert f'title="{_exact(WHEN, zone, locale)}"' in page, (locale, zone)
            assert ("0 Kommentare" if locale == "de" else "0 comments") in page


def test_numbers_are_formatted_for_the_locale(app, client):
    make_user(app, "bob", followers_count=12345)
    german = client.get("/u/bob", headers={"Accept-Language": "de"}).get_data(as_text=True)
    english = client.get("/u/bob", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<strong>12.345</strong>" in german and "<strong>12,345</strong>" in english


# --- Mails in the recipient's language and zone -----------------------------------------------


def test_mails_come_in_the_recipients_language_and_time_zone(app, smtp_to):
    # Asked from an English client: the mail follows the account, not the request.
    alice = api_as(app, "alice", locale="de", time_zone="Asia/Tokyo")
    answer = alice.call("DELETE", "/me", {"password": PASSWORD}, headers={"Accept-Language": "en"})
    erase_at = datetime.fromisoformat(answer.get_json()["erase_at"].replace("Z", "+00:00"))
    assert [run.error for run in run_jobs(app)] == [None]
    [(_recipients, message)] = smtp_to.messages
    assert message["Subject"] == "Dein DevThread-Konto wird gelöscht"
    when = format_datetime(erase_at, "long", tzinfo=ZoneInfo("Asia/Tokyo"), locale="de")
    for body in parts(message).values():
        assert "Hallo alice," in body and when in body


def test_a_password_reset_mail_follows_the_accounts_language(app, client, smtp_to):
    make_user(app, "alice", locale="de")
    token = csrf_token(client, "/password/forgot")
    client.post("/password/forgot", data={"email": "alice@example.com", "csrf_token": token})
    run_jobs(app)
    [(_recipients, message)] = smtp_to.messages
    assert message["Subject"] == "Setze dein DevThread-Passwort zurück"


# --- In a real browser -------------------------------------------------------------------------


@pytest.mark.browser
def test_a_browser_sends_its_zone_and_switches_language_in_the_footer(app, browser, live_server):
    make_user(app, "bob")
    post_id = _post_at(app, WHEN)
    context = browser.new_context(timezone_id="Asia/Tokyo", locale="en-US")
    try:
        page = context.new_page()
        page.goto(f"{live_server}/p/{post_id}")
        # The first page knew no zone (UTC); its script kept the browser's in the tz cookie.
        cookies = {cookie["name"]: cookie["value"] for cookie in context.cookies()}
        assert cookies.get("tz") == "Asia/Tokyo"
        page.reload()
        card_time = page.locator(f'time[title="{_exact(WHEN, "Asia/Tokyo")}"]')
        assert card_time.count() >= 1
        # The footer's form, a plain form: choose German and send it.
        page.select_option("#footer-language", "de")
        page.get_by_role("button", name="Change language").click()
        page.wait_for_url(f"{live_server}/p/{post_id}")
        assert page.locator("html").get_attribute("lang") == "de"
        assert page.get_by_role("button", name="Sprache wechseln").is_visible()
        assert page.locator(f'time[title="{_exact(WHEN, "Asia/Tokyo", "de")}"]').count() >= 1
    finally:
        context.close()


@pytest.mark.browser
def test_the_german_settings_page_passes_axe(app, page, live_server):
    from tests.test_browser_pictures import axe_violations, sign_in

    make_user(app, "alice", locale="de", time_zone="Europe/Berlin")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server}/settings")
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.get_by_label("Zeitzone", exact=True).input_value() == "Europe/Berlin"
    assert page.locator("#locale").input_value() == "de"
    assert axe_violations(page) == []
