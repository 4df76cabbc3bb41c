"""The status engine: every allowed move, every refusal (with nothing written), the journal."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from approvals.selectors import REAPPROVAL
from items import engine
from items.models import Change, ReleaseItem, ReleaseStatus
from items.policy import REOPENED
from items.services import item_update
from journal.models import ChangeKind
from qa import services as qa_services
from qa.gates import NEEDS_ACCEPTANCE, NEEDS_SIGNOFF
from qa.models import TestCase
from tests.conftest import Team
from tests.factories import ItemFactory, ProjectFactory
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.governance_fixtures import (
    DEVELOPING,
    FLOW,
    PRODUCTION,
    TO_BE_CLOSED,
    item_in,
    move,
    satisfy_gates,
    sign_off_and_accept,
    vote,
)

History = ReleaseItem.history.model

pytestmark = pytest.mark.django_db


def snapshot(*items: ReleaseItem) -> dict[int, tuple[int, int, int]]:
    rows = ReleaseItem.objects.filter(pk__in=[i.pk for i in items])
    return {row.pk: (row.status_id, row.version, row.position) for row in rows}


@contextmanager
def nothing_written(*items: ReleaseItem) -> Iterator[None]:
    """The block changes no item's state, version or position and adds no journal row."""
    before, rows_before = snapshot(*items), History.objects.count()
    yield
    assert snapshot(*items) == before
    assert History.objects.count() == rows_before


def assert_refused(
    excinfo: pytest.ExceptionInfo, error: type[engine.EngineError], status: int, message: str
) -> None:
    assert type(excinfo.value) is error
    assert excinfo.value.status_code == status
    assert excinfo.value.message == message
    assert str(excinfo.value) == message


def state(states: list[ReleaseStatus], state_id: int) -> ReleaseStatus:
    return next(s for s in states if s.id == state_id)


def disable(status: ReleaseStatus) -> None:
    status.enabled = False
    status.save()


def moves(item: ReleaseItem) -> list:
    return list(History.objects.filter(id=item.pk, change_kind=ChangeKind.MOVED))


# Allowed moves ----------------------------------------------------------------------------


@pytest.mark.parametrize("index", range(7))
def test_right_arrow_moves_the_item_to_the_next_state(team: Team, states, index):
    item = team.item(status=states[index])
    moved = engine.item_move(
        access=team.access(team.developer),
        item_id=item.pk,
        expected_version=item.version,
        direction="next",
    )
    item.refresh_from_db()
    assert item.status == moved.status == states[index + 1]
    assert item.version == 2


@pytest.mark.parametrize("index", range(1, 8))
def test_left_arrow_moves_the_item_to_the_previous_state(team: Team, states, index):
    item = team.item(status=states[index])
    engine.item_move(
        access=team.access(team.qa),
        item_id=item.pk,
        expected_version=item.version,
        direction="prev",
    )
    item.refresh_from_db()
    assert item.status == states[index - 1]
    assert item.version == 2


@pytest.mark.parametrize("index", range(1, 8))
def test_release_manager_may_set_any_enabled_state(team: Team, states, index):
    item = team.item(status=states[0])
    engine.item_move(
        access=team.access(team.manager),
        item_id=item.pk,
        expected_version=item.version,
        to_status_id=states[index].id,
    )
    item.refresh_from_db()
    assert item.status == states[index]


def test_release_manager_may_set_an_earlier_state(team: Team, states):
    item = team.item(status=states[7])
    engine.item_move(
        access=team.access(team.manager),
        item_id=item.pk,
        expected_version=item.version,
        to_status_id=states[2].id,
    )
    item.refresh_from_db()
    assert item.status == states[2]


def test_superuser_who_is_not_a_member_may_set_any_state(team: Team, states):
    item = team.item(status=states[0])
    engine.item_move(
        access=team.access(team.admin),
        item_id=item.pk,
        expected_version=item.version,
        to_status_id=states[5].id,
    )
    item.refresh_from_db()
    assert item.status == states[5]


