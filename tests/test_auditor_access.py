"""The auditor role (issue 13.6): an installation-wide, read-only role. Auditors read every
page a member can read, in every release, and the installation's journal; every change they
try is refused (403) and changes nothing; outsiders still get 404 (docs/GOVERNANCE.md)."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models import Max
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import AccountSettings
from evidence.journal_tables import journal_tables
from items import engine
from items.models import ReleaseItem
from journal.models import AccessChange, AccessRelation
from projects.access import project_access
from projects.auditors import (
    AUDIT_CODENAME,
    AUDITOR_MAY_POST,
    AUDITORS_CHANGE_NOTHING,
    AUDITORS_GROUP,
    user_is_auditor,
)
from projects.roles import Role
from projects.selectors import projects_visible_to, user_sees_every_release
from tests.conftest import Team
from tests.factories import MemberFactory, ProjectFactory, UserFactory

AUDIT_PERMISSION_FILTER = {"codename": AUDIT_CODENAME, "content_type__app_label": "projects"}


def auditors_group() -> Group:
    """The group migration projects/0005 makes (made again after a test that empties the
    database)."""
    group, _ = Group.objects.get_or_create(name=AUDITORS_GROUP)
    group.permissions.add(Permission.objects.get(**AUDIT_PERMISSION_FILTER))
    return group


def make_auditor(username: str = "audrey"):
    user = UserFactory(username=username)
    user.groups.add(auditors_group())
    return user


@pytest.fixture
def auditor(team: Team):
    return make_auditor()


@pytest.fixture
def other_release(team: Team):
    """A release the team's members are not in."""
    return ProjectFactory(code="CRM", name="CRM 7", release_manager=team.manager)


# Every URL of the portal, from the URLconf: a page or endpoint added later is covered too.
ADMIN = re.compile(r"^admin/")
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


def _patterns(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if pattern.namespace else namespace
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace.strip(':')}:{pattern.name}".strip(":") if pattern.name else ""
            yield prefix + str(pattern.pattern), name


def portal_routes() -> list[tuple[str, str]]:
    """(route, view name) of every portal URL; the admin's are tested on their own."""
    routes = _patterns(get_resolver().url_patterns)
    return sorted({(route, name) for route, name in routes if not ADMIN.match(route)})


ROUTES = portal_routes()


def fill(route: str, team: Team) -> str | None:
    """A concrete path for `route` in the team's release; None for routes no test can fill
    (regular expressions, password-reset links)."""
    if route.startswith("^") or "uidb64" in route:
        return None
    values = {
        "code": team.project.code,
        "number": "1",
        "member_id": str(team.project.members.get(user=team.viewer).pk),
        "token": "not-a-token",
    }

    def value(match: re.Match) -> str:
        return values.get(match["name"], "1")

    return "/" + PARAMETER.sub(value, route)


def journal_snapshot() -> dict[str, int | None]:
    """The newest row of every journal table: any change anywhere writes one."""
    return {
        table.table: table.model._base_manager.aggregate(newest=Max(table.pk))["newest"]
        for table in journal_tables()
    }


