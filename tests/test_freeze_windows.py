"""Freeze windows: administrators define them (one-off, weekly or yearly, in a time zone,
installation-wide or per release); inside one, the engine refuses moves into the production
states for everyone, naming the window, and only an audited emergency move passes. The board
and the release page show a banner while one is in force and when the next one starts.
"""

import datetime as dt
import zoneinfo
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import IntegrityError, InternalError, ProgrammingError
from django.utils import timezone

from approvals.models import EmergencyMove
from items import engine
from items.engine import MoveNotAllowed
from items.models import ReleaseItem, TransitionRule
from planning.freezes import (
    freeze_banner,
    freeze_occurrences,
    freeze_windows_between,
    freezes_open_at,
)
from planning.gates import FROZEN
from planning.models import (
    FREEZE_END_BEFORE_START,
    FREEZE_NO_SUCH_DAY,
    FREEZE_UNKNOWN_ZONE,
    FREEZE_ZERO_LENGTH,
    FreezeKind,
    FreezeWindow,
)
from projects.access import project_access
from projects.models import ReleaseProject
from projects.roles import Role
from tests.conftest import Team
from tests.factories import ItemFactory, MemberFactory, ProjectFactory
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.governance_fixtures import (
    ACCEPTANCE_TEST,
    CLOSED,
    DEVELOPING,
    INTEGRATION,
    INTEGRATION_TEST,
    PRODUCTION,
    REVIEW,
    TO_BE_CLOSED,
    fresh,
    item_in,
    move,
    pass_tests,
    sign_off_and_accept,
)

UTC = dt.UTC
ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
JUSTIFICATION = "P1 incident INC-4711: card payments down; CAB chair informed."


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def weekend(**kwargs: object) -> FreezeWindow:
    """Every Friday 16:00 to Monday 08:00, Europe/Zurich (not saved unless told)."""
    fields = {
        "name": "Weekend freeze",
        "kind": FreezeKind.WEEKLY,
        "time_zone": "Europe/Zurich",
        "start_weekday": 4,
        "start_time": dt.time(16),
        "end_weekday": 0,
        "end_time": dt.time(8),
        **kwargs,
    }
    return FreezeWindow(**fields)


def year_end(**kwargs: object) -> FreezeWindow:
    """Every 20 December 00:00 to 3 January 08:00, Europe/Zurich."""
    fields = {
        "name": "Year-end freeze",
        "kind": FreezeKind.ANNUAL,
        "time_zone": "Europe/Zurich",
        "start_month": 12,
        "start_day": 20,
        "start_time": dt.time(0),
        "end_month": 1,
        "end_day": 3,
        "end_time": dt.time(8),
        **kwargs,
    }
    return FreezeWindow(**fields)


def one_off(start: dt.datetime, end: dt.datetime, **kwargs: object) -> FreezeWindow:
    fields = {"name": "Data centre move", "kind": FreezeKind.ONE_OFF, **kwargs}
    return FreezeWindow(starts_at=start, ends_at=end, **fields)


def open_at(window: FreezeWindow, moment: dt.datetime) -> bool:
    return bool(freezes_open_at([window], at=moment))


# --- When a window is in force (pure: no database) -------------------------------------------


def test_a_one_off_window_is_in_force_from_its_start_up_to_not_including_its_end() -> None:
    window = one_off(utc(2026, 12, 5, 18), utc(2026, 12, 6, 6))

    assert not open_at(window, utc(2026, 12, 5, 17, 59, 59, 999999))
    assert open_at(window, utc(2026, 12, 5, 18))  # at its start: in force
    assert open_at(window, utc(2026, 12, 6, 5, 59, 59, 999999))
    assert not open_at(window, utc(2026, 12, 6, 6))  # at its end: over
    assert not open_at(window, utc(2026, 12, 7))


def test_a_weekly_window_covers_the_weekend_and_its_edges() -> None:
    window = weekend()  # 2026-12-04 is a Friday; Zurich is UTC+1 in winter

    assert not open_at(window, utc(2026, 12, 4, 14, 59, 59))
    assert open_at(window, utc(2026, 12, 4, 15))  # Friday 16:00 Zurich
    assert open_at(window, utc(2026, 12, 6, 12))  # Sunday
    assert open_at(window, utc(2026, 12, 7, 6, 59, 59))
    assert not open_at(window, utc(2026, 12, 7, 7))  # Monday 08:00 Zurich
    assert not open_at(window, utc(2026, 12, 9, 12))  # Wednesday