def test_right_arrow_skips_a_disabled_state(team: Team, states):
    disable(state(states, 4540))
    item = team.item(status=state(states, 4500))
    engine.item_move(
        access=team.access(team.developer),
        item_id=item.pk,
        expected_version=item.version,
        direction="next",
    )
    item.refresh_from_db()
    assert item.status_id == 4550


def test_left_arrow_skips_a_disabled_state(team: Team, states):
    disable(state(states, 4540))
    item = team.item(status=state(states, 4550))
    engine.item_move(
        access=team.access(team.developer),
        item_id=item.pk,
        expected_version=item.version,
        direction="prev",
    )
    item.refresh_from_db()
    assert item.status_id == 4500


def test_arrows_skip_several_disabled_states_in_a_row(team: Team, states):
    for state_id in (4550, 4560, 4570):
        disable(state(states, state_id))
    item = team.item(status=state(states, 4540))
    access = team.access(team.developer)
    engine.item_move(access=access, item_id=item.pk, expected_version=1, direction="next")
    item.refresh_from_db()
    assert item.status_id == 4585
    engine.item_move(access=access, item_id=item.pk, expected_version=2, direction="prev")
    item.refresh_from_db()
    assert item.status_id == 4540


def test_moved_item_goes_to_the_bottom_of_its_new_column(team: Team, states):
    team.item(status=states[1], position=70)
    item = team.item(status=states[0], position=10)
    engine.item_move(
        access=team.access(team.developer),
        item_id=item.pk,
        expected_version=item.version,
        direction="next",
    )
    item.refresh_from_db()
    assert item.position == 80


def test_move_into_an_empty_column_gets_the_first_position(team: Team, states):
    item = team.item(status=states[0], position=50)
    engine.item_move(
        access=team.access(team.developer),
        item_id=item.pk,
        expected_version=item.version,
        direction="next",
    )
    item.refresh_from_db()
    assert item.position == engine.POSITION_STEP


def test_item_in_a_disabled_state_can_be_rescued_by_a_release_manager(team: Team, states):
    item = team.item(status=state(states, 4550))
    disable(state(states, 4550))  # bypasses full_clean, as an import could
    engine.item_move(
        access=team.access(team.manager),
        item_id=item.pk,
        expected_version=item.version,
        to_status_id=4540,
    )
    item.refresh_from_db()
    assert item.status_id == 4540


# The journal ------------------------------------------------------------------------------


def test_move_writes_one_journal_row_with_from_to_actor_and_comment(team: Team, states):
    item = team.item(status=states[2])
    rows_before = History.objects.count()
    engine.item_move(
        access=team.access(team.developer),
        item_id=item.pk,
        expected_version=item.version,
        direction="next",
        comment="  Integrated on staging  ",
    )
    assert History.objects.count() == rows_before + 1
    row = History.objects.filter(id=item.pk).latest("history_id")
    assert row.change_kind == ChangeKind.MOVED
    assert row.history_type == "~"
    assert row.from_status_id == states[2].id
    assert row.status_id == states[3].id
    assert row.history_user == team.developer
    assert row.history_change_reason == "Integrated on staging"
    assert row.version == 2


def test_move_to_a_chosen_state_journals_from_and_to(team: Team, states):
    item = team.item(status=states[1])
    engine.item_move(
        access=team.access(team.manager),
        item_id=item.pk,
        expected_version=item.version,
        to_status_id=states[6].id,
        comment="Hotfix",
    )
    [row] = moves(item)
    assert (row.from_status_id, row.status_id) == (states[1].id, states[6].id)
    assert row.history_user == team.manager
    assert row.history_change_reason == "Hotfix"


def test_a_back_dated_move_keeps_its_date(team: Team, states):
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    item = team.item(status=states[0])
    engine.item_move(
        access=team.access(team.manager),
        item_id=item.pk,
        expected_version=item.version,
        direction="next",
        at=when,
    )
    [row] = moves(item)
    assert row.history_date == when


