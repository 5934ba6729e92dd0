"""Names and bios cannot impersonate: no direction overrides, no invisible characters.

One rule (app/accounts/rules.py) for the settings page, the API and the CLI.
"""

from __future__ import annotations

import pytest

from app.accounts import rules
from tests.conftest import PASSWORD, Api, Auth, csrf_token, make_user

# What each of these looks like is not what it is.
BAD_NAMES = {
    "rlo": "admin\u202egnp.exe",
    "lre": "\u202aAlice",
    "rle": "Alice\u202b",
    "pdf": "Al\u202cice",
    "lro": "\u202dAlice",
    "lri": "\u2066Alice\u2069",
    "rli": "\u2067Alice",
    "fsi": "\u2068Alice",
    "pdi": "Alice\u2069",
    "lrm": "Alice\u200e",
    "rlm": "\u200fAlice",
    "alm": "Alice\u061c",
    "zwsp": "ad\u200bmin",
    "zwnj-ascii": "ad\u200cmin",
    "zwj-ascii": "ad\u200dmin",
    "word-joiner": "ad\u2060min",
    "invisible-times": "ad\u2062min",
    "bom": "\ufeffadmin",
    "mongolian-vs": "ad\u180emin",
    "vs-after-ascii": "ad\ufe0fmin",
    "fvs-after-ascii": "ad\u180bmin",
    "hangul-filler": "\u3164",
    "hangul-choseong-filler": "\u115f\u115f",
    "hangul-jungseong-filler": "a\u1160",
    "halfwidth-hangul-filler": "\uffa0admin",
    "braille-blank": "\u2800",
    "tag": "admin\U000e0041",
    "cancel-tag": "admin\U000e007f",
    "vs-alone": "\ufe0f",
    "vs-after-space": "Alice \ufe0f",
    "soft-hyphen": "ad\u00admin",
    "nbsp": "Alice\u00a0Admin",
    "ideographic-space": "Alice\u3000Admin",
    "em-space": "Alice\u2003Admin",
    "newline": "Alice\nAdmin",
    "tab": "Alice\tAdmin",
    "line-separator": "Alice\u2028Admin",
    "combining-only": "\u0301\u0301",
    "interlinear": "a\ufff9b",
}
GOOD_NAMES = [
    "Alice A.",
    "Zoë O'Brien",
    "José-María",
    "李小龍",
    "محمد علی",
    "نیم\u200cفاصله",  # noqa: RUF001  (Persian: a non-joiner between letters is spelling)
    "Ada 👩\u200d💻",  # an emoji ZWJ sequence
    "❤\ufe0f Rust",  # an emoji presentation selector after its base
    "Ω-3",
    "Team #\ufe0f\u20e3 1\ufe0f\u20e3",  # keycaps
]


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_display_names_refuse_invisible_and_direction_characters(name):
    errors: rules.FieldErrors = {}
    rules.check_display_name(name, errors)
    assert errors.get("display_name"), repr(name)


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_display_names_in_every_script_are_kept(name):
    errors: rules.FieldErrors = {}
    assert rules.check_display_name(name, errors) == name
    assert errors == {}


@pytest.mark.parametrize(
    "text", ["Hi \u202eevil", "\u2066isolated\u2069", "x\u202ay", "x\u2067y", "x\u202dy"]
)
@pytest.mark.parametrize("field", ["bio", "location"])
def test_bios_and_locations_refuse_direction_overrides(field, text):
    errors: rules.FieldErrors = {}
    rules.check_profile_text(field, text, 500, errors)
    assert errors.get(field)


@pytest.mark.parametrize(
    "text",
    [
        "Rust and tea.\nSecond line.",
        "مرحبا\u200f (Cairo)",  # a right-to-left mark is fine in a bio
        "Family 👨\u200d👩\u200d👧",
        "نیم\u200cفاصله",  # noqa: RUF001
    ],
)
def test_bios_keep_ordinary_text_in_any_direction(text):
    errors: rules.FieldErrors = {}
    assert rules.check_profile_text("bio", text, 500, errors) == text
    assert errors == {}


def test_the_api_refuses_them_and_changes_nothing(app):
    make_user(app)
    api = Api(app.test_client())
    api.login()
    for payload, field in (
        ({"display_name": "admin\u202egnp.exe"}, "display_name"),
        ({"display_name": "ad\u200bmin"}, "display_name"),
        ({"bio": "hello \u202eworld"}, "bio"),
        ({"location": "\u2066Paris\u2069"}, "location"),
    ):
        response = api.call("PATCH", "/me", {"bio": "kept", **payload})
        assert response.status_code == 422
        error = response.get_json()["error"]
        assert field in error["fields"]
        assert "direction" in " ".join(error["fields"][field]) or "invisible" in " ".join(
            error["fields"][field]
        )
    me = api.call("GET", "/me").get_json()
    assert me["display_name"] == "alice" and me["bio"] == ""


def test_the_settings_page_refuses_them_next_to_the_field(app, client):
    make_user(app)
    Auth(client).login()
    token = csrf_token(client, "/settings")
    response = client.post(
        "/settings/profile",
        data={
            "display_name": "ad\u200bmin",
            "bio": "",
            "location": "",
            "website": "",
            "dm_policy": "everyone",
            "csrf_token": token,
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "invisible" in response.text and 'aria-invalid="true"' in response.text


def test_the_cli_refuses_them(runner, app):
    result = runner.invoke(
        args=[
            "create-user",
            "mallory",
            "--email",
            "m@example.com",
            "--password",
            PASSWORD,
            "--display-name",
            "admin\u202e",
        ]
    )
    assert result.exit_code != 0
    assert "display_name" in result.output
    result = runner.invoke(
        args=[
            "create-user",
            "mallory",
            "--email",
            "m@example.com",
            "--password",
            PASSWORD,
            "--display-name",
            "Mallory M.",
        ]
    )
    assert result.exit_code == 0, result.output