def test_a_weekly_window_keeps_its_wall_clock_times_across_the_autumn_dst_change() -> None:
    """Summer time ends on Sunday 25 October 2026: the window opens at 16:00 summer time
    (14:00 UTC) and closes at 08:00 winter time (07:00 UTC)."""
    window = weekend()

    [occurrence] = freeze_occurrences(window, start=utc(2026, 10, 24), end=utc(2026, 10, 25))

    assert occurrence.start == utc(2026, 10, 23, 14)
    assert occurrence.end == utc(2026, 10, 26, 7)
    assert occurrence.start.astimezone(ZURICH).hour == occurrence.end.astimezone(ZURICH).hour + 8
    assert not open_at(window, utc(2026, 10, 23, 13, 59))
    assert open_at(window, utc(2026, 10, 23, 14))
    assert open_at(window, utc(2026, 10, 26, 6, 59))
    assert not open_at(window, utc(2026, 10, 26, 7))
    # The next Friday is winter time: 16:00 Zurich is 15:00 UTC.
    assert not open_at(window, utc(2026, 10, 30, 14, 30))
    assert open_at(window, utc(2026, 10, 30, 15))


def test_a_weekly_window_keeps_its_wall_clock_times_across_the_spring_dst_change() -> None:
    """Summer time starts on Sunday 28 March 2027: opens 15:00 UTC, closes 06:00 UTC."""
    window = weekend()

    [occurrence] = freeze_occurrences(window, start=utc(2027, 3, 27), end=utc(2027, 3, 28))

    assert (occurrence.start, occurrence.end) == (utc(2027, 3, 26, 15), utc(2027, 3, 29, 6))
    assert open_at(window, utc(2027, 3, 29, 5, 59))
    assert not open_at(window, utc(2027, 3, 29, 6))  # 08:00 summer time


def test_a_yearly_window_spans_the_new_year_in_its_time_zone() -> None:
    window = year_end()

    assert not open_at(window, utc(2026, 12, 19, 22, 59, 59))
    assert open_at(window, utc(2026, 12, 19, 23))  # 20 December 00:00 Zurich
    assert open_at(window, utc(2026, 12, 31, 23, 59))
    assert open_at(window, utc(2027, 1, 3, 6, 59, 59))
    assert not open_at(window, utc(2027, 1, 3, 7))  # 3 January 08:00 Zurich
    assert open_at(window, utc(2027, 12, 25))  # and again the next year
    starts = [
        o.start for o in freeze_occurrences(window, start=utc(2026, 1, 1), end=utc(2028, 1, 1))
    ]
    assert starts == [utc(2025, 12, 19, 23), utc(2026, 12, 19, 23), utc(2027, 12, 19, 23)]


def test_a_wall_time_the_spring_change_skips_is_read_with_the_offset_before_it() -> None:
    # Sunday 28 March 2027 02:30 does not exist in Zurich: read as 01:30 UTC (03:30 summer).
    window = weekend(start_weekday=6, start_time=dt.time(2, 30), end_weekday=6, end_time=dt.time(5))

    [occurrence] = freeze_occurrences(window, start=utc(2027, 3, 28), end=utc(2027, 3, 28, 12))

    assert (occurrence.start, occurrence.end) == (utc(2027, 3, 28, 1, 30), utc(2027, 3, 28, 3))