def test_successive_moves_form_a_chain_in_the_journal(team: Team, states):
    item = team.item(status=states[0])
    access = team.access(team.developer)
    for version, direction in enumerate(["next", "next", "prev", "next"], start=1):
        engine.item_move(
            access=access, item_id=item.pk, expected_version=version, direction=direction
        )
    rows = sorted(moves(item), key=lambda r: r.history_id)
    assert [(r.from_status_id, r.status_id) for r in rows] == [
        (4500, 4540),
        (4540, 4550),
        (4550, 4540),
        (4540, 4550),
    ]


def test_no_op_move_to_the_current_state_writes_nothing(team: Team, states):
    item = team.item(status=states[3])
    with nothing_written(item):
        returned = engine.item_move(
            access=team.access(team.manager),
            item_id=item.pk,
            expected_version=item.version,
            to_status_id=states[3].id,
        )
    assert returned.version == item.version


# Refusals: nothing is written -------------------------------------------------------------


def test_right_arrow_on_last_state_is_refused(team: Team, states):
    item = team.item(status=states[7])
    with nothing_written(item), pytest.raises(engine.EngineError) as excinfo:
        engine.item_move(
            access=team.access(team.developer),
            item_id=item.pk,
            expected_version=item.version,
            direction="next",
        )
    assert_refused(
        excinfo, engine.EngineError, 400, engine.PAST_LAST.format(key=item.key, state="7 - Closed")
    )


def test_right_arrow_before_a_disabled_last_state_is_refused(team: Team, states):
    disable(state(states, 4595))
    item = team.item(status=state(states, 4590))
    with nothing_written(item), pytest.raises(engine.EngineError) as excinfo:
        engine.item_move(
            access=team.access(team.developer),
            item_id=item.pk,
            expected_version=item.version,
            direction="next",
        )
    assert_refused(
        excinfo,
        engine.EngineError,
        400,
        engine.PAST_LAST.format(key=item.key, state="6 - Ready to be closed"),
    )


def test_left_arrow_on_first_state_is_refused(team: Team, states):
    item = team.item(status=states[0])
    with nothing_written(item), pytest.raises(engine.EngineError) as excinfo:
        engine.item_move(
            access=team.access(team.developer),
            item_id=item.pk,
            expected_version=item.version,
            direction="prev",
        )
    assert_refused(
        excinfo,
        engine.EngineError,
        400,
        engine.PAST_FIRST.format(key=item.key, state="0 - Developing"),
    )


def test_left_arrow_after_a_disabled_first_state_is_refused(team: Team, states):
    disable(state(states, 4500))
    item = team.item(status=state(states, 4540))
    with nothing_written(item), pytest.raises(engine.EngineError) as excinfo:
        engine.item_move(
            access=team.access(team.developer),
            item_id=item.pk,
            expected_version=item.version,
            direction="prev",
        )
    assert_refused(
        excinfo,
        engine.EngineError,
        400,
        engine.PAST_FIRST.format(key=item.key, state="1 - Ready for Review"),
    )


def test_setting_a_disabled_state_is_refused(team: Team, states):
    disable(state(states, 4560))
    item = team.item(status=states[0])
    with nothing_written(item), pytest.raises(engine.EngineError) as excinfo:
        engine.item_move(
            access=team.access(team.manager),
            item_id=item.pk,
            expected_version=item.version,
            to_status_id=4560,
        )
    assert_refused(
        excinfo,
        engine.EngineError,
        400,
        engine.DISABLED_STATE.format(state="3 - Ready for Integration Test"),
    )


def test_setting_an_unknown_state_id_is_refused(team: Team, states):
    item = team.item(status=states[0])
    with nothing_written(item), pytest.raises(engine.EngineError) as excinfo:
        engine.item_move(
            access=team.access(team.manager),
            item_id=item.pk,
            expected_version=item.version,
            to_status_id=9999,
        )
    assert_refused(excinfo, engine.EngineError, 400, engine.UNKNOWN_STATE.format(state_id=9999))


