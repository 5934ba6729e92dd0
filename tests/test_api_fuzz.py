"""Generated requests from the OpenAPI document: never a 500, every answer as documented.

Every check schemathesis has is on. The document says exactly what the server accepts: a
request it calls valid is never refused for its shape, one it calls invalid is always refused.
Two kinds of refusal of valid requests remain, and the check below names each one:

- business rules the contract answers with 422 (following yourself, a reply to a comment of
  another post, an email address no mail server would take), which no schema can state;
- cursors: the document gives their alphabet, only the server knows which ones it made (400);
  so do the tokens of mailed links (400 ``invalid_token``).

The quick run (``EXAMPLES_QUICK`` per operation and mode) is in every pytest run; the full one
(at least ``FULL_CASES`` requests) is marked ``fuzz`` and run by ``make test-fuzz``.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi.checks import positive_data_acceptance

from app.extensions import limiter
from tests.conftest import api_as
from tests.test_api_comments import comment
from tests.test_api_posts import new_post

EXAMPLES_QUICK = 8
EXAMPLES_FULL = 80
FULL_CASES = 5000

# Business rules answered with 422 to a request the document calls valid: (operation, field).
BUSINESS_RULES = {
    ("POST /auth/register", "email"): "the address must be deliverable-looking (email-validator)",
    ("PATCH /me", "display_name"): "no invisible or look-alike characters (rules.py)",
    ("PATCH /me", "website"): "an http(s) address with a host name",
    ("PATCH /me", "time_zone"): "an IANA time zone name zoneinfo knows",
    ("PUT /users/{username}/follow", "username"): "following yourself",
    ("PUT /users/{username}/block", "username"): "blocking yourself",
    ("PUT /users/{username}/mute", "username"): "muting yourself",
    ("POST /conversations", "username"): "messaging yourself",
    ("POST /posts", "tags"): "at most 5 tags with the body's #tags",
    ("PATCH /posts/{post_id}", "tags"): "at most 5 tags with the body's #tags",
    ("POST /posts/{post_id}/comments", "parent_id"): "a reply to a comment of this post",
    ("POST /reports", "target_id"): "reporting yourself or your own writing",
    ("POST /me/2fa/totp/confirm", "code"): "the code the authenticator app shows now",
    ("DELETE /me/2fa/totp", "code"): "the code the authenticator app shows now",
    ("DELETE /me/2fa/totp", "password"): "your password",
    ("POST /me/2fa/recovery_codes", "code"): "the code the authenticator app shows now",
    ("POST /auth/login/2fa", "code"): "the code the authenticator app shows now",
    ("POST /me/passkeys", "credential"): "an authenticator's signed answer to our challenge",
    ("POST /media", "file"): "a real picture, read from its bytes (not its declared type)",
    ("POST /media", "alt"): "no control characters (the alt text is shown in pages)",
    ("PUT /me/avatar", "file"): "a real picture, read from its bytes (not its declared type)",
    ("POST /auth/password/forgot", "email"): "the address must be deliverable-looking",
    ("PATCH /me", "email"): "the address must be deliverable-looking",
    ("POST /me/password", "current_password"): "your password",
    ("DELETE /me", "password"): "your password",
    ("DELETE /me", "username"): "your username, typed to confirm (accounts without a password)",
    ("DELETE /me", "code"): "the code the authenticator app shows now",
}
CURSOR_REFUSED = "That cursor is not one this server made."
# Run last: they end the signed-in session the other requests use.
ENDING = ("/auth/logout_all", "/me/sessions/{session_id}")


@cache
def cursor_refusals() -> set[str]:
    """Return the cursor refusal in every language (a fuzzed PATCH /me may change the locale)."""
    from babel.support import Translations

    folder = Path(__file__).resolve().parents[1] / "app" / "translations"
    languages = [path.name for path in folder.iterdir() if path.is_dir()]
    return {CURSOR_REFUSED} | {
        Translations.load(str(folder), [language]).gettext(CURSOR_REFUSED) for language in languages
    }


def accepts_valid_data(ctx, response, case):
    """Valid data is accepted, but for the business rules and cursors named above."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except Failure:
        error = (response.json() or {}).get("error", {}) if response.content else {}
        label = f"{case.method.upper()} {case.path}"
        if response.status_code == 422 and all(
            (label, name) in BUSINESS_RULES for name in error.get("fields", {})
        ):
            return None
        if response.status_code == 400 and error.get("message") in cursor_refusals():
            return None
        if response.status_code == 400 and error.get("code") == "invalid_token":
            return None  # a mailed link's token: only the server knows the ones it made
        raise


def every_check():
    """Return every check schemathesis has, with valid-data acceptance as described above."""
    load_all_checks()
    checks = [check for check in CHECKS.get_all() if check is not positive_data_acceptance]
    return [*checks, accepts_valid_data]


@pytest.fixture
def token(app):
    """Sign a user in, with posts, a comment and a notification for the requests to find."""
    alice = api_as(app, "alice")
    bob = api_as(app, "bob")
    post = new_post(alice, "hello #python")
    new_post(bob, "python and rust")
    comment(bob, post["id"], "first")
    bob.call("PUT", "/users/alice/follow")
    # Thousands of requests from one user: the budgets are tested elsewhere (test_ratelimits).
    limiter.enabled = False
    yield alice.access_token
    limiter.enabled = True


def takes_input(operation) -> bool:
    """Tell whether an operation reads anything a request could get wrong."""
    definition = operation.definition.raw
    return bool(
        definition.get("parameters") or definition.get("requestBody") or definition.get("security")
    )


def fuzz(app, token: str, examples: int) -> Counter:
    """Send generated requests to every operation in both modes; return how many were sent."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    operations.sort(key=lambda operation: operation.path in ENDING)
    checks = every_check()
    sent: Counter = Counter()
    for operation in operations:
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
        if not takes_input(operation):
            # Nothing to get wrong: no body, parameter or token (POST /auth/passkey/options).
            modes.remove(GenerationMode.NEGATIVE)
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case) -> None:
                sent[case.operation.label] += 1
                case.call_and_validate(headers=headers, checks=checks)

            check()
    return sent


def test_generated_requests_are_answered_as_documented(app, token):
    sent = fuzz(app, token, EXAMPLES_QUICK)
    assert sum(sent.values()) > 300


@pytest.mark.fuzz
def test_thousands_of_generated_requests_are_answered_as_documented(app, token):
    sent = fuzz(app, token, EXAMPLES_FULL)
    assert sum(sent.values()) >= FULL_CASES, sent