# --- What administrators may define -----------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "field", "message"),
    [
        (one_off(utc(2026, 12, 6), utc(2026, 12, 5)), "ends_at", FREEZE_END_BEFORE_START),
        (one_off(utc(2026, 12, 6), utc(2026, 12, 6)), "ends_at", FREEZE_END_BEFORE_START),
        (
            weekend(time_zone="Europe/Zurch"),
            "time_zone",
            FREEZE_UNKNOWN_ZONE.format(zone="Europe/Zurch"),
        ),
        (weekend(end_weekday=4, end_time=dt.time(16)), "end_time", FREEZE_ZERO_LENGTH),
        (year_end(end_month=2, end_day=29), "end_day", FREEZE_NO_SUCH_DAY.format(month=2, day=29)),
        (year_end(start_day=32), "start_day", FREEZE_NO_SUCH_DAY.format(month=12, day=32)),
        (weekend(start_time=None), "start_time", "A weekly freeze window needs its start time."),
    ],
    ids=["ends-first", "no-length", "bad-zone", "zero-week", "feb-29", "dec-32", "no-time"],
)
def test_a_bad_window_is_refused_with_the_reason(
    db: None, window: FreezeWindow, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        window.full_clean()

    assert message in refused.value.message_dict[field]


def test_the_database_refuses_a_one_off_window_that_ends_before_it_starts(db: None) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        one_off(utc(2026, 12, 6), utc(2026, 12, 5)).save()


def test_administrators_define_windows_in_the_admin_and_bad_ones_are_refused(
    team: Team,
) -> None:
    admin = team.client(team.admin)
    data = {
        "name": "Weekend freeze",
        "kind": "weekly",
        "time_zone": "Europe/Zurch",
        "start_weekday": "4",
        "start_time": "16:00",
        "end_weekday": "0",
        "end_time": "08:00",
        "enabled": "on",
    }

    refused = admin.post("/admin/planning/freezewindow/add/", data)

    assert refused.status_code == 200
    assert "“Europe/Zurch” is not a time zone name" in refused.text
    assert not FreezeWindow.objects.exists()

    saved = admin.post("/admin/planning/freezewindow/add/", {**data, "time_zone": "Europe/Zurich"})

    assert saved.status_code == 302
    window = FreezeWindow.objects.get()
    assert window.history.get().history_user == team.admin  # journaled, with who
    listing = admin.get("/admin/planning/freezewindow/")
    assert listing.status_code == 200
    assert "Weekend freeze" in listing.text
    assert team.client(team.manager).get("/admin/planning/freezewindow/").status_code == 302


def test_defining_and_editing_windows_shows_on_the_journals(team: Team) -> None:
    admin = team.client(team.admin)
    weekend().save()
    release = one_off(utc(2026, 12, 5), utc(2026, 12, 6), name="PAY cut-over", project=team.project)
    release.save()
    release.name = "PAY cut-over (extended)"
    release.save()

    everything = admin.get("/journal/").text
    pay = team.client(team.viewer).get("/projects/PAY/journal/").text

    assert "Freeze window “Weekend freeze” (installation-wide)" in everything
    assert "Freeze window defined" in everything
    assert "Freeze window “PAY cut-over (extended)” (PAY)" in pay
    assert "Freeze window edited" in pay
    assert "Weekend freeze" not in pay  # the installation's, not the release's


def test_the_freeze_windows_journal_is_append_only(team: Team, postgres: None) -> None:
    window = weekend()
    window.save()
    row = window.history.get()

    refused = pytest.raises((InternalError, ProgrammingError))
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE planning_historicalfreezewindow SET name = 'x' WHERE history_id = %s",
            [row.history_id],
        )


# --- The calendar's read -----------------------------------------------------------------


def test_the_calendar_lists_the_windows_of_its_releases_in_a_range_with_one_query(
    team: Team, django_assert_num_queries
) -> None:
    other = ProjectFactory(code="HR", release_manager=team.manager)
    weekend().save()
    one_off(utc(2026, 12, 10), utc(2026, 12, 11), name="PAY cut-over", project=team.project).save()
    one_off(utc(2026, 12, 10), utc(2026, 12, 11), name="HR cut-over", project=other).save()
    one_off(utc(2026, 12, 10), utc(2026, 12, 11), name="Old", enabled=False).save()

    with django_assert_num_queries(1):
        found = freeze_windows_between(
            start=utc(2026, 12, 7), end=utc(2026, 12, 14), projects=[team.project]
        )

    assert [(o.name, o.scope, o.start) for o in found] == [
        ("Weekend freeze", "installation-wide", utc(2026, 12, 4, 15)),  # until Monday 08:00
        ("PAY cut-over", "PAY", utc(2026, 12, 10)),
        ("Weekend freeze", "installation-wide", utc(2026, 12, 11, 15)),
    ]
    assert found[2].end == utc(2026, 12, 14, 7)