@pytest.mark.parametrize("direction", ["next", "prev"])
def test_arrows_on_an_item_in_a_disabled_state_are_refused(team: Team, states, direction):
    item = team.item(status=state(states, 4550))
    disable(state(states, 4550))
    with nothing_written(item), pytest.raises(engine.EngineError) as excinfo:
        engine.item_move(
            access=team.access(team.manager),
            item_id=item.pk,
            expected_version=item.version,
            direction=direction,
        )
    assert_refused(
        excinfo,
        engine.EngineError,
        400,
        engine.CURRENT_STATE_DISABLED.format(key=item.key, state="2 - Ready for Integration"),
    )


@pytest.mark.parametrize("direction", ["sideways", "", None])
def test_an_unknown_direction_is_refused(team: Team, states, direction):
    item = team.item(status=states[2])
    with nothing_written(item), pytest.raises(engine.EngineError) as excinfo:
        engine.item_move(
            access=team.access(team.developer),
            item_id=item.pk,
            expected_version=item.version,
            direction=direction,
        )
    assert_refused(
        excinfo, engine.EngineError, 400, engine.BAD_DIRECTION.format(direction=direction)
    )


def test_an_item_of_another_project_is_not_found(team: Team, states):
    other = ItemFactory(project=ProjectFactory(code="CRM"), status=states[0])
    with nothing_written(other), pytest.raises(engine.EngineError) as excinfo:
        engine.item_move(
            access=team.access(team.manager),
            item_id=other.pk,
            expected_version=other.version,
            direction="next",
        )
    assert_refused(excinfo, engine.ItemNotFound, 404, engine.ITEM_NOT_FOUND.format(code="PAY"))


def test_an_item_id_that_does_not_exist_is_not_found(team: Team, states):
    with pytest.raises(engine.EngineError) as excinfo:
        engine.item_move(
            access=team.access(team.manager),
            item_id=987654,
            expected_version=1,
            direction="next",
        )
    assert_refused(excinfo, engine.ItemNotFound, 404, engine.ITEM_NOT_FOUND.format(code="PAY"))


@pytest.mark.parametrize("role", ["viewer", "approver"])
@pytest.mark.parametrize("direction", ["next", "prev"])
def test_read_only_members_may_not_use_the_arrows(team: Team, states, role, direction):
    item = team.item(status=states[3])
    with nothing_written(item), pytest.raises(engine.EngineError) as excinfo:
        engine.item_move(
            access=team.access(getattr(team, role)),
            item_id=item.pk,
            expected_version=item.version,
            direction=direction,
        )
    assert_refused(excinfo, engine.MoveNotAllowed, 403, engine.NO_RIGHT_TO_MOVE.format(code="PAY"))


@pytest.mark.parametrize("role", ["viewer", "approver"])
def test_read_only_members_may_not_set_a_state(team: Team, states, role):
    item = team.item(status=states[3])
    with nothing_written(item), pytest.raises(engine.EngineError) as excinfo:
        engine.item_move(
            access=team.access(getattr(team, role)),
            item_id=item.pk,
            expected_version=item.version,
            to_status_id=states[5].id,
        )
    assert_refused(excinfo, engine.MoveNotAllowed, 403, engine.NO_RIGHT_TO_MOVE.format(code="PAY"))


@pytest.mark.parametrize("role", ["developer", "qa"])
def test_developers_and_testers_may_not_choose_a_state(team: Team, states, role):
    item = team.item(status=states[0])
    with nothing_written(item), pytest.raises(engine.EngineError) as excinfo:
        engine.item_move(
            access=team.access(getattr(team, role)),
            item_id=item.pk,
            expected_version=item.version,
            to_status_id=states[1].id,
        )
    assert_refused(excinfo, engine.MoveNotAllowed, 403, engine.NO_RIGHT_TO_SET_STATE)


