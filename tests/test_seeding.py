"""Seeding: the default release states (command and fixture), the demo and its year of history,
and disabling a state."""

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from approvals.models import EmergencyMove
from items.defaults import DEFAULT_STATES, PRODUCTION_STATES
from items.management.demo_history import RELEASES
from items.models import ReleaseItem, ReleaseStatus, state_still_holds_items
from journal.models import ChangeKind
from projects.models import ReleaseMember, ReleaseProject
from projects.roles import Role
from tests.conftest import Team

pytestmark = pytest.mark.django_db

StatusHistory = ReleaseStatus.history.model

EXPECTED_TABLE = [
    (4500, "0 - Developing", 0, True),
    (4540, "1 - Ready for Review", 10, True),
    (4550, "2 - Ready for Integration", 20, True),
    (4560, "3 - Ready for Integration Test", 30, True),
    (4570, "4 - Ready for Acceptance Test", 40, True),
    (4585, "5 - Ready for Production", 50, True),
    (4590, "6 - Ready to be closed", 60, True),
    (4595, "7 - Closed", 70, True),
]
FIXTURE = settings.BASE_DIR / "fixtures" / "release_statuses.json"


def table() -> list[tuple[int, str, int, bool]]:
    return list(
        ReleaseStatus.objects.order_by("position", "id").values_list(
            "id", "name", "position", "enabled"
        )
    )


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_release_statuses", *args, stdout=out)
    return out.getvalue()


# seed_release_statuses --------------------------------------------------------------------


def test_seeding_creates_exactly_the_eight_default_states_in_order():
    output = seed()
    assert table() == EXPECTED_TABLE
    assert "8 created, 0 reset, 0 left as they were" in output


def test_seeded_states_carry_the_default_descriptions():
    seed()
    descriptions = dict(ReleaseStatus.objects.values_list("id", "description"))
    assert descriptions == {state_id: text for state_id, _name, text in DEFAULT_STATES}


def test_seeding_journals_each_created_state():
    seed()
    rows = StatusHistory.objects.all()
    assert rows.count() == 8
    assert {row.change_kind for row in rows} == {ChangeKind.CREATED}
    assert {row.history_change_reason for row in rows} == {"Default release states seeded"}


def test_seeding_twice_changes_nothing():
    seed()
    rows_before = StatusHistory.objects.count()
    output = seed()
    assert table() == EXPECTED_TABLE
    assert StatusHistory.objects.count() == rows_before
    assert "0 created, 0 reset, 8 left as they were" in output


def test_an_administrators_rename_and_disable_survive_a_rerun():
    seed()
    review = ReleaseStatus.objects.get(pk=4540)
    review.name = "1 - Code review"
    review.save()
    closed = ReleaseStatus.objects.get(pk=4595)
    closed.enabled = False
    closed.save()
    rows_before = StatusHistory.objects.count()
    seed()
    assert ReleaseStatus.objects.get(pk=4540).name == "1 - Code review"
    assert ReleaseStatus.objects.get(pk=4595).enabled is False
    assert StatusHistory.objects.count() == rows_before


def test_a_deleted_default_state_is_recreated_by_a_rerun():
    seed()
    ReleaseStatus.objects.get(pk=4560).delete()
    output = seed()
    assert table() == EXPECTED_TABLE
    assert "1 created, 0 reset, 7 left as they were" in output


def test_reset_restores_the_defaults():
    seed()
    review = ReleaseStatus.objects.get(pk=4540)
    review.name, review.position, review.description = "1 - Code review", 99, "Custom"
    review.save()
    closed = ReleaseStatus.objects.get(pk=4595)
    closed.enabled = False
    closed.save()
    output = seed("--reset")
    assert table() == EXPECTED_TABLE
    assert ReleaseStatus.objects.get(pk=4540).description == DEFAULT_STATES[1][2]
    assert "0 created, 2 reset, 6 left as they were" in output


