"""Project services: create and edit release projects, add and remove members, all journaled."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from journal.models import ChangeKind
from projects.access import NOT_ALLOWED, READ_ONLY
from projects.models import Lifecycle, ReleaseMember, ReleaseProject
from projects.roles import Role
from projects.services import (
    ALREADY_MEMBER,
    CODE_TAKEN,
    LAST_MANAGER,
    MEMBER_NOT_FOUND,
    NAMED_MANAGER,
    MemberError,
    ProjectConflict,
    project_add_member,
    project_create,
    project_remove_member,
    project_update,
)
from tests.conftest import Team
from tests.factories import MemberFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db

ProjectHistory = ReleaseProject.history.model
MemberHistory = ReleaseMember.history.model


def member_of(team: Team, user: object) -> ReleaseMember:
    return ReleaseMember.objects.get(project=team.project, user=user)


def refused_with(role: str) -> str:
    """The PermissionDenied message a member with `role` gets for a manager-only change."""
    return READ_ONLY if role in ("approver", "viewer") else NOT_ALLOWED


# project_create -------------------------------------------------------------------------------


def test_create_makes_the_release_manager_a_member_with_the_manager_role(team: Team):
    lead = UserFactory(username="lena")
    project = project_create(
        actor=team.manager,
        code="CRM",
        fields={"name": "CRM spring release", "release_manager": lead},
    )
    assert list(project.members.values_list("user__username", "role")) == [
        ("lena", Role.RELEASE_MANAGER)
    ]


def test_create_keeps_the_given_fields(team: Team):
    # A new release starts in planning: leaving it needs release approval (approvals app).
    project = project_create(
        actor=team.manager,
        code="WEB",
        fields={
            "name": "Web shop",
            "release_manager": team.manager,
            "lifecycle": Lifecycle.PLANNING,
            "planned_release_date": date(2026, 10, 1),
        },
    )
    project.refresh_from_db()
    assert (project.code, project.name, project.lifecycle) == (
        "WEB",
        "Web shop",
        Lifecycle.PLANNING,
    )
    assert project.planned_release_date == date(2026, 10, 1)
    assert project.next_item_number == 1


def test_create_is_journaled_with_the_actor(team: Team):
    lead = UserFactory(username="lena")
    project = project_create(
        actor=team.manager, code="CRM", fields={"name": "CRM", "release_manager": lead}
    )
    [project_row] = ProjectHistory.objects.filter(id=project.pk)
    assert (project_row.change_kind, project_row.history_user) == (
        ChangeKind.CREATED,
        team.manager,
    )
    [member_row] = MemberHistory.objects.filter(project_id=project.pk)
    assert (member_row.change_kind, member_row.history_user) == (ChangeKind.CREATED, team.manager)
    assert (member_row.user_id, member_row.role) == (lead.pk, Role.RELEASE_MANAGER)


# project_update -------------------------------------------------------------------------------


def test_creating_a_project_with_a_taken_code_is_a_409_and_writes_nothing(team: Team):
    # No pre-check to lean on: the unique index decides, inside a savepoint.
    rows = (ProjectHistory.objects.count(), MemberHistory.objects.count())
    with pytest.raises(ProjectConflict) as excinfo:
        project_create(
            actor=team.manager, code="PAY", fields={"name": "Again", "release_manager": team.qa}
        )
    assert excinfo.value.status_code == 409
    assert excinfo.value.message == CODE_TAKEN.format(code="PAY")
    assert (ProjectHistory.objects.count(), MemberHistory.objects.count()) == rows
    # The surrounding transaction is still usable: only the savepoint was rolled back.
    assert ReleaseProject.objects.get(code="PAY").name == "Payments 4.2"


def test_update_changes_the_fields_and_journals_the_actor(team: Team):
    project = project_update(
        access=team.access(team.manager), fields={"lifecycle": Lifecycle.RELEASED}
    )
    assert project.lifecycle == Lifecycle.RELEASED
    row = ProjectHistory.objects.filter(id=team.project.pk).latest("history_id")
    assert (row.change_kind, row.history_user, row.lifecycle) == (
        ChangeKind.EDITED,
        team.manager,
        Lifecycle.RELEASED,
    )


def test_update_without_a_change_writes_nothing(team: Team):
    rows = ProjectHistory.objects.count()
    project_update(access=team.access(team.manager), fields={"name": team.project.name})
    assert ProjectHistory.objects.count() == rows


def test_naming_a_new_release_manager_makes_them_a_manager_member(team: Team):
    project_update(access=team.access(team.manager), fields={"release_manager": team.developer})
    assert member_of(team, team.developer).role == Role.RELEASE_MANAGER
    row = MemberHistory.objects.filter(user_id=team.developer.pk).latest("history_id")
    assert (row.change_kind, row.role, row.history_user) == (
        ChangeKind.EDITED,
        Role.RELEASE_MANAGER,
        team.manager,
    )


def test_naming_an_outsider_release_manager_adds_them_as_a_member(team: Team):
    project_update(access=team.access(team.manager), fields={"release_manager": team.outsider})
    assert member_of(team, team.outsider).role == Role.RELEASE_MANAGER


@pytest.mark.parametrize("role", ["developer", "qa", "approver", "viewer"])
def test_non_managers_may_not_update_the_project(team: Team, role: str):
    rows = ProjectHistory.objects.count()
    with pytest.raises(PermissionDenied) as excinfo:
        project_update(access=team.access(getattr(team, role)), fields={"name": "Hijacked"})
    assert str(excinfo.value) == refused_with(role)
    team.project.refresh_from_db()
    assert team.project.name == "Payments 4.2"
    assert ProjectHistory.objects.count() == rows


# project_add_member ---------------------------------------------------------------------------


def test_add_member_adds_the_user_with_the_role_and_journals_the_actor(team: Team):
    newcomer = UserFactory(username="nina")
    member = project_add_member(
        access=team.access(team.manager), user=newcomer, role=Role.QA_TESTER
    )
    assert (member.project, member.user, member.role) == (team.project, newcomer, Role.QA_TESTER)
    row = MemberHistory.objects.get(id=member.pk)
    assert (row.change_kind, row.history_user) == (ChangeKind.CREATED, team.manager)


def test_a_superuser_may_add_members(team: Team):
    project_add_member(access=team.access(team.admin), user=team.outsider, role=Role.VIEWER)
    assert member_of(team, team.outsider).role == Role.VIEWER


def test_adding_an_existing_member_again_is_refused(team: Team):
    rows = MemberHistory.objects.count()
    with pytest.raises(MemberError) as excinfo:
        project_add_member(access=team.access(team.manager), user=team.developer, role=Role.VIEWER)
    assert excinfo.value.status_code == 409
    assert excinfo.value.message == ALREADY_MEMBER.format(user=team.developer, code="PAY")
    assert member_of(team, team.developer).role == Role.DEVELOPER
    assert MemberHistory.objects.count() == rows


def test_a_member_of_another_project_may_be_added(team: Team):
    other = ProjectFactory(code="CRM")
    MemberFactory(project=other, user=team.outsider, role=Role.DEVELOPER)
    project_add_member(access=team.access(team.manager), user=team.outsider, role=Role.VIEWER)
    assert member_of(team, team.outsider).role == Role.VIEWER


@pytest.mark.parametrize("role", ["developer", "qa", "approver", "viewer"])
def test_non_managers_may_not_add_members(team: Team, role: str):
    with pytest.raises(PermissionDenied) as excinfo:
        project_add_member(
            access=team.access(getattr(team, role)), user=team.outsider, role=Role.VIEWER
        )
    assert str(excinfo.value) == refused_with(role)
    assert not ReleaseMember.objects.filter(user=team.outsider).exists()


# project_remove_member ------------------------------------------------------------------------


def test_remove_member_deletes_the_membership_and_journals_the_actor(team: Team):
    member = member_of(team, team.qa)
    project_remove_member(access=team.access(team.manager), member_id=member.pk)
    assert not ReleaseMember.objects.filter(pk=member.pk).exists()
    row = MemberHistory.objects.filter(id=member.pk).latest("history_id")
    assert (row.change_kind, row.history_type, row.history_user) == (
        ChangeKind.REMOVED,
        "-",
        team.manager,
    )


def test_removing_the_last_release_manager_is_refused(team: Team):
    member = member_of(team, team.manager)
    with pytest.raises(MemberError) as excinfo:
        project_remove_member(access=team.access(team.admin), member_id=member.pk)
    assert excinfo.value.message == LAST_MANAGER.format(code="PAY")
    assert ReleaseMember.objects.filter(pk=member.pk).exists()


def test_removing_the_named_release_manager_is_refused(team: Team):
    project_add_member(
        access=team.access(team.manager), user=team.outsider, role=Role.RELEASE_MANAGER
    )
    member = member_of(team, team.manager)
    with pytest.raises(MemberError) as excinfo:
        project_remove_member(access=team.access(team.outsider), member_id=member.pk)
    assert excinfo.value.message == NAMED_MANAGER.format(user=team.manager, code="PAY")
    assert ReleaseMember.objects.filter(pk=member.pk).exists()


def test_another_release_manager_may_be_removed(team: Team):
    deputy = project_add_member(
        access=team.access(team.manager), user=team.outsider, role=Role.RELEASE_MANAGER
    )
    project_remove_member(access=team.access(team.manager), member_id=deputy.pk)
    assert not ReleaseMember.objects.filter(pk=deputy.pk).exists()


def test_removing_a_member_of_another_project_is_refused(team: Team):
    other = ProjectFactory(code="CRM")
    stranger = MemberFactory(project=other, user=team.outsider, role=Role.DEVELOPER)
    with pytest.raises(MemberError) as excinfo:
        project_remove_member(access=team.access(team.manager), member_id=stranger.pk)
    assert excinfo.value.message == MEMBER_NOT_FOUND.format(code="PAY")
    assert ReleaseMember.objects.filter(pk=stranger.pk).exists()


@pytest.mark.parametrize("role", ["developer", "qa", "approver", "viewer"])
def test_non_managers_may_not_remove_members(team: Team, role: str):
    member = member_of(team, team.qa)
    rows = MemberHistory.objects.count()
    with pytest.raises(PermissionDenied) as excinfo:
        project_remove_member(access=team.access(getattr(team, role)), member_id=member.pk)
    assert str(excinfo.value) == refused_with(role)
    assert ReleaseMember.objects.filter(pk=member.pk).exists()
    assert MemberHistory.objects.count() == rows