@pytest.mark.parametrize("stale_version", [0, 2])
def test_a_move_with_a_stale_version_is_refused(team: Team, states, stale_version):
    item = team.item(status=states[2])
    with nothing_written(item), pytest.raises(engine.EngineError) as excinfo:
        engine.item_move(
            access=team.access(team.developer),
            item_id=item.pk,
            expected_version=stale_version,
            direction="next",
        )
    assert_refused(excinfo, engine.StaleItem, 409, engine.STALE.format(key=item.key))


def test_the_second_of_two_moves_from_the_same_page_is_stale(team: Team, states):
    item = team.item(status=states[2])
    access = team.access(team.developer)
    engine.item_move(access=access, item_id=item.pk, expected_version=1, direction="next")
    with nothing_written(item), pytest.raises(engine.EngineError) as excinfo:
        engine.item_move(access=access, item_id=item.pk, expected_version=1, direction="prev")
    assert_refused(excinfo, engine.StaleItem, 409, engine.STALE.format(key=item.key))
    item.refresh_from_db()
    assert item.status == states[3]


def test_new_item_when_no_state_is_enabled_is_refused(states):
    for status in states:
        disable(status)
    with pytest.raises(engine.EngineError) as excinfo:
        engine.first_enabled_state()
    assert_refused(excinfo, engine.EngineError, 400, engine.NO_STATE_ENABLED)


# neighbour_states ---------------------------------------------------------------------------


def test_neighbour_states_are_none_at_both_ends(states):
    assert engine.neighbour_states(state_id=4500, states=states) == (None, states[1])
    assert engine.neighbour_states(state_id=4595, states=states) == (states[6], None)


def test_a_disabled_state_has_no_neighbours(states):
    disable(states[3])
    assert engine.neighbour_states(state_id=states[3].id, states=states) == (None, None)


# Reorder ----------------------------------------------------------------------------------


@pytest.fixture
def column(team: Team, states) -> list[ReleaseItem]:
    """Three items in the first state at positions 10, 20, 30 (top to bottom)."""
    return [
        team.item(status=states[0], number=number, position=number * 10) for number in (1, 2, 3)
    ]


def positions(*items: ReleaseItem) -> list[int]:
    for item in items:
        item.refresh_from_db()
    return [item.position for item in items]


def test_up_arrow_swaps_the_item_with_the_one_above(team: Team, column):
    top, middle, bottom = column
    engine.item_reorder(
        access=team.access(team.developer), item_id=middle.pk, expected_version=1, shift="up"
    )
    assert positions(top, middle, bottom) == [20, 10, 30]
    assert (top.version, middle.version, bottom.version) == (2, 2, 1)


def test_down_arrow_swaps_the_item_with_the_one_below(team: Team, column):
    top, middle, bottom = column
    engine.item_reorder(
        access=team.access(team.qa), item_id=middle.pk, expected_version=1, shift="down"
    )
    assert positions(top, middle, bottom) == [10, 30, 20]
    assert (top.version, middle.version, bottom.version) == (1, 2, 2)


def test_reorder_journals_both_items(team: Team, column):
    top, middle, _bottom = column
    rows_before = History.objects.count()
    engine.item_reorder(
        access=team.access(team.developer),
        item_id=middle.pk,
        expected_version=1,
        shift="up",
        comment=" Urgent first ",
    )
    assert History.objects.count() == rows_before + 2
    mine = History.objects.filter(id=middle.pk).latest("history_id")
    neighbour = History.objects.filter(id=top.pk).latest("history_id")
    for row in (mine, neighbour):
        assert row.change_kind == ChangeKind.REORDERED
        assert row.history_user == team.developer
        assert row.from_status_id is None
    assert mine.history_change_reason == "Urgent first"
    assert neighbour.history_change_reason == "Reordered with PAY-2"
    assert (mine.position, neighbour.position) == (10, 20)


