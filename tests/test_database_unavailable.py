"""While the database cannot be reached, pages answer a clean 503 that says so, never a 500.

The outage is simulated by making one database call raise what psycopg and its pool raise when
the server is down; the real outage (PostgreSQL stopped under load) is bench/faults.py's job.
"""

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client
from psycopg_pool import PoolTimeout

from items.models import ReleaseItem
from tests.conftest import Team

UNAVAILABLE = "The database is unavailable"
NOTHING_CHANGED = "nothing was changed"


def assert_clean_503(response) -> None:
    assert response.status_code == 503
    html = response.content.decode()
    assert UNAVAILABLE in html
    assert NOTHING_CHANGED in html
    assert "Traceback" not in html
    assert "OperationalError" not in html
    assert response["Retry-After"].isdigit()


def fail_with(error: Exception):
    def down(*args: object, **kwargs: object) -> None:
        raise error

    return down


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("connection to server at 127.0.0.1, port 5432 failed"),
        InterfaceError("connection already closed"),
        PoolTimeout("couldn't get a connection after 10.00 sec"),
    ],
    ids=["operational", "interface", "pool timeout"],
)
def test_a_page_whose_query_fails_answers_503(team: Team, monkeypatch, error) -> None:
    monkeypatch.setattr("items.views.board_columns_for_project", fail_with(error))

    response = team.client(team.developer).get("/projects/PAY/board/")

    assert_clean_503(response)


def test_losing_the_database_before_the_view_answers_503(team: Team, monkeypatch) -> None:
    client = team.client(team.developer)  # logged in while the database was up
    # The first query of a request loads the session's user, in middleware.
    monkeypatch.setattr(
        "django.contrib.auth.get_user", fail_with(OperationalError("server closed the connection"))
    )

    response = client.get("/projects/PAY/items/")

    assert_clean_503(response)


def test_a_move_cut_off_inside_its_transaction_answers_503_and_changes_nothing(
    team: Team, monkeypatch
) -> None:
    item = team.item()
    journal = ReleaseItem.history.filter(id=item.pk).count()
    client = team.client(team.developer)
    # After the row lock, before the write: the transaction is rolled back.
    monkeypatch.setattr(
        "items.engine.column_bottom_position",
        fail_with(OperationalError("server closed the connection unexpectedly")),
    )

    response = client.post(
        f"/projects/PAY/items/{item.number}/move/",
        {"version": item.version, "direction": "next", "origin": "board"},
    )

    assert_clean_503(response)
    fresh = ReleaseItem.objects.get(pk=item.pk)
    assert (fresh.status_id, fresh.version) == (item.status_id, item.version)
    assert ReleaseItem.history.filter(id=item.pk).count() == journal


def test_other_errors_are_not_disguised_as_503(team: Team, monkeypatch) -> None:
    monkeypatch.setattr("items.views.board_columns_for_project", fail_with(ValueError("bug")))
    client = Client(raise_request_exception=False)
    client.force_login(team.developer)

    response = client.get("/projects/PAY/board/")

    assert response.status_code == 500
