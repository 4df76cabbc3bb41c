"""Release project pages over HTTP: the list, create, detail, edit, and adding/removing members."""

import csv
import io
import re

import pytest
from django.test import Client
from django.utils.html import escape

from projects import services
from projects.forms import ProjectForm
from projects.models import Lifecycle, ReleaseMember, ReleaseProject
from projects.roles import Role
from tests.conftest import Team
from tests.factories import ItemFactory, MemberFactory, ProjectFactory, UserFactory


def listed_codes(html: str) -> list[str]:
    return re.findall(r'<a href="/projects/([A-Z0-9]+)/">\1</a>', html)


def project_data(**fields) -> dict:
    return {
        "name": "Core 1.0",
        "code": "CORE",
        "lifecycle": Lifecycle.PLANNING,
        "release_manager": "",
        **fields,
    }


def roles_of(project: ReleaseProject) -> dict[str, str]:
    return dict(project.members.values_list("user__username", "role"))


@pytest.fixture
def manager(team: Team) -> Client:
    return team.client(team.manager)


# --- The list ------------------------------------------------------------------------------


def test_project_list_shows_only_the_users_projects_with_item_counts(team: Team) -> None:
    ProjectFactory(code="OPS")
    team.item(number=1)
    team.item(number=2)

    response = team.client(team.viewer).get("/projects/")

    assert response.status_code == 200
    assert listed_codes(response.text) == ["PAY"]
    assert re.search(r"<td[^>]*>2</td>", response.text)


def test_superuser_sees_every_project(team: Team) -> None:
    ProjectFactory(code="OPS")

    response = team.client(team.admin).get("/projects/")

    assert listed_codes(response.text) == ["OPS", "PAY"]


@pytest.mark.parametrize(
    ("query", "shown"),
    [("q=pay", ["PAY"]), ("lifecycle=planning", ["OPS"]), ("lifecycle=closed", [])],
)
def test_project_list_filters_by_name_and_stage(team: Team, query: str, shown: list[str]) -> None:
    ops = ProjectFactory(code="OPS", name="Operations", lifecycle=Lifecycle.PLANNING)
    MemberFactory(project=ops, user=team.viewer, role=Role.VIEWER)

    response = team.client(team.viewer).get(f"/projects/?{query}")

    assert listed_codes(response.text) == shown


def test_project_list_exports_csv(team: Team) -> None:
    response = team.client(team.viewer).get("/projects/?_export=csv")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Code", "Name"]
    assert rows[1][:2] == ["PAY", "Payments 4.2"]


