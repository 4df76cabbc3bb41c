"""Release approval: a release project starts in planning and leaves it only with its
approvers' quorum; a rejection blocks; the release manager cannot approve their own release;
every vote and withdrawal is journaled."""

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

from approvals.models import ReleaseApproval
from approvals.services import (
    NOT_A_RELEASE_APPROVER,
    OWN_RELEASE,
    RELEASE_ALREADY_VOTED,
    RELEASE_NOT_IN_PLANNING,
    RELEASE_REJECTED,
    RELEASE_VOTE_VOIDED,
    release_needs_approval,
    release_vote,
    release_withdraw,
)
from items.engine import EngineError, MoveNotAllowed
from journal.models import ChangeKind
from projects.access import project_access
from projects.models import Lifecycle, ReleaseProject
from projects.roles import Role
from projects.services import ReleaseNotApproved, project_create, project_update
from tests.conftest import Team
from tests.factories import MemberFactory
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.stage_changes import admin_project_post

pytestmark = pytest.mark.django_db

ReleaseHistory = ReleaseApproval.history.model
EDIT, VOTE = "/projects/PAY/edit/", "/projects/PAY/release-approval/"


@pytest.fixture
def planning(team: Team) -> ReleaseProject:
    """PAY back in planning, as every new release starts."""
    project = team.project
    project.lifecycle = Lifecycle.PLANNING
    project.save()
    return project


def start(client: Client, team: Team, lifecycle: str = Lifecycle.IN_PROGRESS):
    """Submit the project edit form, taking the release out of planning."""
    return client.post(
        EDIT,
        {"name": "Payments 4.2", "lifecycle": lifecycle, "release_manager": team.manager.pk},
    )


def lifecycle() -> str:
    return ReleaseProject.objects.get(code="PAY").lifecycle


def approve(team: Team, user: AbstractBaseUser, choice: str = "approve", comment: str = ""):
    return release_vote(access=team.access(user), vote=choice, comment=comment)


# --- Leaving planning -------------------------------------------------------------------------


def test_a_release_cannot_leave_planning_without_approval(team: Team, planning) -> None:
    response = start(team.client(team.manager), team)

    assert response.status_code == 403
    assert release_needs_approval(code="PAY", required=1, have=0) in response.text
    assert lifecycle() == Lifecycle.PLANNING


def test_an_approval_lets_the_release_leave_planning(team: Team, planning) -> None:
    response = team.client(team.approver).post(VOTE, {"vote": "approve", "comment": "CAB ok"})
    assert response.status_code == 302

    response = start(team.client(team.manager), team)

    assert response.status_code == 302
    assert lifecycle() == Lifecycle.IN_PROGRESS


def test_a_quorum_of_two_needs_both_approvers(team: Team, planning, approver2) -> None:
    planning.release_approvals_required = 2
    planning.save()
    approve(team, team.approver)

    with pytest.raises(ReleaseNotApproved) as refused:
        project_update(access=team.access(team.manager), fields={"lifecycle": "in_progress"})
    assert refused.value.message == release_needs_approval(code="PAY", required=2, have=1)

    approve(team, approver2)
    project_update(access=team.access(team.manager), fields={"lifecycle": "in_progress"})
    assert lifecycle() == Lifecycle.IN_PROGRESS


def test_a_rejection_blocks_until_it_is_withdrawn(team: Team, planning, approver2) -> None:
    rejection = approve(team, team.approver, "reject", "Scope not agreed")
    approve(team, approver2)

    response = start(team.client(team.manager), team)
    assert response.status_code == 403
    assert RELEASE_REJECTED.format(code="PAY", names="april") in response.text

    release_withdraw(access=team.access(team.approver), approval_id=rejection.pk)
    assert start(team.client(team.manager), team).status_code == 302
    assert lifecycle() == Lifecycle.IN_PROGRESS


def test_other_edits_in_planning_need_no_approval(team: Team, planning) -> None:
    project_update(access=team.access(team.manager), fields={"name": "Payments 4.3"})

    assert ReleaseProject.objects.get(code="PAY").name == "Payments 4.3"