def test_reset_journals_only_the_states_it_restored():
    seed()
    review = ReleaseStatus.objects.get(pk=4540)
    review.name = "1 - Code review"
    review.save()
    rows_before = StatusHistory.objects.count()
    seed("--reset")
    assert StatusHistory.objects.count() == rows_before + 1
    row = StatusHistory.objects.latest("history_id")
    assert (row.id, row.name, row.change_kind) == (4540, "1 - Ready for Review", ChangeKind.EDITED)


def test_a_custom_state_holding_a_default_name_is_left_alone():
    ReleaseStatus.objects.create(id=27000, name="0 - Developing", position=0)
    seed()
    assert not ReleaseStatus.objects.filter(pk=4500).exists()
    assert ReleaseStatus.objects.get(pk=27000).name == "0 - Developing"
    assert ReleaseStatus.objects.count() == 8


# The fixture file ---------------------------------------------------------------------------


def test_the_fixture_file_matches_the_defaults():
    records = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert {record["model"] for record in records} == {"items.releasestatus"}
    assert [
        (record["pk"], record["fields"]["name"], record["fields"]["description"])
        for record in records
    ] == DEFAULT_STATES
    assert [record["fields"]["position"] for record in records] == list(range(0, 80, 10))
    assert all(record["fields"]["enabled"] is True for record in records)


def test_the_fixture_loads_the_same_table_as_the_command():
    call_command("loaddata", "release_statuses", stdout=StringIO())
    assert table() == EXPECTED_TABLE
    descriptions = dict(ReleaseStatus.objects.values_list("id", "description"))
    assert descriptions == {state_id: text for state_id, _name, text in DEFAULT_STATES}


def test_seeding_after_loading_the_fixture_changes_nothing():
    call_command("loaddata", "release_statuses", stdout=StringIO())
    output = seed()
    assert table() == EXPECTED_TABLE
    assert "0 created, 0 reset, 8 left as they were" in output


# Disabling a state --------------------------------------------------------------------------


def test_disabling_a_state_that_holds_items_is_refused(team: Team, states):
    review = states[1]
    team.item(status=review)
    team.item(status=review)
    review.enabled = False
    with pytest.raises(ValidationError) as excinfo:
        review.full_clean()
    assert excinfo.value.message_dict == {
        "enabled": [state_still_holds_items(name="1 - Ready for Review", count=2)]
    }


def test_disabling_an_empty_state_is_allowed(team: Team, states):
    team.item(status=states[0])
    review = states[1]
    review.enabled = False
    review.full_clean()
    review.save()
    assert ReleaseStatus.objects.get(pk=review.pk).enabled is False


def test_a_new_disabled_state_is_allowed(states):
    ReleaseStatus(id=4599, name="8 - Archived", position=80, enabled=False).full_clean()


def test_seeding_flags_ready_for_production_and_after_as_production_states():
    seed()
    production = set(ReleaseStatus.objects.filter(production=True).values_list("id", flat=True))
    assert production == {4585, 4590, 4595}


def test_the_fixture_flags_the_same_production_states_as_the_seed():
    call_command("loaddata", "release_statuses", verbosity=0)
    production = set(ReleaseStatus.objects.filter(production=True).values_list("id", flat=True))
    assert production == set(PRODUCTION_STATES)


# seed_demo ----------------------------------------------------------------------------------

SHOWCASE = ["CRM", "PAY", "WEB"]  # the current releases, with the stories shown on the board
DEMO_PASSWORD = "demo-password-for-tests"


@pytest.fixture(scope="class")
def seeded_demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """The demo, seeded once for the class (it walks a year of releases through the engine)
    and rolled back after it: each test runs in a savepoint inside this transaction."""
    out = StringIO()
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        mock.patch.dict(os.environ, {"DEMO_PASSWORD": DEMO_PASSWORD}),
        transaction.atomic(),
    ):
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(seeded_demo: str, db: None) -> str:
    return seeded_demo