def test_reorder_breaks_a_tie_of_equal_positions(team: Team, states):
    first = team.item(status=states[0], number=1, position=10)
    second = team.item(status=states[0], number=2, position=10)
    engine.item_reorder(
        access=team.access(team.developer), item_id=second.pk, expected_version=1, shift="up"
    )
    first_position, second_position = positions(first, second)
    assert second_position < first_position


def test_reorder_stays_within_the_column(team: Team, states, column):
    elsewhere = team.item(status=states[1], number=9, position=5)
    top, middle, bottom = column
    engine.item_reorder(
        access=team.access(team.developer), item_id=top.pk, expected_version=1, shift="down"
    )
    assert positions(top, middle, bottom, elsewhere) == [20, 10, 30, 5]


def test_up_arrow_on_the_top_item_is_refused(team: Team, column):
    top = column[0]
    with nothing_written(*column), pytest.raises(engine.EngineError) as excinfo:
        engine.item_reorder(
            access=team.access(team.developer), item_id=top.pk, expected_version=1, shift="up"
        )
    assert_refused(excinfo, engine.EngineError, 400, engine.ALREADY_TOP.format(key="PAY-1"))


def test_down_arrow_on_the_bottom_item_is_refused(team: Team, column):
    bottom = column[2]
    with nothing_written(*column), pytest.raises(engine.EngineError) as excinfo:
        engine.item_reorder(
            access=team.access(team.developer), item_id=bottom.pk, expected_version=1, shift="down"
        )
    assert_refused(excinfo, engine.EngineError, 400, engine.ALREADY_BOTTOM.format(key="PAY-3"))


def test_reorder_with_a_stale_version_is_refused(team: Team, column):
    middle = column[1]
    with nothing_written(*column), pytest.raises(engine.EngineError) as excinfo:
        engine.item_reorder(
            access=team.access(team.developer), item_id=middle.pk, expected_version=7, shift="up"
        )
    assert_refused(excinfo, engine.StaleItem, 409, engine.STALE.format(key="PAY-2"))


@pytest.mark.parametrize("role", ["viewer", "approver"])
def test_read_only_members_may_not_reorder(team: Team, column, role):
    middle = column[1]
    with nothing_written(*column), pytest.raises(engine.EngineError) as excinfo:
        engine.item_reorder(
            access=team.access(getattr(team, role)),
            item_id=middle.pk,
            expected_version=1,
            shift="up",
        )
    assert_refused(excinfo, engine.MoveNotAllowed, 403, engine.NO_RIGHT_TO_MOVE.format(code="PAY"))


def test_reorder_with_an_unknown_shift_is_refused(team: Team, column):
    middle = column[1]
    with nothing_written(*column), pytest.raises(engine.EngineError) as excinfo:
        engine.item_reorder(
            access=team.access(team.developer),
            item_id=middle.pk,
            expected_version=1,
            shift="left",
        )
    assert_refused(excinfo, engine.EngineError, 400, engine.BAD_DIRECTION.format(direction="left"))


def test_reorder_of_an_item_of_another_project_is_not_found(team: Team, states, column):
    other = ItemFactory(project=ProjectFactory(code="CRM"), status=states[0])
    with nothing_written(other, *column), pytest.raises(engine.EngineError) as excinfo:
        engine.item_reorder(
            access=team.access(team.manager), item_id=other.pk, expected_version=1, shift="up"
        )
    assert_refused(excinfo, engine.ItemNotFound, 404, engine.ITEM_NOT_FOUND.format(code="PAY"))


# Bulk moves -------------------------------------------------------------------------------


def test_bulk_move_sets_the_state_of_every_selected_item(team: Team, states):
    items = [team.item(status=states[i]) for i in (0, 2, 5)]
    moved = engine.items_move_bulk(
        access=team.access(team.manager),
        versions={item.pk: item.version for item in items},
        to_status_id=states[4].id,
        comment="Release candidate",
    )
    assert sorted(m.pk for m in moved) == sorted(i.pk for i in items)
    for item, from_index in zip(items, (0, 2, 5), strict=True):
        item.refresh_from_db()
        assert item.status == states[4]
        [row] = moves(item)
        assert (row.from_status_id, row.status_id) == (states[from_index].id, states[4].id)
        assert row.history_change_reason == "Release candidate"
        assert row.history_user == team.manager