# --- Who may vote ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "developer", "qa", "viewer"])
def test_only_the_projects_approvers_approve_the_release(team: Team, planning, role: str) -> None:
    with pytest.raises(MoveNotAllowed) as refused:
        approve(team, getattr(team, role))

    assert refused.value.message == NOT_A_RELEASE_APPROVER.format(code="PAY")
    assert not ReleaseApproval.objects.exists()


def test_the_release_manager_cannot_approve_their_own_release(team: Team) -> None:
    """Even an administrator, when they are the release's named manager."""
    project = project_create(
        actor=team.admin, code="OPS", fields={"name": "Ops", "release_manager": team.admin}
    )
    MemberFactory(project=project, user=team.approver, role=Role.APPROVER)

    with pytest.raises(MoveNotAllowed) as refused:
        release_vote(access=project_access(user=team.admin, code="OPS"), vote="approve")

    assert refused.value.message == OWN_RELEASE.format(code="OPS")
    assert not ReleaseApproval.objects.exists()


def test_a_second_vote_is_refused(team: Team, planning) -> None:
    approve(team, team.approver)

    with pytest.raises(EngineError) as refused:
        approve(team, team.approver, "reject")

    assert refused.value.message == RELEASE_ALREADY_VOTED.format(code="PAY")


def test_voting_closes_when_the_release_left_planning(team: Team) -> None:
    """PAY is in progress already (the team fixture's release)."""
    with pytest.raises(EngineError) as refused:
        approve(team, team.approver)

    assert refused.value.message == RELEASE_NOT_IN_PLANNING.format(code="PAY")


def test_an_approval_cannot_be_withdrawn_after_the_release_left_planning(
    team: Team, planning
) -> None:
    approval = approve(team, team.approver)
    project_update(access=team.access(team.manager), fields={"lifecycle": "in_progress"})

    with pytest.raises(EngineError) as refused:
        release_withdraw(access=team.access(team.approver), approval_id=approval.pk)

    assert refused.value.message == RELEASE_NOT_IN_PLANNING.format(code="PAY")
    assert ReleaseApproval.objects.get(pk=approval.pk).withdrawn is False


# --- The journal -----------------------------------------------------------------------------


def test_every_release_vote_and_withdrawal_is_journaled(team: Team, planning, approver2) -> None:
    approval = approve(team, team.approver, comment="CAB agreed")
    rejection = approve(team, approver2, "reject", "Too early")
    release_withdraw(access=team.access(approver2), approval_id=rejection.pk)

    rows = ReleaseHistory.objects.order_by("history_id")

    assert [
        (r.id, r.vote, r.withdrawn, r.change_kind, r.history_user, r.history_change_reason)
        for r in rows
    ] == [
        (approval.pk, "approve", False, ChangeKind.CREATED, team.approver, "CAB agreed"),
        (rejection.pk, "reject", False, ChangeKind.CREATED, approver2, "Too early"),
        (rejection.pk, "reject", True, ChangeKind.EDITED, approver2, "Withdrawn"),
    ]


def test_leaving_planning_is_journaled_with_the_manager(team: Team, planning) -> None:
    approve(team, team.approver)
    start(team.client(team.manager), team)

    row = ReleaseProject.history.filter(id=planning.pk).latest("history_id")
    assert (row.lifecycle, row.history_user) == (Lifecycle.IN_PROGRESS, team.manager)


# --- New projects start in planning -----------------------------------------------------------


@pytest.mark.parametrize("stage", [Lifecycle.IN_PROGRESS, Lifecycle.RELEASED, Lifecycle.CLOSED])
def test_the_service_refuses_to_create_a_project_past_planning(team: Team, stage: str) -> None:
    with pytest.raises(ReleaseNotApproved):
        project_create(
            actor=team.manager,
            code="WEB",
            fields={"name": "Web", "release_manager": team.manager, "lifecycle": stage},
        )

    assert not ReleaseProject.objects.filter(code="WEB").exists()


