"""A released, closed or cancelled release is read-only for its items — no new items, moves,
edits, removals, votes or QA records, on every path — until a release manager reopens it
with a reason, which the journal keeps."""

import pytest
from django.core.exceptions import PermissionDenied

from approvals import services as approval_services
from approvals.models import Approval, ReleaseApproval
from items import engine
from items.engine import MoveNotAllowed
from items.models import ReleaseItem
from items.services import item_create, item_delete, item_update
from projects.models import Lifecycle, ReleaseProject
from projects.services import REOPEN_FIRST, ProjectError, project_update
from qa import services as qa_services
from qa.models import QASignoff, TestCase
from releases.services import NOT_REOPENABLE, REOPEN_NEEDS_REASON, release_reopen
from tests.conftest import Team
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.governance_fixtures import DEVELOPING, INTEGRATION, REVIEW, fresh, item_in

pytestmark = pytest.mark.django_db

READ_ONLY = "Release PAY is {stage}: reopen it to change items."
REOPEN = "/projects/PAY/reopen/"
STAGES = [Lifecycle.RELEASED, Lifecycle.CLOSED, Lifecycle.CANCELLED]


def set_stage(stage: str) -> None:
    project = ReleaseProject.objects.get(code="PAY")
    project.lifecycle = stage
    project.save()


def stage() -> str:
    return ReleaseProject.objects.get(code="PAY").lifecycle


def state_of(item: ReleaseItem) -> int:
    return fresh(item).status_id


@pytest.fixture
def item(team: Team) -> ReleaseItem:
    return item_in(team, REVIEW, number=1)


# --- No changes to items, on any path ----------------------------------------------------


@pytest.mark.parametrize("lifecycle", STAGES)
def test_the_arrow_move_is_refused_with_the_reason(team: Team, item, lifecycle: str) -> None:
    set_stage(lifecycle)

    response = team.client(team.manager).post(
        "/projects/PAY/items/1/move/", {"version": item.version, "direction": "next"}
    )

    assert response.status_code == 403
    assert READ_ONLY.format(stage=lifecycle) in response.text
    assert state_of(item) == REVIEW


def test_the_engine_refuses_even_an_emergency_move(team: Team, item, rules) -> None:
    set_stage(Lifecycle.CLOSED)

    with pytest.raises(MoveNotAllowed) as refused:
        engine.item_move(
            access=team.access(team.manager),
            item_id=item.pk,
            expected_version=item.version,
            direction="next",
            comment="P1 outage",
            emergency=True,
        )

    assert refused.value.message == READ_ONLY.format(stage="closed")
    assert state_of(item) == REVIEW


def test_a_release_released_after_the_page_was_loaded_is_seen_under_the_lock(
    team: Team, item
) -> None:
    """The access was read in progress; the engine re-reads the stage with the item lock."""
    access = team.access(team.manager)
    set_stage(Lifecycle.RELEASED)

    with pytest.raises(MoveNotAllowed):
        engine.item_move(
            access=access, item_id=item.pk, expected_version=item.version, direction="next"
        )
    with pytest.raises(MoveNotAllowed):
        item_update(
            access=access, item_id=item.pk, expected_version=item.version, fields={"title": "x"}
        )
    with pytest.raises(PermissionDenied):
        item_create(access=access, fields={"title": "Late addition"})
    assert state_of(item) == REVIEW
    assert ReleaseItem.objects.count() == 1


def test_bulk_moves_and_reorders_are_refused(team: Team, item) -> None:
    second = item_in(team, REVIEW, number=2)
    set_stage(Lifecycle.RELEASED)
    client = team.client(team.manager)

    bulk = client.post(
        "/projects/PAY/items/bulk-move/",
        {"to_status": INTEGRATION, "selected": [f"{item.pk}:{item.version}"]},
    )
    reorder = client.post(
        "/projects/PAY/items/2/reorder/", {"version": second.version, "shift": "up"}
    )

    assert (bulk.status_code, reorder.status_code) == (403, 403)
    assert state_of(item) == REVIEW
    assert [fresh(i).position for i in (item, second)] == [item.position, second.position]
    with pytest.raises(MoveNotAllowed):
        engine.item_reorder(
            access=team.access(team.manager),
            item_id=second.pk,
            expected_version=second.version,
            shift="up",
        )


def test_no_new_items_no_edits_no_removals(team: Team, item) -> None:
    set_stage(Lifecycle.RELEASED)
    client = team.client(team.manager)

    create = client.post("/projects/PAY/items/new/", {"title": "Late", "kind": "bug"})
    edit = client.post(
        "/projects/PAY/items/1/edit/",
        {"title": "Changed", "kind": "bug", "priority": 3, "version": item.version},
    )
    remove = client.post("/projects/PAY/items/1/delete/", {"version": item.version})

    assert (create.status_code, edit.status_code, remove.status_code) == (403, 403, 403)
    assert READ_ONLY.format(stage="released") in remove.text
    assert list(ReleaseItem.objects.values_list("number", "change__title")) == [(1, item.title)]
    with pytest.raises(MoveNotAllowed):
        item_delete(access=team.access(team.manager), item_id=item.pk, expected_version=1)