def client_for(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


# Who is an auditor


def test_the_migration_makes_an_auditors_group_with_the_audit_permission(db):
    group = Group.objects.get(name=AUDITORS_GROUP)
    assert group.permissions.filter(**AUDIT_PERMISSION_FILTER).exists()


def test_granting_the_auditor_role_is_journaled(team: Team):
    user = UserFactory(username="audrey")
    user.groups.add(auditors_group())
    granted = AccessChange.objects.get(relation=AccessRelation.GROUPS, user_id=user.pk)
    assert granted.granted
    assert (granted.user_name, granted.group_name) == ("audrey", AUDITORS_GROUP)


def test_revoking_it_is_journaled_and_ends_the_access(team: Team, auditor):
    auditor.groups.clear()
    revoked = AccessChange.objects.filter(user_id=auditor.pk).latest("history_id")
    assert not revoked.granted
    assert client_for(auditor).get("/projects/PAY/").status_code == 404


def test_the_permission_given_directly_makes_an_auditor_too(team: Team):
    user = UserFactory(username="ida")
    user.user_permissions.add(Permission.objects.get(**AUDIT_PERMISSION_FILTER))
    assert user_is_auditor(user=user)
    assert project_access(user=user, code="PAY").is_auditor


def test_members_and_outsiders_are_not_auditors(team: Team):
    for user in (team.manager, team.viewer, team.outsider):
        assert not user_is_auditor(user=user)
        assert not user_sees_every_release(user=user)


def test_an_inactive_auditor_is_not_one(team: Team, auditor):
    auditor.is_active = False
    auditor.save()
    assert not user_is_auditor(user=auditor)


# What an auditor sees


def test_an_auditor_sees_every_release_read_only(team: Team, auditor, other_release):
    for code in ("PAY", "CRM"):
        access = project_access(user=auditor, code=code)
        assert access.is_auditor
        assert access.rights == frozenset()
        assert access.role is None
        assert access.role_label == "Auditor"
    assert set(projects_visible_to(user=auditor).values_list("code", flat=True)) == {"PAY", "CRM"}


def test_an_auditor_who_is_also_a_member_is_read_only_there_too(team: Team, auditor):
    MemberFactory(project=team.project, user=auditor, role=Role.APPROVER)
    access = project_access(user=auditor, code="PAY")
    assert (access.rights, access.role, access.role_label) == (frozenset(), None, "Auditor")
    assert not access.has_role(Role.APPROVER)  # so no vote either


def test_an_administrator_in_the_auditors_group_stays_an_administrator(team: Team):
    team.admin.groups.add(auditors_group())
    access = project_access(user=team.admin, code="PAY")
    assert access.can_manage
    assert not access.is_auditor


def test_the_project_list_names_every_release_for_an_auditor(team: Team, auditor, other_release):
    page = client_for(auditor).get("/projects/").text
    assert "PAY" in page
    assert "CRM" in page
    assert "CRM" not in client_for(team.viewer).get("/projects/").text


def test_the_header_says_auditor_and_links_the_installations_journal(team: Team, auditor):
    page = client_for(auditor).get("/projects/PAY/").text
    assert 'class="badge auditor"' in page
    assert "Your role: Auditor" in page
    assert 'href="/journal/"' in page
    assert 'href="/admin/"' not in page
    viewer_page = client_for(team.viewer).get("/projects/PAY/").text
    assert 'href="/journal/"' not in viewer_page
    assert "badge auditor" not in viewer_page


def test_an_auditor_reads_the_installations_journal_and_exports_the_seal(team: Team, auditor):
    client = client_for(auditor)
    assert client.get("/journal/").status_code == 200
    assert client.get("/journal/seal.json").status_code == 200
    assert client_for(team.viewer).get("/journal/").status_code == 403


def test_an_auditor_has_no_admin(team: Team, auditor):
    response = client_for(auditor).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize(("route", "name"), ROUTES, ids=[name or route for route, name in ROUTES])
def test_an_auditor_reads_every_page_a_member_reads(team: Team, auditor, route: str, name: str):
    path = fill(route, team)
    if path is None:
        return
    team.item()
    viewer = client_for(team.viewer).get(path)
    audited = client_for(auditor).get(path)
    assert audited.status_code < 500, (path, audited.status_code)
    if viewer.status_code == 200:
        assert audited.status_code == 200, (path, audited.status_code)


@pytest.mark.parametrize(("route", "name"), ROUTES, ids=[name or route for route, name in ROUTES])
def test_an_outsider_still_gets_404_on_every_release_page(
    team: Team, auditor, route: str, name: str
):
    path = fill(route, team)
    if path is None or not path.startswith("/projects/PAY/"):
        return
    team.item()
    if client_for(team.viewer).get(path).status_code == 200:
        assert client_for(team.outsider).get(path).status_code == 404, path


# What an auditor changes: nothing


@pytest.mark.parametrize(("route", "name"), ROUTES, ids=[name or route for route, name in ROUTES])
def test_every_post_of_an_auditor_is_refused_and_changes_nothing(
    team: Team, auditor, route: str, name: str
):
    path = fill(route, team)
    if path is None or name in AUDITOR_MAY_POST:
        return
    item = team.item()
    before = journal_snapshot()
    body = {"version": item.version, "direction": "next", "title": "x", "comment": "x"}
    response = client_for(auditor).post(path, body)
    assert response.status_code == 403, (path, response.status_code)
    assert str(AUDITORS_CHANGE_NOTHING) in response.text
    assert journal_snapshot() == before, path


def test_the_admin_refuses_an_auditors_posts(team: Team, auditor):
    before = journal_snapshot()
    response = client_for(auditor).post("/admin/projects/releaseproject/add/", {"code": "NEW"})
    assert response.status_code == 403
    assert journal_snapshot() == before


def test_an_auditor_may_still_change_their_own_password_and_log_out(team: Team, auditor):
    client = client_for(auditor)
    response = client.post(
        "/accounts/password_change/",
        {"old_password": "x", "new_password1": "a-new-secret-7", "new_password2": "a-new-secret-7"},
    )
    assert response.status_code == 200  # the form's own refusal: the old password is wrong
    assert client.post("/accounts/logout/").status_code == 302


def test_an_auditor_may_choose_the_time_zone_and_language_the_evidence_is_shown_in(
    team: Team, auditor
):
    before = journal_snapshot()
    response = client_for(auditor).post(
        "/accounts/settings/", {"time_zone": "Europe/Berlin", "language": "de"}
    )
    assert response.status_code == 302
    assert AccountSettings.objects.get(user=auditor).time_zone == "Europe/Berlin"
    assert journal_snapshot() == before


def test_without_the_middleware_the_services_still_refuse_an_auditor(team: Team, auditor, settings):
    """The second wall is the first one too: project_access gives an auditor no rights."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "AuditorReadOnly" not in m]
    item = team.item()
    response = client_for(auditor).post(
        f"/projects/PAY/items/{item.number}/move/", {"version": item.version, "direction": "next"}
    )
    assert response.status_code == 403
    with pytest.raises(engine.MoveNotAllowed):
        engine.item_move(
            access=project_access(user=auditor, code="PAY"),
            item_id=item.pk,
            expected_version=item.version,
            direction="next",
        )
    assert ReleaseItem.objects.get(pk=item.pk).status_id == item.status_id


# Speed: an auditor's pages cost what everyone else's cost


@pytest.mark.parametrize(
    ("path", "peer"),
    [
        ("/projects/", "viewer"),
        ("/projects/PAY/", "viewer"),
        ("/projects/PAY/board/", "viewer"),
        ("/projects/PAY/journal/", "viewer"),
        ("/overview/", "viewer"),
        ("/calendar/", "viewer"),
        ("/journal/", "admin"),
    ],
)
def test_an_auditors_page_issues_as_many_queries_as_a_peers(
    team: Team, auditor, path: str, peer: str
):
    team.item()
    counts = []
    for user in (getattr(team, peer), auditor):
        client = client_for(user)
        client.get(path)  # warm the workflow cache
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        counts.append(len(captured))
    assert counts[1] == counts[0], path