def went_live() -> dict[str, datetime]:
    """Release code -> when it went live, as the schedule recorded it from the journal."""
    from planning.models import ReleaseSchedule

    return dict(
        ReleaseSchedule.objects.exclude(went_live_at=None).values_list(
            "project__code", "went_live_at"
        )
    )


class TestTheDemo:
    def test_demo_creates_the_six_users_with_the_given_password(self, demo: str):
        # Six since governance: an approver approves reviews and releases.
        users = get_user_model().objects.filter(
            username__in=["admin", "manager", "developer", "qa", "approver", "viewer"]
        )
        assert users.count() == 6
        assert all(user.check_password(DEMO_PASSWORD) for user in users)
        assert users.get(username="admin").is_superuser
        assert not users.filter(is_superuser=True).exclude(username="admin").exists()
        assert DEMO_PASSWORD in demo

    def test_demo_creates_the_three_current_releases_and_the_years_with_their_members(
        self, demo: str
    ):
        codes = set(ReleaseProject.objects.values_list("code", flat=True))
        assert codes == {*SHOWCASE, *(release.code for release in RELEASES)}
        for project in ReleaseProject.objects.all():
            roles = dict(
                ReleaseMember.objects.filter(project=project).values_list("user__username", "role")
            )
            assert roles == {
                "manager": Role.RELEASE_MANAGER,
                "developer": Role.DEVELOPER,
                "qa": Role.QA_TESTER,
                "approver": Role.APPROVER,
                "viewer": Role.VIEWER,
            }

    def test_demo_current_releases_hold_about_sixty_items_in_the_default_states(self, demo: str):
        current = ReleaseItem.objects.filter(project__code__in=SHOWCASE)
        assert 50 <= current.count() <= 70
        assert table() == EXPECTED_TABLE
        for project in ReleaseProject.objects.filter(code__in=SHOWCASE):
            numbers = sorted(project.items.values_list("number", flat=True))
            assert numbers == list(range(1, len(numbers) + 1))

    def test_demo_pay_release_has_27_items_ending_with_the_three_showcases(self, demo: str):
        """24 walked items, then rework, a move blocked at the gate to production, a hotfix."""
        pay = ReleaseItem.objects.filter(project__code="PAY")
        showcases = list(
            pay.filter(number__gt=24).order_by("number").values_list("change__title", "status")
        )

        assert pay.count() == 27
        assert showcases == [
            ("Rounding of interest on savings accounts", 4550),
            ("Limit for instant transfers per day", 4570),
            ("Hotfix: card payments rejected after certificate rollover", 4550),
        ]
        emergency = EmergencyMove.objects.get(item__project__code="PAY")
        assert (emergency.item.number, emergency.from_state_id, emergency.to_state_id) == (
            27,
            4540,
            4550,
        )
        assert ReleaseItem.history.filter(project__code="PAY", emergency=True).count() == 1

    def test_demo_ships_one_change_in_two_releases_with_their_own_states(self, demo: str):
        """PAY's rounding fix also ships in the CRM release: one change, two inclusions."""
        shared = ReleaseItem.objects.filter(
            change__title="Rounding of interest on savings accounts"
        ).order_by("project__code")
        assert [(i.project.code, i.status_id) for i in shared] == [("CRM", 4540), ("PAY", 4550)]
        assert len({i.change_id for i in shared}) == 1

    def test_demo_journal_is_back_dated_by_its_clock_and_never_in_the_future(self, demo: str):
        history = ReleaseItem.history
        first = history.order_by("history_date").first().history_date
        assert first < timezone.now() - timedelta(days=330)
        assert not history.filter(history_date__gt=timezone.now()).exists()

    def test_demo_journal_has_creations_and_consistent_moves(self, demo: str):
        history = ReleaseItem.history
        removed = history.filter(history_type="-").count()
        assert history.filter(change_kind=ChangeKind.CREATED).count() == (
            ReleaseItem.objects.count() + removed
        )
        assert history.filter(change_kind=ChangeKind.MOVED).count() > 0
        for item in ReleaseItem.objects.all():
            current = None
            for row in history.filter(id=item.pk).order_by("history_date", "history_id"):
                if row.change_kind == ChangeKind.MOVED:
                    assert row.from_status_id == current
                    assert row.history_user is not None
                current = row.status_id
            assert current == item.status_id

    def test_running_the_demo_twice_creates_nothing_new(self, demo: str):
        items, rows = ReleaseItem.objects.count(), ReleaseItem.history.count()
        out = StringIO()
        call_command("seed_demo", stdout=out)
        assert ReleaseItem.objects.count() == items
        assert ReleaseItem.history.count() == rows
        assert ReleaseProject.objects.count() == len(SHOWCASE) + len(RELEASES)
        assert get_user_model().objects.count() == 6
        assert "none (already there)" in out.getvalue()

    def test_demo_releases_have_schedules_and_the_released_one_went_live(self, demo: str):
        from planning.models import ReleaseSchedule

        schedules = {s.project.code: s for s in ReleaseSchedule.objects.select_related("project")}

        assert set(schedules) >= set(SHOWCASE)
        assert all(s.go_live_start and s.go_live_end for s in schedules.values())
        assert schedules["WEB"].went_live_at is not None
        assert schedules["PAY"].development_started_at is not None
        assert schedules["CRM"].went_live_at is None

    def test_demo_releases_have_release_notes_the_released_ones_published(self, demo: str):
        from releases.models import NotesItemPlacement, PublishedNotes, ReleaseNotes

        introductions = dict(ReleaseNotes.objects.values_list("project__code", "introduction"))
        published = PublishedNotes.objects.get(project__code="WEB")

        assert introductions["PAY"]
        assert published.version == 1
        assert introductions["WEB"] in published.markdown
        assert NotesItemPlacement.objects.filter(project__code="WEB", placement="hidden").exists()
        # Notes are published as a release goes live, and only then.
        assert not PublishedNotes.objects.exclude(project__code__in=list(went_live())).exists()

    # The year before: what the KPIs and the charts measure (issue 9) -------------------------

    def test_several_releases_went_live_over_the_past_year_more_in_some_months(self, demo: str):
        now = timezone.now()
        live = went_live()
        months = Counter(when.strftime("%Y-%m") for when in live.values())

        assert len(live) >= 10
        assert all(now - timedelta(days=365) < when < now for when in live.values())
        assert len(months) >= 8
        assert max(months.values()) >= 2  # some months two releases, some none
        assert ReleaseProject.objects.filter(
            code__in=live, lifecycle__in=["released", "closed"]
        ).count() == len(live)
        for code, when in live.items():
            project = ReleaseProject.objects.get(code=code)
            assert project.actual_release_date == timezone.localdate(when)

    def test_the_demo_has_releases_in_every_stage(self, demo: str):
        stages = set(ReleaseProject.objects.values_list("lifecycle", flat=True))
        assert stages == {"planning", "in_progress", "released", "closed", "cancelled"}

    def test_released_items_were_deployed_and_closed_on_the_go_live_morning(self, demo: str):
        for code, when in went_live().items():
            if code == "WEB":  # the showcase release keeps its items where they stand
                continue
            items = ReleaseItem.objects.filter(project__code=code)
            assert set(items.values_list("status_id", flat=True)) == {4595}
            deployed = ReleaseItem.history.filter(
                project__code=code, change_kind=ChangeKind.MOVED, status_id=4590
            )
            assert deployed.count() == items.count()
            assert all(when - timedelta(hours=4) < row.history_date < when for row in deployed)

    def test_items_were_sent_back_with_a_reason_in_several_released_releases(self, demo: str):
        position = dict(ReleaseStatus.objects.values_list("id", "position"))
        moves = ReleaseItem.history.filter(change_kind=ChangeKind.MOVED).values_list(
            "project__code", "from_status_id", "status_id", "history_change_reason"
        )
        backward = [
            (code, reason) for code, old, new, reason in moves if position[old] > position[new]
        ]

        assert len({code for code, _reason in backward if code in went_live()}) >= 3
        assert all(reason for _code, reason in backward)

    def test_hotfixes_were_forced_through_and_approved_afterwards(self, demo: str):
        from approvals.models import Approval

        forced = EmergencyMove.objects.exclude(item__project__code="PAY").select_related("item")
        assert {e.item.project.code for e in forced} == {"PAY411", "WEB2604H"}
        for emergency in forced:
            vote = Approval.objects.get(
                item=emergency.item,
                from_state_id=emergency.from_state_id,
                to_state_id=emergency.to_state_id,
                round=emergency.round,
            )
            assert vote.vote == "approve"
            assert vote.created_at > emergency.created_at
            assert emergency.item.project.code in went_live()
        # PAY's hotfix, in the current release, still owes its approval.
        pay = EmergencyMove.objects.get(item__project__code="PAY")
        assert not Approval.objects.filter(item=pay.item, round=pay.round).exists()

    def test_approvals_waited_for_different_lengths_of_time(self, demo: str):
        from approvals.models import Approval

        history = ReleaseItem.history.filter(change_kind=ChangeKind.MOVED, status_id=4540)
        entered = {(row.id, row.round): row.history_date for row in history}
        waits = {
            vote.created_at - entered[(vote.item_id, vote.round)]
            for vote in Approval.objects.filter(item__project__code__in=list(went_live()))
            if (vote.item_id, vote.round) in entered
        }
        assert len(waits) > 10
        assert min(waits) < timedelta(hours=12) < timedelta(days=1) < max(waits)

    def test_a_hotfixs_change_ships_again_in_the_next_regular_release(self, demo: str):
        fix = ReleaseItem.objects.get(project__code="WEB2604H", number=1)
        again = ReleaseItem.objects.get(project__code="WEB2606", change=fix.change)
        assert again.status_id == 4595
        assert went_live()["WEB2606"] > went_live()["WEB2604H"]

    def test_a_change_descoped_before_go_live_leaves_its_journal(self, demo: str):
        removed = ReleaseItem.history.get(project__code="PAY41", history_type="-")
        assert "Descoped" in removed.history_change_reason
        assert removed.history_date < went_live()["PAY41"]

    def test_the_years_moves_into_production_avoid_the_demos_freeze_windows(self, demo: str):
        from planning.freezes import freezes_open_at
        from planning.models import FreezeWindow

        windows = list(FreezeWindow.objects.filter(project=None))
        moves = ReleaseItem.history.filter(
            change_kind=ChangeKind.MOVED,
            status_id__in=PRODUCTION_STATES,
            project__code__in=[release.code for release in RELEASES],
        )
        assert moves.count() > 50
        assert not [row for row in moves if freezes_open_at(windows, at=row.history_date)]

    def test_released_releases_caused_incidents_some_fixed_later_and_some_open(self, demo: str):
        from helpdesk.models import Ticket

        live = went_live()
        tickets = Ticket.objects.select_related("caused_by_release", "fixed_by_change")
        caused = [t for t in tickets if t.caused_by_release is not None]

        assert len({t.caused_by_release.code for t in caused}) >= 8
        assert {t.caused_by_release.code for t in caused} <= set(live)
        assert any(t.resolved_at is None for t in caused)
        fixed = [t for t in caused if t.fixed_by_change is not None]
        assert fixed
        for ticket in fixed:
            # The fix ships in a release that went live after the one that caused it.
            shipped = ReleaseItem.objects.filter(change=ticket.fixed_by_change).values_list(
                "project__code", flat=True
            )
            cause = live[ticket.caused_by_release.code]
            fix_live = [live[code] for code in shipped if live.get(code, cause) > cause]
            assert fix_live
            # Resolved once the fix is live, not before its release went live.
            assert ticket.resolved_at > min(fix_live)