def test_a_new_project_starts_in_planning_whatever_the_form_says(team: Team) -> None:
    client = team.client(team.manager)

    form = client.get("/projects/new/").text
    response = client.post(
        "/projects/new/",
        {"name": "Web", "code": "WEB", "lifecycle": "released", "release_manager": team.manager.pk},
    )

    assert 'name="lifecycle"' not in form
    assert response.status_code == 302
    assert ReleaseProject.objects.get(code="WEB").lifecycle == Lifecycle.PLANNING


# --- Over HTTP -------------------------------------------------------------------------------


def test_the_project_page_shows_the_vote_and_offers_it_to_approvers(team: Team, planning) -> None:
    approver = team.client(team.approver)

    before = approver.get("/projects/PAY/").text
    approver.post(VOTE, {"vote": "approve", "comment": "CAB agreed"})
    after = approver.get("/projects/PAY/").text
    managers_view = team.client(team.manager).get("/projects/PAY/").text

    assert "Approve release PAY</button>" in before
    assert "0 of 1 approved" in before
    assert "Approve release PAY</button>" not in after
    assert "1 of 1 approved" in after
    assert "Withdraw my vote" in after
    assert "Approve release PAY</button>" not in managers_view


def test_a_malformed_release_vote_is_a_bad_request(team: Team, planning) -> None:
    response = team.client(team.approver).post(VOTE, {"vote": "maybe"})

    assert response.status_code == 400
    assert not ReleaseApproval.objects.exists()


def test_a_viewer_release_vote_is_forbidden_and_an_outsider_gets_404(team: Team, planning) -> None:
    assert team.client(team.viewer).post(VOTE, {"vote": "approve"}).status_code == 403
    assert team.client(team.outsider).post(VOTE, {"vote": "approve"}).status_code == 404
    assert not ReleaseApproval.objects.exists()


def test_an_approver_withdraws_over_http(team: Team, planning) -> None:
    approval = approve(team, team.approver)

    response = team.client(team.approver).post(f"{VOTE}{approval.pk}/withdraw/")

    assert response.status_code == 302
    assert ReleaseApproval.objects.get(pk=approval.pk).withdrawn is True


# --- Back to planning: a new round ---------------------------------------------------------------


def test_going_back_to_planning_voids_the_release_approval(team: Team, planning) -> None:
    approve(team, team.approver, comment="CAB ok")
    assert start(team.client(team.manager), team).status_code == 302

    assert start(team.client(team.manager), team, Lifecycle.PLANNING).status_code == 302

    vote = ReleaseApproval.objects.get()
    assert vote.voided is True
    row = vote.history.latest("history_date")
    assert row.history_user == team.manager
    assert row.history_change_reason == RELEASE_VOTE_VOIDED.format(code="PAY")
    # Leaving planning again needs a new approval; the page says why the old one is gone.
    response = start(team.client(team.manager), team)
    assert response.status_code == 403
    assert release_needs_approval(code="PAY", required=1, have=0) in response.text
    page = team.client(team.viewer).get("/projects/PAY/").text
    assert "0 of 1 approved" in page
    assert "voided when the release went back to planning" in page
    # The approver votes again in the new round, and the release may leave planning.
    approve(team, team.approver, comment="CAB ok, again")
    assert start(team.client(team.manager), team).status_code == 302
    assert lifecycle() == Lifecycle.IN_PROGRESS


def test_going_back_to_planning_in_the_admin_voids_it_too(team: Team, planning) -> None:
    approve(team, team.approver)
    project_update(access=team.access(team.manager), fields={"lifecycle": "in_progress"})

    response = admin_project_post(team, Lifecycle.PLANNING)

    assert response.status_code == 302
    assert ReleaseApproval.objects.get().voided is True
    with pytest.raises(ReleaseNotApproved):
        project_update(access=team.access(team.manager), fields={"lifecycle": "in_progress"})


def test_the_missing_management_approvals_are_counted_in_words() -> None:
    assert release_needs_approval(code="PAY", required=1, have=0) == (
        "PAY needs 1 management approval before it leaves planning (0 so far)."
    )
    assert release_needs_approval(code="PAY", required=2, have=1) == (
        "PAY needs 2 management approvals before it leaves planning (1 so far)."
    )
