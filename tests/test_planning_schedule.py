"""A release's schedule: planning its milestones (validation, rights, journal) and the actual
dates the system records when they happen."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from items import engine
from planning.models import ReleaseSchedule
from planning.schedule import (
    GO_LIVE_EMPTY,
    GO_LIVE_HALF,
    OUT_OF_ORDER,
    ScheduleInvalid,
    schedule_update,
)
from projects import services as project_services
from projects.models import Lifecycle, ReleaseProject
from qa.models import Result
from qa.services import qa_case_add, qa_run_record
from tests.conftest import Team

UTC = dt.UTC


def at(day: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, 0, tzinfo=UTC)


PLAN = {
    "development_start": at(1),
    "code_freeze": at(8),
    "qa_start": at(9),
    "go_live_start": at(15, 18),
    "go_live_end": at(15, 22),
}


def planned_schedules():
    # A schedule the system made for an actual date alone (revision 0) was never planned.
    return ReleaseSchedule.objects.filter(revision__gt=0)


def form_data(**planned: dt.datetime | None) -> dict[str, str]:
    return {k: v.strftime("%Y-%m-%dT%H:%M") if v else "" for k, v in planned.items()}


# --- Validation ----------------------------------------------------------------------------


def test_a_schedule_in_order_is_saved_and_journaled_by_the_manager(team: Team) -> None:
    schedule = schedule_update(access=team.access(team.manager), planned=PLAN)

    schedule.refresh_from_db()
    assert schedule.code_freeze == PLAN["code_freeze"]
    assert schedule.revision == 1
    row = schedule.history.latest()
    assert row.history_user == team.manager
    assert row.change_kind == "created"  # nothing was recorded before: PAY never changed stage
    assert row.code_freeze == PLAN["code_freeze"]


def test_code_freeze_before_development_start_is_refused_with_the_reason(team: Team) -> None:
    with pytest.raises(ScheduleInvalid) as refused:
        schedule_update(access=team.access(team.manager), planned={**PLAN, "code_freeze": at(1, 8)})

    assert refused.value.errors == {
        "code_freeze": OUT_OF_ORDER.format(
            later="Code freeze", earlier="development start", when="2026-12-01 09:00 UTC"
        )
    }
    assert not planned_schedules().exists()


def test_go_live_window_must_end_after_it_starts_and_have_both_ends(team: Team) -> None:
    access = team.access(team.manager)
    with pytest.raises(ScheduleInvalid) as empty:
        schedule_update(access=access, planned={**PLAN, "go_live_end": PLAN["go_live_start"]})
    with pytest.raises(ScheduleInvalid) as half:
        schedule_update(access=access, planned={**PLAN, "go_live_end": None})

    assert empty.value.errors == {"go_live_end": GO_LIVE_EMPTY}
    assert half.value.errors == {"go_live_end": GO_LIVE_HALF}


def test_milestones_may_be_left_unplanned_and_the_rest_must_still_be_in_order(team: Team) -> None:
    access = team.access(team.manager)
    partial = {"development_start": at(1), "qa_start": at(9)}
    schedule_update(access=access, planned=partial)
    with pytest.raises(ScheduleInvalid) as refused:
        schedule_update(access=access, planned={"development_start": at(10), "qa_start": at(9)})

    assert set(refused.value.errors) == {"qa_start"}


def test_the_database_refuses_a_go_live_window_ending_before_it_starts(team: Team) -> None:
    with pytest.raises(DatabaseError), transaction.atomic():
        ReleaseSchedule.objects.create(project=team.project, go_live_start=at(2), go_live_end=at(1))


def test_schedule_journal_rows_cannot_be_edited(team: Team, postgres: None) -> None:
    schedule_update(access=team.access(team.manager), planned=PLAN)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE planning_historicalreleaseschedule SET revision = 7")


# --- The page ------------------------------------------------------------------------------


def test_manager_plans_the_schedule_on_its_page(team: Team) -> None:
    response = team.client(team.manager).post("/projects/PAY/schedule/", form_data(**PLAN))

    assert response.status_code == 302
    assert ReleaseSchedule.objects.get(project=team.project).go_live_end == PLAN["go_live_end"]


def test_page_shows_the_reason_of_a_refusal_with_400_and_saves_nothing(team: Team) -> None:
    data = form_data(**{**PLAN, "qa_start": at(2)})

    response = team.client(team.manager).post("/projects/PAY/schedule/", data)

    assert response.status_code == 400
    assert "QA start must not be before code freeze (2026-12-08 09:00 UTC)." in response.text
    assert not planned_schedules().exists()


def test_not_a_date_is_a_400_with_the_fields_message(team: Team) -> None:
    response = team.client(team.manager).post(
        "/projects/PAY/schedule/", {"code_freeze": "next tuesday"}
    )

    assert response.status_code == 400
    assert "Enter a valid date/time." in response.text
    assert not planned_schedules().exists()


def test_viewer_reads_the_schedule_without_a_form_and_may_not_post(team: Team) -> None:
    schedule_update(access=team.access(team.manager), planned=PLAN)
    client = team.client(team.viewer)

    page = client.get("/projects/PAY/schedule/")
    refused = client.post("/projects/PAY/schedule/", form_data(**{**PLAN, "qa_start": at(10)}))

    assert page.status_code == 200
    assert "2026-12-08 09:00" in page.text
    assert "Save schedule" not in page.text
    assert refused.status_code == 403
    assert ReleaseSchedule.objects.get().qa_start == PLAN["qa_start"]


def test_outsider_gets_404_for_the_schedule(team: Team) -> None:
    client = team.client(team.outsider)

    assert client.get("/projects/PAY/schedule/").status_code == 404
    assert client.post("/projects/PAY/schedule/", form_data(**PLAN)).status_code == 404
    assert not planned_schedules().exists()


def test_the_schedule_form_needs_the_csrf_token(team: Team) -> None:
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(team.manager)

    assert client.post("/projects/PAY/schedule/", form_data(**PLAN)).status_code == 403
    assert not planned_schedules().exists()


# --- Actual dates --------------------------------------------------------------------------


def actuals(team: Team) -> ReleaseSchedule:
    return ReleaseSchedule.objects.get(project=team.project)


def test_leaving_planning_records_development_start_and_released_records_go_live(
    team: Team,
) -> None:
    ReleaseSchedule.objects.all().delete()
    team.project.lifecycle = Lifecycle.PLANNING
    team.project.save()
    assert not ReleaseSchedule.objects.exists()
    access = team.access(team.manager)
    access.project.release_approvals_required = 0
    access.project.save()

    project_services.project_update(access=access, fields={"lifecycle": Lifecycle.IN_PROGRESS})
    started = actuals(team).development_started_at
    project_services.project_update(access=access, fields={"lifecycle": Lifecycle.RELEASED})

    schedule = actuals(team)
    assert started is not None
    assert schedule.development_started_at == started  # recorded once, not moved on
    assert schedule.went_live_at is not None
    assert schedule.went_live_at >= started


def test_a_move_starts_development_and_the_last_item_leaving_it_is_the_code_freeze(
    team: Team,
) -> None:
    ReleaseSchedule.objects.all().delete()
    first, second = team.item(number=1), team.item(number=2)
    access = team.access(team.developer)

    engine.item_move(access=access, item_id=first.pk, direction="next", expected_version=1)
    after_first = actuals(team)
    engine.item_move(access=access, item_id=second.pk, direction="next", expected_version=1)

    assert after_first.development_started_at is not None
    assert after_first.code_frozen_at is None  # the second item was still in development
    assert actuals(team).code_frozen_at is not None


def test_the_first_test_run_records_qa_start(team: Team) -> None:
    item = team.item(number=1)
    case = qa_case_add(access=team.access(team.qa), item_id=item.pk, fields={"title": "Pays"})
    assert not ReleaseSchedule.objects.filter(qa_started_at__isnull=False).exists()

    before = timezone.now()
    qa_run_record(
        access=team.access(team.qa),
        item_id=item.pk,
        test_case_id=case.pk,
        fields={"result": Result.PASSED},
    )

    assert actuals(team).qa_started_at >= before


def test_recording_an_actual_date_keeps_the_plan_and_its_revision(team: Team) -> None:
    schedule_update(access=team.access(team.manager), planned=PLAN)
    item = team.item(number=1)

    engine.item_move(
        access=team.access(team.developer), item_id=item.pk, direction="next", expected_version=1
    )

    schedule = actuals(team)
    assert schedule.code_freeze == PLAN["code_freeze"]
    assert schedule.revision == 1
    assert schedule.history.latest().history_change_reason == (
        "Code freeze: recorded by the system"
    )


def test_the_projects_journal_says_who_planned_and_when_milestones_were_reached(
    team: Team,
) -> None:
    ReleaseProject.objects.filter(pk=team.project.pk).update(
        lifecycle=Lifecycle.PLANNING, release_approvals_required=0
    )
    project_services.project_update(
        access=team.access(team.manager), fields={"lifecycle": Lifecycle.IN_PROGRESS}
    )
    schedule_update(access=team.access(team.manager), planned=PLAN)
    schedule_update(access=team.access(team.manager), planned={**PLAN, "go_live_end": at(15, 23)})

    html = team.client(team.viewer).get("/projects/PAY/journal/").text

    assert "Schedule of PAY" in html
    assert "Milestones planned" in html
    assert "Development start: recorded by the system" in html  # it left planning
    assert "go-live window end" in html.lower()  # the edit lists the field it changed