# --- The engine obeys it, for everyone --------------------------------------------------------

IN_WEEKEND = utc(2026, 12, 5, 12)  # Saturday
WEEKDAY = utc(2026, 12, 9, 12)  # Wednesday
UNTIL = "2026-12-07 08:00 Europe/Zurich"


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch):
    """Set the clock the engine, the gate and the banner read (django.utils.timezone.now)."""

    def set_now(moment: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_now


@pytest.fixture
def frozen(team: Team, now) -> FreezeWindow:
    """The weekend freeze, installation-wide, and the clock on a Saturday."""
    window = weekend()
    window.save()
    now(IN_WEEKEND)
    return window


def ready_for_production(team: Team) -> ReleaseItem:
    """An item in 4 - Ready for Acceptance Test with every gate of the way on met."""
    item = item_in(team, ACCEPTANCE_TEST)
    pass_tests(team, item)
    sign_off_and_accept(team, item)
    return fresh(item)


def test_inside_a_freeze_no_one_moves_an_item_into_production_and_the_window_is_named(
    team: Team, rules: dict, frozen: FreezeWindow
) -> None:
    item = ready_for_production(team)

    for user in (team.qa, team.manager):
        with pytest.raises(MoveNotAllowed) as refused:
            move(team, user, item, direction="next")
        assert FROZEN.format(name="Weekend freeze", until=UNTIL) in refused.value.message
        assert refused.value.status_code == 403
    assert fresh(item).status_id == ACCEPTANCE_TEST


def test_outside_a_freeze_the_same_move_passes(
    team: Team, rules: dict, frozen: FreezeWindow, now
) -> None:
    item = ready_for_production(team)
    now(WEEKDAY)

    assert move(team, team.qa, item, direction="next").status_id == PRODUCTION


def test_at_the_end_of_a_freeze_the_move_passes_and_a_moment_before_it_does_not(
    team: Team, rules: dict, frozen: FreezeWindow, now
) -> None:
    item = ready_for_production(team)
    now(utc(2026, 12, 7, 6, 59, 59, 999999))
    with pytest.raises(MoveNotAllowed):
        move(team, team.qa, item, direction="next")

    now(utc(2026, 12, 7, 7))  # Monday 08:00 Zurich

    assert move(team, team.qa, item, direction="next").status_id == PRODUCTION


def test_at_the_start_of_a_freeze_the_move_is_refused(
    team: Team, rules: dict, frozen: FreezeWindow, now
) -> None:
    item = ready_for_production(team)
    now(utc(2026, 12, 4, 15))  # Friday 16:00 Zurich

    with pytest.raises(MoveNotAllowed):
        move(team, team.qa, item, direction="next")


def test_a_freeze_guards_every_production_state_even_along_a_rule_without_gates(
    team: Team, rules: dict, frozen: FreezeWindow
) -> None:
    shipped = item_in(team, PRODUCTION)
    assert not rules[PRODUCTION, TO_BE_CLOSED].has_gates

    with pytest.raises(MoveNotAllowed, match="Weekend freeze"):
        move(team, team.manager, shipped, direction="next")
    with pytest.raises(MoveNotAllowed, match="Weekend freeze"):
        move(team, team.manager, item_in(team, TO_BE_CLOSED, number=2), to=CLOSED)


def test_a_freeze_lets_moves_outside_the_production_states_through(
    team: Team, rules: dict, frozen: FreezeWindow
) -> None:
    item = item_in(team, INTEGRATION)

    assert move(team, team.developer, item, direction="next").status_id == INTEGRATION_TEST
    back = item_in(team, PRODUCTION, number=2)
    moved = move(team, team.developer, back, direction="prev", comment="Found a regression")
    assert moved.status_id == ACCEPTANCE_TEST
    assert move(team, team.manager, item_in(team, REVIEW, number=3), to=DEVELOPING, comment="x")


def test_a_release_window_freezes_that_release_only(team: Team, rules: dict, now) -> None:
    one_off(utc(2026, 12, 5), utc(2026, 12, 6), name="PAY cut-over", project=team.project).save()
    other = ProjectFactory(code="HR", release_manager=team.manager)
    MemberFactory(project=other, user=team.manager, role=Role.RELEASE_MANAGER)
    hr_item = ItemFactory(project=other, number=1, status_id=PRODUCTION)
    now(utc(2026, 12, 5, 12))

    with pytest.raises(MoveNotAllowed, match="PAY cut-over"):
        move(team, team.manager, item_in(team, PRODUCTION), direction="next")
    moved = engine.item_move(
        access=project_access(user=team.manager, code="HR"),
        item_id=hr_item.pk,
        expected_version=hr_item.version,
        direction="next",
    )
    assert moved.status_id == TO_BE_CLOSED


def test_a_disabled_window_freezes_nothing(team: Team, rules: dict, frozen: FreezeWindow) -> None:
    frozen.enabled = False
    frozen.save()

    assert move(team, team.manager, item_in(team, PRODUCTION), direction="next")


def test_without_transition_rules_a_freeze_still_holds_for_everyone(
    team: Team, frozen: FreezeWindow
) -> None:
    assert not TransitionRule.objects.exists()
    item = item_in(team, ACCEPTANCE_TEST)

    with pytest.raises(MoveNotAllowed, match="Weekend freeze"):
        move(team, team.developer, item, direction="next")
    with pytest.raises(MoveNotAllowed, match="Weekend freeze"):
        move(team, team.manager, item, to=CLOSED)
    assert move(team, team.developer, item, direction="prev").status_id == INTEGRATION_TEST


def test_an_emergency_move_passes_a_freeze_and_is_flagged_with_the_window(
    team: Team, rules: dict, frozen: FreezeWindow
) -> None:
    item = ready_for_production(team)

    moved = move(team, team.manager, item, to=PRODUCTION, comment=JUSTIFICATION, emergency=True)

    assert moved.status_id == PRODUCTION
    record = EmergencyMove.objects.get(item=item)
    assert FROZEN.format(name="Weekend freeze", until=UNTIL) in record.blockers
    assert record.justification == JUSTIFICATION
    assert record.approvals_required == 0  # nothing else was skipped: no approvals owed
    journal = ReleaseItem.history.filter(id=item.pk).latest("history_id")
    assert journal.emergency
    assert journal.history_change_reason == JUSTIFICATION
    page = team.client(team.viewer).get("/projects/PAY/journal/").text
    assert "past: Freeze “Weekend freeze” until 2026-12-07 08:00 Europe/Zurich" in page
    listed = team.client(team.viewer).get("/projects/PAY/emergencies/").text
    assert "Freeze “Weekend freeze”" in listed


def test_an_emergency_move_passes_a_freeze_without_rules_too(
    team: Team, frozen: FreezeWindow
) -> None:
    item = item_in(team, ACCEPTANCE_TEST)

    moved = move(team, team.manager, item, to=PRODUCTION, comment=JUSTIFICATION, emergency=True)

    assert moved.status_id == PRODUCTION
    assert "Weekend freeze" in EmergencyMove.objects.get(item=item).blockers


def test_only_a_release_manager_may_force_a_move_through_a_freeze(
    team: Team, rules: dict, frozen: FreezeWindow
) -> None:
    item = ready_for_production(team)

    with pytest.raises(MoveNotAllowed):
        move(team, team.qa, item, to=PRODUCTION, comment=JUSTIFICATION, emergency=True)
    assert fresh(item).status_id == ACCEPTANCE_TEST


def test_a_bulk_move_into_production_is_refused_whole_inside_a_freeze(
    team: Team, rules: dict, frozen: FreezeWindow
) -> None:
    items = [item_in(team, ACCEPTANCE_TEST, number=n) for n in (1, 2)]
    for item in items:
        pass_tests(team, item)
        sign_off_and_accept(team, item)

    response = team.client(team.manager).post(
        "/projects/PAY/items/bulk-move/",
        {"selected": [f"{i.pk}:{fresh(i).version}" for i in items], "to_status": PRODUCTION},
    )

    assert response.status_code == 403
    assert "Nothing was moved" in response.text
    assert "Weekend freeze" in response.text
    assert {fresh(i).status_id for i in items} == {ACCEPTANCE_TEST}
    with pytest.raises(MoveNotAllowed, match="Weekend freeze"):
        engine.items_move_bulk(
            access=team.access(team.manager),
            versions={i.pk: fresh(i).version for i in items},
            to_status_id=PRODUCTION,
        )


# --- The pages obey it and say it ----------------------------------------------------------


def test_the_board_shows_the_arrow_into_production_disabled_with_the_window(
    team: Team, rules: dict, frozen: FreezeWindow
) -> None:
    item = ready_for_production(team)

    board = team.client(team.qa).get("/projects/PAY/board/").text
    card = board.split(f'id="card-{item.pk}"')[1].split("</li>")[0]

    assert 'aria-disabled="true"' in card
    assert "Weekend freeze" in card


def test_a_move_posted_from_the_board_inside_a_freeze_is_refused_with_the_window(
    team: Team, rules: dict, frozen: FreezeWindow
) -> None:
    item = ready_for_production(team)

    response = team.client(team.qa).post(
        f"/projects/PAY/items/{item.number}/move/",
        {"version": item.version, "direction": "next"},
    )

    assert response.status_code == 403
    assert "Weekend freeze" in response.text
    assert fresh(item).status_id == ACCEPTANCE_TEST


def test_the_item_page_says_the_move_is_frozen_and_offers_the_emergency_move(
    team: Team, rules: dict, frozen: FreezeWindow
) -> None:
    item = ready_for_production(team)

    page = team.client(team.manager).get(f"/projects/PAY/items/{item.number}/").text

    assert "is blocked: Freeze “Weekend freeze” until 2026-12-07 08:00 Europe/Zurich" in page
    emergency = page.split('class="emergency"')[1].split("</details>")[0]
    assert f'value="{PRODUCTION}"' in emergency

    response = team.client(team.manager).post(
        f"/projects/PAY/items/{item.number}/move/",
        {
            "version": item.version,
            "to_status": PRODUCTION,
            "emergency": "on",
            "comment": JUSTIFICATION,
            "origin": "item",
        },
    )
    assert response.status_code == 302
    assert fresh(item).status_id == PRODUCTION


@pytest.mark.parametrize("page", ["/projects/PAY/board/", "/projects/PAY/"])
def test_the_board_and_release_page_show_the_freeze_in_force(
    team: Team, frozen: FreezeWindow, page: str
) -> None:
    html = team.client(team.viewer).get(page).text

    banner = html.split('class="freeze-banner in-force" role="status"')[1].split("</div>")[0]
    assert f"Freeze “Weekend freeze” in force until {UNTIL}" in banner


@pytest.mark.parametrize("page", ["/projects/PAY/board/", "/projects/PAY/"])
def test_the_board_and_release_page_show_when_the_next_freeze_starts(
    team: Team, frozen: FreezeWindow, now, page: str
) -> None:
    now(WEEKDAY)

    html = team.client(team.viewer).get(page).text

    banner = html.split('class="freeze-banner" role="status"')[1].split("</div>")[0]
    assert "Next freeze “Weekend freeze” starts 2026-12-11 16:00 Europe/Zurich" in banner


def test_no_banner_without_freeze_windows(team: Team) -> None:
    assert "freeze-banner" not in team.client(team.viewer).get("/projects/PAY/board/").text
    assert freeze_banner(project=team.project).messages == []


def test_the_demo_defines_its_freezes_once_and_crm_is_in_one(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    for _ in range(2):
        call_command("seed_demo", stdout=StringIO())

    assert sorted(FreezeWindow.objects.values_list("name", "kind", "time_zone")) == [
        ("CRM data-centre move", FreezeKind.ONE_OFF, "UTC"),
        ("Weekend freeze", FreezeKind.WEEKLY, "Europe/Zurich"),
        ("Year-end freeze", FreezeKind.ANNUAL, "Europe/Zurich"),
    ]
    for window in FreezeWindow.objects.all():
        window.full_clean()
    assert freeze_banner(project=ReleaseProject.objects.get(code="PAY")).messages
    in_force = freeze_banner(project=ReleaseProject.objects.get(code="CRM")).open
    assert [occurrence.name for occurrence in in_force] == ["CRM data-centre move"]