def test_no_votes_and_no_qa_records(team: Team, item, rules) -> None:
    set_stage(Lifecycle.RELEASED)

    with pytest.raises(MoveNotAllowed):
        approval_services.approval_vote(
            access=team.access(team.approver),
            item_id=item.pk,
            to_state_id=INTEGRATION,
            round=item.round,
            vote="approve",
        )
    with pytest.raises(MoveNotAllowed):
        qa_services.qa_case_add(access=team.access(team.qa), item_id=item.pk, fields={"title": "t"})
    with pytest.raises(MoveNotAllowed):
        qa_services.qa_signoff(access=team.access(team.qa), item_id=item.pk, round=item.round)
    response = team.client(team.qa).post("/projects/PAY/items/1/signoff/", {"round": item.round})
    assert response.status_code == 403
    assert (Approval.objects.count(), TestCase.objects.count(), QASignoff.objects.count()) == (
        0,
        0,
        0,
    )


def test_the_pages_say_so_and_offer_no_changes(team: Team, item) -> None:
    set_stage(Lifecycle.RELEASED)
    client = team.client(team.manager)

    board = client.get("/projects/PAY/board/").text
    page = client.get("/projects/PAY/items/1/").text
    listing = client.get("/projects/PAY/items/").text

    for text in (board, page, listing):
        assert READ_ONLY.format(stage="released") in text
    assert "/move/" not in board
    assert "/reorder/" not in board
    assert "/items/1/edit/" not in page
    assert "/items/1/delete/" not in page
    assert "/items/new/" not in listing
    assert "bulk-move" not in listing


def test_a_released_release_changes_stage_only_by_reopening_or_closing(team: Team) -> None:
    set_stage(Lifecycle.RELEASED)
    access = team.access(team.manager)

    with pytest.raises(ProjectError) as refused:
        project_update(access=access, fields={"lifecycle": Lifecycle.IN_PROGRESS})
    assert refused.value.message == REOPEN_FIRST.format(code="PAY", stage="released")
    assert stage() == Lifecycle.RELEASED

    project_update(access=access, fields={"lifecycle": Lifecycle.CLOSED})
    assert stage() == Lifecycle.CLOSED


# --- Reopening -------------------------------------------------------------------------------


@pytest.mark.parametrize("lifecycle", [Lifecycle.RELEASED, Lifecycle.CLOSED])
def test_a_release_manager_reopens_with_a_reason_journaled(
    team: Team, item, lifecycle: str
) -> None:
    set_stage(lifecycle)

    response = team.client(team.manager).post(REOPEN, {"reason": "Hotfix PAY-1 before go-live"})

    assert response.status_code == 302
    assert stage() == Lifecycle.IN_PROGRESS
    row = ReleaseProject.history.filter(code="PAY").latest("history_date")
    assert (row.lifecycle, row.history_user, row.history_change_reason) == (
        Lifecycle.IN_PROGRESS,
        team.manager,
        "Hotfix PAY-1 before go-live",
    )
    moved = engine.item_move(
        access=team.access(team.developer),
        item_id=item.pk,
        expected_version=item.version,
        direction="next",
    )
    assert moved.status_id == INTEGRATION


def test_reopening_keeps_the_release_approval(team: Team) -> None:
    vote = ReleaseApproval.objects.create(
        project=team.project, approver=team.approver, vote="approve"
    )
    set_stage(Lifecycle.RELEASED)

    release_reopen(access=team.access(team.manager), reason="Hotfix")

    assert ReleaseApproval.objects.get(pk=vote.pk).voided is False


def test_a_cancelled_release_reopens_into_planning_and_needs_approval_again(team: Team) -> None:
    vote = ReleaseApproval.objects.create(
        project=team.project, approver=team.approver, vote="approve"
    )
    set_stage(Lifecycle.CANCELLED)

    release_reopen(access=team.access(team.manager), reason="Budget found")

    assert stage() == Lifecycle.PLANNING
    assert ReleaseApproval.objects.get(pk=vote.pk).voided is True


def test_reopening_needs_a_reason(team: Team) -> None:
    set_stage(Lifecycle.RELEASED)
    before = ReleaseProject.history.count()

    response = team.client(team.manager).post(REOPEN, {"reason": "   "})

    assert response.status_code == 400
    assert "This field is required." in response.text
    with pytest.raises(ProjectError) as refused:
        release_reopen(access=team.access(team.manager), reason=" ")
    assert refused.value.message == REOPEN_NEEDS_REASON.format(code="PAY")
    assert (stage(), ReleaseProject.history.count()) == (Lifecycle.RELEASED, before)


def test_only_a_release_manager_reopens(team: Team) -> None:
    set_stage(Lifecycle.RELEASED)

    developer = team.client(team.developer).post(REOPEN, {"reason": "Please"})
    outsider = team.client(team.outsider).post(REOPEN, {"reason": "Please"})
    read = team.client(team.manager).get(REOPEN)

    assert (developer.status_code, outsider.status_code, read.status_code) == (403, 404, 405)
    assert stage() == Lifecycle.RELEASED


