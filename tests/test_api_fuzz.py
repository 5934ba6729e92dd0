"""Generated requests from the OpenAPI document: never a 500, every answer as documented."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import api_as
from tests.test_api_comments import comment
from tests.test_api_posts import new_post

# Examples per operation and mode: enough to reach odd values, bounded so the run stays short.
EXAMPLES = 10
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def token(app) -> str:
    """Sign a user in, with posts, a comment and a notification for the requests to find."""
    alice = api_as(app, "alice")
    bob = api_as(app, "bob")
    post = new_post(alice, "hello #python")
    new_post(bob, "python and rust")
    comment(bob, post["id"], "first")
    bob.call("PUT", "/users/alice/follow")
    return alice.access_token


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_generated_requests_never_fail(app, token, mode):
    # The schema is read from the app that serves it (not schemathesis' pytest plugin, whose
    # lazy fixtures do not run under pytest 9), then each operation is fuzzed on its own.
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