def test_bulk_move_skips_items_already_in_the_state(team: Team, states):
    already, other = team.item(status=states[4]), team.item(status=states[0])
    engine.items_move_bulk(
        access=team.access(team.manager),
        versions={already.pk: already.version, other.pk: other.version},
        to_status_id=states[4].id,
    )
    assert moves(already) == []
    assert len(moves(other)) == 1


def test_bulk_move_with_one_stale_item_moves_none(team: Team, states):
    items = [team.item(status=states[0]) for _ in range(3)]
    versions = {item.pk: item.version for item in items}
    stale = max(versions)  # the last in lock order: the others were already moved
    versions[stale] = 99
    with nothing_written(*items), pytest.raises(engine.EngineError) as excinfo:
        engine.items_move_bulk(
            access=team.access(team.manager), versions=versions, to_status_id=states[3].id
        )
    stale_item = next(i for i in items if i.pk == stale)
    assert_refused(excinfo, engine.StaleItem, 409, engine.STALE.format(key=stale_item.key))


def test_bulk_move_with_an_item_of_another_project_moves_none(team: Team, states):
    items = [team.item(status=states[0]) for _ in range(2)]
    foreign = ItemFactory(project=ProjectFactory(code="CRM"), status=states[0])
    versions = {item.pk: item.version for item in [*items, foreign]}
    with nothing_written(foreign, *items), pytest.raises(engine.EngineError) as excinfo:
        engine.items_move_bulk(
            access=team.access(team.manager), versions=versions, to_status_id=states[3].id
        )
    assert_refused(excinfo, engine.ItemNotFound, 404, engine.ITEM_NOT_FOUND.format(code="PAY"))


def test_bulk_move_into_a_disabled_state_moves_none(team: Team, states):
    disable(states[3])
    items = [team.item(status=states[0]) for _ in range(2)]
    with nothing_written(*items), pytest.raises(engine.EngineError) as excinfo:
        engine.items_move_bulk(
            access=team.access(team.manager),
            versions={item.pk: item.version for item in items},
            to_status_id=states[3].id,
        )
    assert_refused(
        excinfo, engine.EngineError, 400, engine.DISABLED_STATE.format(state=states[3].name)
    )


def test_bulk_move_by_a_developer_is_refused(team: Team, states):
    items = [team.item(status=states[0]) for _ in range(2)]
    with nothing_written(*items), pytest.raises(engine.EngineError) as excinfo:
        engine.items_move_bulk(
            access=team.access(team.developer),
            versions={item.pk: item.version for item in items},
            to_status_id=states[3].id,
        )
    assert_refused(excinfo, engine.MoveNotAllowed, 403, engine.NO_RIGHT_TO_SET_STATE)


def test_bulk_move_with_nothing_selected_is_refused(team: Team, states):
    with pytest.raises(engine.EngineError) as excinfo:
        engine.items_move_bulk(
            access=team.access(team.manager), versions={}, to_status_id=states[3].id
        )
    assert_refused(excinfo, engine.EngineError, 400, engine.NOTHING_SELECTED)


# --- An edit after sign-off reopens the gates ---------------------------------------------------


def _walk_to_production(team: Team) -> ReleaseItem:
    item = item_in(team, FLOW[0])
    for target in FLOW[1 : FLOW.index(PRODUCTION) + 1]:
        item.refresh_from_db()
        satisfy_gates(team, item, target)
        mover = team.qa if target in (FLOW[4], PRODUCTION) else team.developer
        item = move(team, mover, item, direction="next")
    item.refresh_from_db()
    assert item.status_id == PRODUCTION
    return item