def test_a_german_reader_sees_the_project_list_and_its_navigation_in_german(team: Team) -> None:
    response = team.client(team.viewer).get("/projects/", HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 200
    assert '<html lang="de">' in response.text
    assert "<h1>Release-Projekte</h1>" in response.text
    assert ">Meine Arbeit <span" in response.text
    assert ">Abmelden</button>" in response.text


def test_a_german_readers_export_keeps_its_english_headers(team: Team) -> None:
    response = team.client(team.viewer).get("/projects/?_export=csv", HTTP_ACCEPT_LANGUAGE="de")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Code", "Name", "Stage", "Release manager", "Planned", "Released", "Items"]
    assert rows[1][2] == "In progress"


def test_new_project_button_only_for_those_who_may_create(team: Team) -> None:
    assert "New release project" in team.client(team.manager).get("/projects/").text
    assert "New release project" not in team.client(team.developer).get("/projects/").text


# --- Create ----------------------------------------------------------------------------------


def test_creating_a_project_makes_its_release_manager_a_member(team: Team, manager: Client) -> None:
    response = manager.post("/projects/new/", project_data(release_manager=team.developer.pk))

    assert response.status_code == 302
    assert response.url == "/projects/CORE/"
    project = ReleaseProject.objects.get(code="CORE")
    assert project.release_manager == team.developer
    assert roles_of(project) == {"david": Role.RELEASE_MANAGER}
    assert project.history.get().history_user == team.manager


@pytest.mark.parametrize("code", ["core", "C", "1CORE", "CORE-1", "ABCDEFGHIJK", "PAY"])
def test_creating_a_project_with_a_bad_or_taken_code_is_a_bad_request(
    team: Team, manager: Client, code: str
) -> None:
    response = manager.post(
        "/projects/new/", project_data(code=code, release_manager=team.manager.pk)
    )

    assert response.status_code == 400
    assert ReleaseProject.objects.count() == 1


def test_a_double_submitted_new_project_is_refused_the_second_time(
    team: Team, manager: Client
) -> None:
    data = project_data(release_manager=team.manager.pk)
    assert manager.post("/projects/new/", data).status_code == 302
    rows = ReleaseProject.history.count()

    again = manager.post("/projects/new/", data)

    assert again.status_code == 400
    assert "Release project with this Code already exists." in again.text
    assert ReleaseProject.objects.filter(code="CORE").count() == 1
    assert ReleaseProject.history.count() == rows


def test_a_code_taken_between_the_form_check_and_the_insert_is_a_409(
    team: Team, manager: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The race: another request creates CORE after this form checked the code is free.
    ProjectFactory(code="CORE")
    monkeypatch.setattr(ProjectForm, "validate_unique", lambda form: None)
    rows = (ReleaseProject.history.count(), ReleaseMember.objects.count())

    response = manager.post("/projects/new/", project_data(release_manager=team.manager.pk))

    assert response.status_code == 409
    assert escape(services.CODE_TAKEN.format(code="CORE")) in response.text
    assert (ReleaseProject.history.count(), ReleaseMember.objects.count()) == rows


def test_a_released_project_needs_its_release_date(team: Team, manager: Client) -> None:
    # New projects start in planning (no lifecycle on the create form), so a release is
    # marked released on the edit form; PAY is in progress already, so no approval is needed.
    response = manager.post(
        "/projects/PAY/edit/",
        project_data(lifecycle=Lifecycle.RELEASED, release_manager=team.manager.pk),
    )

    assert response.status_code == 400
    assert "A released project needs its release date." in response.text
    assert ReleaseProject.objects.get(pk=team.project.pk).lifecycle == Lifecycle.IN_PROGRESS


def test_an_inactive_user_cannot_be_release_manager(team: Team, manager: Client) -> None:
    gone = UserFactory(username="gone", is_active=False)

    response = manager.post("/projects/new/", project_data(release_manager=gone.pk))

    assert response.status_code == 400
    assert not ReleaseProject.objects.filter(code="CORE").exists()


# --- Detail and edit -----------------------------------------------------------------------


def test_project_detail_lists_members_and_manager_controls(team: Team) -> None:
    managed = team.client(team.manager).get("/projects/PAY/").text
    viewed = team.client(team.viewer).get("/projects/PAY/").text

    for html in (managed, viewed):
        assert "<td>david</td><td>Developer</td>" in html
        assert "<td>victor</td><td>Viewer</td>" in html
    assert "Yes, remove victor from PAY" in managed
    assert "Add member" in managed
    assert 'href="/projects/PAY/edit/"' in managed
    assert "Remove victor" not in viewed
    assert "Add member" not in viewed
    assert 'href="/projects/PAY/edit/"' not in viewed


def test_project_code_is_not_editable(team: Team, manager: Client) -> None:
    form = manager.get("/projects/PAY/edit/")
    response = manager.post(
        "/projects/PAY/edit/",
        project_data(name="Payments 4.3", code="NEW", release_manager=team.manager.pk),
    )

    assert 'name="code"' not in form.text
    assert response.status_code == 302
    assert response.url == "/projects/PAY/"
    project = ReleaseProject.objects.get(pk=team.project.pk)
    assert (project.code, project.name) == ("PAY", "Payments 4.3")


def test_naming_another_release_manager_gives_them_the_role(team: Team, manager: Client) -> None:
    response = manager.post(
        "/projects/PAY/edit/", project_data(name="Payments", release_manager=team.developer.pk)
    )

    assert response.status_code == 302
    assert roles_of(team.project)["david"] == Role.RELEASE_MANAGER
    assert roles_of(team.project)["maria"] == Role.RELEASE_MANAGER


def test_invalid_edit_is_a_bad_request_and_changes_nothing(team: Team, manager: Client) -> None:
    response = manager.post(
        "/projects/PAY/edit/",
        project_data(name="", lifecycle=Lifecycle.CLOSED, release_manager=team.manager.pk),
    )

    assert response.status_code == 400
    assert "A released project needs its release date." in response.text
    assert ReleaseProject.objects.get(pk=team.project.pk).name == "Payments 4.2"


# --- Members ---------------------------------------------------------------------------------


def test_manager_adds_a_member(team: Team, manager: Client) -> None:
    newcomer = UserFactory(username="nina")

    response = manager.post("/projects/PAY/members/add/", {"user": newcomer.pk, "role": "qa"})

    assert response.status_code == 302
    assert response.url == "/projects/PAY/"
    assert roles_of(team.project)["nina"] == Role.QA_TESTER
    row = ReleaseMember.history.filter(user_id=newcomer.pk).get()
    assert (row.change_kind, row.history_user) == ("created", team.manager)


def test_adding_a_member_twice_is_refused_with_its_message(team: Team, manager: Client) -> None:
    before = ReleaseMember.history.count()

    response = manager.post(
        "/projects/PAY/members/add/", {"user": team.viewer.pk, "role": Role.DEVELOPER}
    )

    assert response.status_code == 409
    message = services.ALREADY_MEMBER.format(user=team.viewer, code="PAY")
    assert escape(message) in response.text
    assert roles_of(team.project)["victor"] == Role.VIEWER
    assert ReleaseMember.history.count() == before


@pytest.mark.parametrize(
    "data",
    [{"user": "", "role": "qa"}, {"user": "abc", "role": "qa"}, {"user": "{nina}", "role": "boss"}],
)
def test_adding_a_member_with_bad_fields_is_a_bad_request(
    team: Team, manager: Client, data: dict
) -> None:
    nina = UserFactory(username="nina")
    data = {key: value.format(nina=nina.pk) for key, value in data.items()}

    response = manager.post("/projects/PAY/members/add/", data)

    assert response.status_code == 400
    assert "nina" not in roles_of(team.project)


def test_manager_removes_a_member(team: Team, manager: Client) -> None:
    member = ReleaseMember.objects.get(project=team.project, user=team.viewer)

    response = manager.post(f"/projects/PAY/members/{member.pk}/remove/")

    assert response.status_code == 302
    assert "victor" not in roles_of(team.project)
    assert ReleaseMember.history.filter(id=member.pk, change_kind="removed").exists()
    assert team.client(team.viewer).get("/projects/PAY/").status_code == 404


def test_removing_the_last_release_manager_is_refused(team: Team, manager: Client) -> None:
    member = ReleaseMember.objects.get(project=team.project, user=team.manager)

    response = manager.post(f"/projects/PAY/members/{member.pk}/remove/")

    assert response.status_code == 400
    assert escape(services.LAST_MANAGER.format(code="PAY")) in response.text
    assert ReleaseMember.objects.filter(pk=member.pk).exists()


def test_removing_the_named_release_manager_is_refused(team: Team, manager: Client) -> None:
    MemberFactory(project=team.project, user=UserFactory(username="mo"), role="manager")
    member = ReleaseMember.objects.get(project=team.project, user=team.manager)

    response = manager.post(f"/projects/PAY/members/{member.pk}/remove/")

    assert response.status_code == 400
    message = services.NAMED_MANAGER.format(user=team.manager, code="PAY")
    assert escape(message) in response.text
    assert ReleaseMember.objects.filter(pk=member.pk).exists()


def test_removing_a_member_of_another_project_is_refused(team: Team, manager: Client) -> None:
    elsewhere = MemberFactory(project=ProjectFactory(code="OPS"), role=Role.VIEWER)

    response = manager.post(f"/projects/PAY/members/{elsewhere.pk}/remove/")

    assert response.status_code == 404
    assert escape(services.MEMBER_NOT_FOUND.format(code="PAY")) in response.text
    assert ReleaseMember.objects.filter(pk=elsewhere.pk).exists()


def test_project_item_counts_ignore_other_projects(team: Team) -> None:
    ops = ProjectFactory(code="OPS")
    ItemFactory(project=ops, number=1)
    team.item(number=1)

    response = team.client(team.admin).get("/projects/?_export=csv")

    rows = {row[0]: row for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))}
    assert rows["OPS"][-1] == rows["PAY"][-1] == "1"


def test_the_release_manager_choice_asks_for_a_person_in_the_readers_language(
    manager: Client,
) -> None:
    english = manager.get("/projects/new/").text
    german = manager.get("/projects/new/", HTTP_ACCEPT_LANGUAGE="de").text

    assert ">Choose a person</option>" in english
    assert ">Person auswählen</option>" in german
    assert "Select an option" not in english + german