def test_a_release_in_progress_has_nothing_to_reopen(team: Team) -> None:
    response = team.client(team.manager).post(REOPEN, {"reason": "Why not"})

    assert response.status_code == 409
    assert NOT_REOPENABLE[Lifecycle.IN_PROGRESS].format(code="PAY") in response.text


def test_reopening_says_the_stage_the_release_is_in_again(team: Team) -> None:
    set_stage(Lifecycle.CANCELLED)

    response = team.client(team.manager).post(REOPEN, {"reason": "Budget found"}, follow=True)

    assert "Reopened PAY: it is in planning again, and its items can change." in response.text


def test_a_german_reader_reads_the_stage_with_its_capital(team: Team) -> None:
    # Passes once the lead has merged nia's catalogue fragment.
    set_stage(Lifecycle.RELEASED)

    response = team.client(team.manager).post(
        REOPEN, {"reason": "Hotfix"}, follow=True, HTTP_ACCEPT_LANGUAGE="de"
    )

    assert "Es ist wieder in Arbeit" in response.text
    assert "in arbeit" not in response.text


def test_the_project_page_offers_reopening_to_managers_only(team: Team) -> None:
    set_stage(Lifecycle.CLOSED)

    manager = team.client(team.manager).get("/projects/PAY/").text
    viewer = team.client(team.viewer).get("/projects/PAY/").text

    assert "Reopen release PAY" in manager
    assert 'action="/projects/PAY/reopen/"' in manager
    assert "Reopen release PAY" not in viewer
    assert READ_ONLY.format(stage="closed") in viewer
    assert "Readiness for release" not in viewer


def test_developing_items_of_a_release_in_progress_still_move(team: Team) -> None:
    item = item_in(team, DEVELOPING, number=1)

    moved = engine.item_move(
        access=team.access(team.developer),
        item_id=item.pk,
        expected_version=item.version,
        direction="next",
    )

    assert moved.status_id == REVIEW


# --- The admin -------------------------------------------------------------------------------


def admin_project_post(team: Team, lifecycle: str):
    """Save PAY's change form in the admin with `lifecycle` (no member changes)."""
    project = ReleaseProject.objects.get(code="PAY")
    return team.client(team.admin).post(
        f"/admin/projects/releaseproject/{project.pk}/change/",
        {
            "name": project.name,
            "description": "",
            "release_manager": team.manager.pk,
            "lifecycle": lifecycle,
            "release_approvals_required": 1,
            "actual_release_date": "2026-12-01",
            "members-TOTAL_FORMS": 0,
            "members-INITIAL_FORMS": 0,
            "members-MIN_NUM_FORMS": 0,
            "members-MAX_NUM_FORMS": 1000,
        },
    )


def test_the_admin_does_not_reopen_without_a_reason(team: Team) -> None:
    set_stage(Lifecycle.RELEASED)
    before = ReleaseProject.history.count()

    response = admin_project_post(team, Lifecycle.IN_PROGRESS)

    assert response.status_code == 200  # the form again, with the error
    assert REOPEN_FIRST.format(code="PAY", stage="released") in response.text
    assert (stage(), ReleaseProject.history.count()) == (Lifecycle.RELEASED, before)


def test_the_admin_shows_the_items_of_a_read_only_release_without_saving(team: Team, item) -> None:
    set_stage(Lifecycle.CLOSED)
    client = team.client(team.admin)

    page = client.get(f"/admin/items/releaseitem/{item.pk}/change/")
    saved = client.post(
        f"/admin/items/releaseitem/{item.pk}/change/",
        {"kind": item.kind, "title": "Changed in the admin", "priority": item.priority},
    )
    removed = client.post(f"/admin/items/releaseitem/{item.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert (saved.status_code, removed.status_code) == (403, 403)
    assert fresh(item).title == item.title


def test_the_item_page_offers_no_votes_or_qa_records(team: Team, item, rules) -> None:
    set_stage(Lifecycle.RELEASED)
    approver = team.client(team.approver).get("/projects/PAY/items/1/").text
    qa = team.client(team.qa).get("/projects/PAY/items/1/").text

    assert 'action="/projects/PAY/items/1/approvals/"' not in approver
    assert 'action="/projects/PAY/items/1/tests/"' not in qa
    assert 'action="/projects/PAY/items/1/signoff/"' not in qa


def test_the_projects_journal_shows_the_reopening_and_its_reason(team: Team) -> None:
    set_stage(Lifecycle.RELEASED)
    team.client(team.manager).post(REOPEN, {"reason": "Hotfix PAY-1 before go-live"})

    text = team.client(team.viewer).get("/projects/PAY/journal/").text

    assert "<del>Released</del> → <ins>In progress</ins>" in text
    assert "“Hotfix PAY-1 before go-live”" in text