def _edit(team: Team, item: ReleaseItem, **fields: object) -> ReleaseItem:
    item.refresh_from_db()
    return item_update(
        access=team.access(team.developer),
        item_id=item.pk,
        expected_version=item.version,
        fields=fields,
    )


@pytest.mark.django_db
def test_an_edit_after_signoff_reopens_the_gates_until_re_approved_and_re_tested(
    team: Team, rules
) -> None:

    item = _walk_to_production(team)

    edited = _edit(team, item, title="Raise the limit to 2,000")

    assert edited.needs_reapproval is True
    row = ReleaseItem.history.filter(id=item.pk).latest("history_date")
    assert row.history_change_reason == engine.EDITED_AFTER_SIGNOFF
    with pytest.raises(engine.MoveNotAllowed) as refused:
        move(team, team.manager, item, direction="next")
    message = refused.value.message
    for reason in (REOPENED, NEEDS_SIGNOFF, NEEDS_ACCEPTANCE, "approval"):
        assert reason in message
    assert "re-run" in message or "not passing" in message
    board = team.client(team.viewer).get("/projects/PAY/board/").text
    assert REOPENED.capitalize() in board
    page = team.client(team.viewer).get(f"/projects/PAY/items/{item.number}/").text
    assert "Edited after sign-off" in page
    assert "needs re-approval and re-test" in page

    # Re-approved and re-tested in the new round: it moves on, and the flag is gone.
    vote(team, team.approver, item, to=TO_BE_CLOSED)
    for case in TestCase.objects.filter(item=item):
        qa_services.qa_run_record(
            access=team.access(team.qa),
            item_id=item.pk,
            test_case_id=case.pk,
            fields={"result": "passed", "note": "re-run after the edit"},
        )
    sign_off_and_accept(team, item)
    moved = move(team, team.manager, item, direction="next")
    assert (moved.status_id, moved.needs_reapproval) == (TO_BE_CLOSED, False)


@pytest.mark.django_db
def test_a_priority_or_assignee_edit_after_signoff_reopens_nothing(team: Team, rules) -> None:
    item = _walk_to_production(team)

    edited = _edit(team, item, priority=1, assignee=team.qa)

    assert edited.needs_reapproval is False
    assert move(team, team.manager, item, direction="next").status_id == TO_BE_CLOSED


@pytest.mark.django_db
def test_an_edit_before_any_gate_reopens_nothing(team: Team, rules) -> None:
    item = item_in(team, DEVELOPING)

    assert _edit(team, item, title="Still developing").needs_reapproval is False


@pytest.mark.django_db
def test_an_item_edited_after_signoff_is_back_on_the_approvers_waiting_list(
    team: Team, rules
) -> None:
    item = _walk_to_production(team)
    waiting = reverse("approvals:waiting")
    before = team.client(team.approver).get(waiting)
    assert before.status_code == 200
    assert item.key not in before.text

    _edit(team, item, title="Raise the limit to 2,000")

    page = team.client(team.approver).get(waiting).text
    assert item.key in page
    assert REAPPROVAL in page


@pytest.mark.django_db
def test_an_admin_edit_after_signoff_reopens_the_gates_too(team: Team, rules) -> None:
    item = _walk_to_production(team)
    # The content is the change's: its admin page edits it for every release including it.
    model_admin = admin.site._registry[Change]
    request = RequestFactory().get("/")
    request.user = team.admin
    form = model_admin.get_form(request, item.change)(instance=item.change)
    data = {
        name: form.initial.get(name) if form.initial.get(name) is not None else ""
        for name in form.fields
    }
    data["title"] = "Raise the limit to 2,000"

    response = team.client(team.admin).post(
        reverse("admin:items_change_change", args=[item.change_id]), data
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.needs_reapproval) == ("Raise the limit to 2,000", True)
    with pytest.raises(engine.MoveNotAllowed) as refused:
        move(team, team.manager, item, direction="next")
    assert REOPENED in refused.value.message
