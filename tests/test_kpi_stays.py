"""The stays table (measurement.models.StateStay) the KPI dashboards read: it says what the
items' journal says, after every kind of write, and `kpi_rebuild` restores it when it does
not."""

import importlib
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from items import engine
from items.services import item_delete
from measurement.models import StateStay
from measurement.stays import StaysDifference, stays_difference
from projects.access import project_access
from tests.kpi_fixtures import *  # noqa: F403 -- the `world` fixture
from tests.kpi_fixtures import DEVELOPING, INTEGRATION, PRODUCTION, REVIEW, at, create, move

BACKFILL = importlib.import_module("measurement.migrations.0001_state_stays")


def stays_of(item_id: int) -> list[tuple]:
    """The item's stays in order: (state, entered, left, entered by a move, emergency)."""
    return list(
        StateStay.objects.filter(item_id=item_id)
        .order_by("entered_at", "entry_row")
        .values_list("state_id", "entered_at", "left_at", "moved", "emergency")
    )


def days(stay_seconds: float | None) -> float | None:
    return None if stay_seconds is None else round(stay_seconds / 86400, 6)


def test_moves_make_one_stay_per_state_entered_each_ended_by_the_next(team, world):
    a = world["a"]

    assert stays_of(a.pk) == [
        (DEVELOPING, at(0), at(1), False, False),
        (REVIEW, at(1), at(3), True, False),
        (INTEGRATION, at(3), at(4), True, False),
        (REVIEW, at(4), at(6), True, False),
        (INTEGRATION, at(6), at(10), True, False),
        (PRODUCTION, at(10), None, True, False),
    ]
    durations = StateStay.objects.filter(item_id=a.pk).order_by("entered_at")
    assert [days(s.seconds) for s in durations] == [1, 2, 1, 2, 4, None]
    assert stays_difference().none


def test_a_move_recomputes_the_items_stays_from_its_journal(team, world):
    item = create(team, world["hr"], "hotfix", at(50))
    StateStay.objects.filter(item_id=item.pk).update(emergency=True)  # wrong, then a move
    move(team, item, REVIEW, at(51))

    created, moved = StateStay.objects.filter(item_id=item.pk).order_by("entered_at")
    assert (created.from_state_id, created.moved, created.emergency) == (None, False, False)
    assert (moved.from_state_id, moved.moved, moved.state_id) == (DEVELOPING, True, REVIEW)
    assert stays_difference().none


def test_a_back_dated_move_splits_the_stay_it_falls_into(team, world):
    item = create(team, world["hr"], "imported", at(0))
    move(team, item, REVIEW, at(5))
    move(team, item, INTEGRATION, at(2))  # an import writes an older move after a newer one

    assert stays_of(item.pk) == [
        (DEVELOPING, at(0), at(2), False, False),
        (INTEGRATION, at(2), at(5), True, False),
        (REVIEW, at(5), None, True, False),
    ]
    assert stays_difference().none


def test_a_bulk_move_ends_the_stay_of_every_item_it_moves(team, world):
    items = [create(team, world["hr"], f"bulk {n}", at(60)) for n in range(3)]
    for item in items:
        item.refresh_from_db()

    engine.items_move_bulk(
        access=project_access(user=team.manager, code="HR"),
        versions={item.pk: item.version for item in items},
        to_status_id=REVIEW,
    )

    for item in items:
        first, second = stays_of(item.pk)
        assert (first[0], second[0]) == (DEVELOPING, REVIEW)
        assert first[2] == second[1]  # the bulk move's row ends one and begins the other
        assert second[2] is None
    assert stays_difference().none


def test_a_removed_items_stays_remain_the_last_one_ended_by_its_removal(team, world):
    e = world["hr"].items.get(change__title="E")
    access = project_access(user=team.manager, code="HR")
    item_delete(access=access, item_id=e.pk, expected_version=e.version)

    removal = type(e).history.get(id=e.pk, change_kind="removed").history_date
    assert stays_of(e.pk) == [(DEVELOPING, at(20), removal, False, False)]
    assert stays_difference().none


def test_a_stay_ends_exactly_when_the_next_row_begins_even_at_the_same_instant(team, world):
    item = create(team, world["hr"], "quick", at(70))
    move(team, item, REVIEW, at(70))  # the same timestamp: the journal's id breaks the tie

    assert stays_of(item.pk) == [
        (DEVELOPING, at(70), at(70), False, False),
        (REVIEW, at(70), None, True, False),
    ]
    assert stays_difference().none


def test_the_rebuild_command_restores_a_spoilt_table_and_proves_it(team, world):
    expected = sorted(StateStay.objects.values_list())
    StateStay.objects.filter(item_id=world["a"].pk, state_id=REVIEW).delete()
    StateStay.objects.filter(item_id=world["b"].pk).update(left_at=at(99))
    StateStay.objects.create(
        entry_row=10**9,
        item_id=world["a"].pk,
        project_id=team.project.pk,
        state_id=PRODUCTION,
        moved=True,
        emergency=False,
        entered_at=at(1),
    )
    # A's two stays in review gone; B's three stays changed; one stay nobody entered.
    assert stays_difference() == StaysDifference(missing=2 + 3, extra=3 + 1)

    with pytest.raises(CommandError, match="differs from the journal"):
        call_command("kpi_rebuild", "--check")
    call_command("kpi_rebuild")

    assert sorted(StateStay.objects.values_list()) == expected
    call_command("kpi_rebuild", "--check")


class _Editor:
    """What the migration's RunPython uses of its schema editor (a real one cannot open
    inside a test's transaction on SQLite)."""

    connection = connection

    def execute(self, sql: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql)


def test_the_migrations_backfill_computes_the_same_stays(team, world):
    expected = sorted(StateStay.objects.values_list())
    StateStay.objects.all().delete()

    BACKFILL.backfill(None, _Editor())

    assert sorted(StateStay.objects.values_list()) == expected


def test_the_dashboards_answers_come_from_the_stays_table(client, team, world):
    """Spoil the table and the time in state changes; rebuild it and the answer is back."""
    from measurement.flow_selectors import flow_time_in_state

    ids = [team.project.pk]
    before = flow_time_in_state(release_ids=ids).by_state[REVIEW]
    StateStay.objects.filter(item_id=world["a"].pk, state_id=REVIEW).update(
        seconds=timedelta(days=30).total_seconds()
    )
    assert flow_time_in_state(release_ids=ids).by_state[REVIEW] != before

    call_command("kpi_rebuild")

    assert flow_time_in_state(release_ids=ids).by_state[REVIEW] == before
