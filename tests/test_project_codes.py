"""A deleted release project's code stays reserved, so an item key (DEL-1) never names two items.

The project journal keeps every code ever used (it is append-only), so a code is free only if
no project, live or deleted, ever had it: however the project was deleted (the admin's delete
page, its bulk action, code).
"""

import pytest
from django.utils.html import escape

from items.models import ReleaseItem
from items.services import item_create, item_delete
from projects import services
from projects.access import project_access
from projects.models import CODE_RESERVED, ReleaseProject
from projects.roles import Role
from projects.selectors import project_code_reserved
from tests.conftest import Team
from tests.factories import MemberFactory, ProjectFactory

NEW_DEL = {"name": "Deletable again", "code": "DEL", "release_manager": ""}


@pytest.fixture
def deletable(team: Team) -> ReleaseProject:
    """Project DEL with one item, DEL-1, already removed (a project with items cannot go)."""
    project = services.project_create(
        actor=team.manager,
        code="DEL",
        fields={"name": "Deletable", "release_manager": team.manager},
    )
    access = project_access(user=team.manager, code=project.code)
    item = item_create(access=access, fields={"title": "First"})
    assert item.key == "DEL-1"
    item_delete(access=access, item_id=item.pk, expected_version=item.version)
    return project


def create_del_in_the_portal(team: Team) -> object:
    return team.client(team.manager).post(
        "/projects/new/", {**NEW_DEL, "release_manager": team.manager.pk}
    )


def assert_del_is_reserved(team: Team) -> None:
    assert project_code_reserved(code="DEL")
    response = create_del_in_the_portal(team)
    assert response.status_code == 400
    assert escape(CODE_RESERVED.format(code="DEL")) in response.text
    assert not ReleaseProject.objects.filter(code="DEL").exists()


def test_a_code_in_use_or_never_used_is_not_reserved(team: Team) -> None:
    assert not project_code_reserved(code="PAY")
    assert not project_code_reserved(code="NEW")


def test_deleting_in_code_reserves_the_code(team: Team, deletable: ReleaseProject) -> None:
    deletable.delete()

    assert_del_is_reserved(team)


def test_the_service_refuses_a_reserved_code_with_409(
    team: Team, deletable: ReleaseProject
) -> None:
    deletable.delete()
    rows = ReleaseProject.history.count()

    with pytest.raises(services.ProjectConflict) as excinfo:
        services.project_create(
            actor=team.manager, code="DEL", fields={"name": "Again", "release_manager": team.qa}
        )

    assert excinfo.value.status_code == 409
    assert excinfo.value.message == CODE_RESERVED.format(code="DEL")
    assert ReleaseProject.history.count() == rows


def test_deleting_in_the_admin_reserves_the_code(team: Team, deletable: ReleaseProject) -> None:
    admin = team.client(team.admin)

    response = admin.post(f"/admin/projects/releaseproject/{deletable.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not ReleaseProject.objects.filter(pk=deletable.pk).exists()
    assert_del_is_reserved(team)


def test_the_admins_bulk_delete_reserves_the_codes(team: Team, deletable: ReleaseProject) -> None:
    other = ProjectFactory(code="OLD", release_manager=team.manager)
    MemberFactory(project=other, user=team.manager, role=Role.RELEASE_MANAGER)

    response = team.client(team.admin).post(
        "/admin/projects/releaseproject/",
        {"action": "delete_selected", "_selected_action": [deletable.pk, other.pk], "post": "yes"},
    )

    assert response.status_code == 302
    assert not ReleaseProject.objects.filter(code__in=["DEL", "OLD"]).exists()
    assert_del_is_reserved(team)
    assert project_code_reserved(code="OLD")


def test_the_admins_add_form_refuses_a_reserved_code(team: Team, deletable: ReleaseProject) -> None:
    deletable.delete()

    response = team.client(team.admin).post(
        "/admin/projects/releaseproject/add/",
        {
            "name": "Again",
            "code": "DEL",
            "lifecycle": "planning",
            "release_manager": team.manager.pk,
            "release_approvals_required": 1,
            "members-TOTAL_FORMS": 0,
            "members-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 200  # the form again, with the error
    assert escape(CODE_RESERVED.format(code="DEL")) in response.text
    assert not ReleaseProject.objects.filter(code="DEL").exists()


def test_a_code_and_so_an_item_key_names_one_project_forever(
    team: Team, deletable: ReleaseProject
) -> None:
    project_id = deletable.pk
    deletable.delete()

    create_del_in_the_portal(team)

    assert set(ReleaseProject.history.filter(code="DEL").values_list("id", flat=True)) == {
        project_id
    }
    assert ReleaseItem.history.filter(project_id=project_id, number=1).exists()  # DEL-1


def test_a_fresh_code_is_still_accepted(team: Team, deletable: ReleaseProject) -> None:
    deletable.delete()

    response = team.client(team.manager).post(
        "/projects/new/", {**NEW_DEL, "code": "DEL2", "release_manager": team.manager.pk}
    )

    assert response.status_code == 302
    assert ReleaseProject.objects.filter(code="DEL2").exists()
