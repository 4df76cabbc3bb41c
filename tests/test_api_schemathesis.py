"""schemathesis against the served OpenAPI schema: generated requests to every operation, as
a release manager with a write token, never get a 5xx, and every answer (problems included)
matches the schema: its status, content type, headers and body; bad input is refused."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api_fixtures import *  # noqa: F403  (the fixtures)
from tests.conftest import Team

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 10  # bounded: the whole run stays well under a minute
# Every check but "schema-valid data is accepted": the schema cannot say every rule (a cursor
# the server made, a move past the last state, a state that is disabled), and those answer 400
# by design; that they answer a documented problem is checked.
SKIPPED_CHECKS = [positive_data_acceptance]


@pytest.fixture
def wsgi_app(settings):
    """The project's WSGI handler in this thread, on the test's connection and transaction
    (as Django's test client does: no connection closing between requests)."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.API_RATE_PER_MINUTE = 100_000  # the rate limit has its own test
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_every_operation_answers_within_its_schema_and_never_with_a_5xx(
    team: Team, tokens: dict[str, str], wsgi_app: WSGIHandler
) -> None:
    team.item(number=1, title="Limit card payments")
    headers = {"Authorization": f"Bearer {tokens['manager']}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app, headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_within_schema(case) -> None:
            case.call_and_validate(headers=headers, excluded_checks=SKIPPED_CHECKS)

        answers_within_schema()
