"""Who may reach which page and endpoint, for every kind of visitor (see projects/roles.py).

Anonymous visitors go to the login page, outsiders get 404, read-only members 403 on every
write, and each role may do exactly what its rights allow. Refusals never write the journal.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils.html import escape

from items import engine
from items.models import ReleaseItem, ReleaseStatus
from journal.views import ONLY_SUPERUSERS
from projects.access import NOT_ALLOWED, NOT_FOUND, READ_ONLY
from projects.models import ReleaseMember, ReleaseProject
from projects.roles import EDIT_ITEMS, MANAGE, MOVE, MOVE_ANY, RIGHTS, Role
from projects.views import NO_RIGHT_TO_CREATE
from tests.conftest import Team
from tests.factories import UserFactory

READY_FOR_INTEGRATION = 4550


@dataclass
class Setup:
    """What every access test starts from: two items in the first column."""

    team: Team
    item: ReleaseItem
    below: ReleaseItem

    def member_id(self, user) -> int:
        return ReleaseMember.objects.get(project=self.team.project, user=user).pk


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # formatted with the Setup's item number and the viewer's membership id
    data: Callable[[Setup], dict] = field(default=lambda setup: {})
    success: int = 302

    def url(self, setup: Setup) -> str:
        return self.path.format(number=setup.item.number, member=setup.member_id(setup.team.viewer))

    def call(self, client: Client, setup: Setup):
        request = client.get if self.method == "GET" else client.post
        data = self.data(setup) if self.method == "POST" else {}
        return request(self.url(setup), data)


def _item_fields(setup: Setup) -> dict:
    return {"kind": "bug", "title": "Fix the rounding of fees", "priority": 2}


READS = {
    "project list": Endpoint("GET", "/projects/", success=200),
    "project detail": Endpoint("GET", "/projects/PAY/", success=200),
    "board": Endpoint("GET", "/projects/PAY/board/", success=200),
    "items list": Endpoint("GET", "/projects/PAY/items/", success=200),
    "items CSV export": Endpoint("GET", "/projects/PAY/items/?_export=csv", success=200),
    "item detail": Endpoint("GET", "/projects/PAY/items/{number}/", success=200),
    "item journal": Endpoint("GET", "/projects/PAY/items/{number}/journal/", success=200),
    "project journal": Endpoint("GET", "/projects/PAY/journal/", success=200),
}

WRITES = {
    "project edit form": Endpoint("GET", "/projects/PAY/edit/", success=200),
    "project edit": Endpoint(
        "POST",
        "/projects/PAY/edit/",
        lambda s: {
            "name": "Payments 4.3",
            "lifecycle": "in_progress",
            "release_manager": s.team.manager.pk,
        },
    ),
    "member add": Endpoint(
        "POST",
        "/projects/PAY/members/add/",
        lambda s: {"user": UserFactory(username="newcomer").pk, "role": Role.VIEWER},
    ),
    "member remove": Endpoint("POST", "/projects/PAY/members/{member}/remove/"),
    "item new form": Endpoint("GET", "/projects/PAY/items/new/", success=200),
    "item new": Endpoint("POST", "/projects/PAY/items/new/", _item_fields),
    "item edit form": Endpoint("GET", "/projects/PAY/items/{number}/edit/", success=200),
    "item edit": Endpoint(
        "POST",
        "/projects/PAY/items/{number}/edit/",
        lambda s: {**_item_fields(s), "version": s.item.version},
    ),
    "item delete": Endpoint(
        "POST", "/projects/PAY/items/{number}/delete/", lambda s: {"version": s.item.version}
    ),
    "item move": Endpoint(
        "POST",
        "/projects/PAY/items/{number}/move/",
        lambda s: {"version": s.item.version, "direction": "next"},
    ),
    "item reorder": Endpoint(
        "POST",
        "/projects/PAY/items/{number}/reorder/",
        lambda s: {"version": s.item.version, "shift": "down"},
    ),
    "item set state": Endpoint(
        "POST",
        "/projects/PAY/items/{number}/move/",
        lambda s: {"version": s.item.version, "to_status": READY_FOR_INTEGRATION},
    ),
    "items bulk move": Endpoint(
        "POST",
        "/projects/PAY/items/bulk-move/",
        lambda s: {
            "selected": [f"{s.item.pk}:{s.item.version}"],
            "to_status": READY_FOR_INTEGRATION,
        },
    ),
}

GLOBAL_JOURNAL = Endpoint("GET", "/journal/", success=200)
PROJECT_CREATE = Endpoint("GET", "/projects/new/", success=200)

# The right each write needs, as projects/roles.py names them.
RIGHT_NEEDED = {
    "project edit form": MANAGE,
    "project edit": MANAGE,
    "member add": MANAGE,
    "member remove": MANAGE,
    "item delete": MANAGE,
    "item new form": EDIT_ITEMS,
    "item new": EDIT_ITEMS,
    "item edit form": EDIT_ITEMS,
    "item edit": EDIT_ITEMS,
    "item move": MOVE,
    "item reorder": MOVE,
    "item set state": MOVE_ANY,
    "items bulk move": MOVE_ANY,
}

MOVING = {"item move", "item reorder"}
EDITING = {"item new form", "item new", "item edit form", "item edit"}
EVERYTHING = set(WRITES)
ALLOWED: dict[str, set[str]] = {
    "manager": EVERYTHING,
    "developer": EDITING | MOVING,
    "qa": MOVING,
    "approver": set(),
    "viewer": set(),
    "admin": EVERYTHING,  # a superuser who is not a member
}
ROLE_OF = {
    "manager": Role.RELEASE_MANAGER,
    "developer": Role.DEVELOPER,
    "qa": Role.QA_TESTER,
    "approver": Role.APPROVER,
    "viewer": Role.VIEWER,
}
MEMBERS = list(ROLE_OF)


def journal_size() -> int:
    models = (ReleaseItem, ReleaseMember, ReleaseProject, ReleaseStatus)
    return sum(model.history.count() for model in models)


@pytest.fixture
def setup(team: Team) -> Setup:
    ReleaseProject.objects.filter(pk=team.project.pk).update(next_item_number=3)
    return Setup(team=team, item=team.item(number=1), below=team.item(number=2))


def refusal_message(person: str, endpoint: str) -> str:
    rights = RIGHTS[ROLE_OF[person]]
    if not rights:
        return str(READ_ONLY)
    if endpoint == "item set state" and MOVE in rights:
        return str(engine.NO_RIGHT_TO_SET_STATE)  # refused by the engine, not the access helper
    return str(NOT_ALLOWED)


def test_the_table_of_allowed_writes_matches_the_rights_in_roles() -> None:
    for person, role in ROLE_OF.items():
        expected = {name for name, right in RIGHT_NEEDED.items() if right in RIGHTS[role]}
        assert ALLOWED[person] == expected, person
    assert set(RIGHT_NEEDED) == set(WRITES)


ALL_PROJECT_PAGES = {**READS, **WRITES}


@pytest.mark.parametrize("name", [*ALL_PROJECT_PAGES, "global journal", "project create"], ids=str)
def test_anonymous_visitor_is_sent_to_the_login_page(setup: Setup, name: str) -> None:
    endpoint = {"global journal": GLOBAL_JOURNAL, "project create": PROJECT_CREATE}.get(
        name
    ) or ALL_PROJECT_PAGES[name]
    before = journal_size()

    response = endpoint.call(Client(), setup)

    assert response.status_code == 302
    location = urlsplit(response.url)
    assert location.path == "/accounts/login/"
    assert parse_qs(location.query)["next"] == [endpoint.url(setup)]
    assert journal_size() == before


@pytest.mark.parametrize("name", [n for n in ALL_PROJECT_PAGES if n != "project list"])
def test_outsider_gets_404_on_every_project_page(setup: Setup, name: str) -> None:
    before = journal_size()

    response = ALL_PROJECT_PAGES[name].call(setup.team.client(setup.team.outsider), setup)

    assert response.status_code == 404
    assert escape(str(NOT_FOUND)) in response.text
    assert journal_size() == before


def test_outsider_does_not_see_the_project_in_the_list(setup: Setup) -> None:
    response = setup.team.client(setup.team.outsider).get("/projects/")

    assert response.status_code == 200
    assert "/projects/PAY/" not in response.text


@pytest.mark.parametrize("name", list(READS))
@pytest.mark.parametrize("person", [*MEMBERS, "admin"])
def test_every_member_and_the_superuser_can_read_every_page(
    setup: Setup, person: str, name: str
) -> None:
    response = READS[name].call(setup.team.client(getattr(setup.team, person)), setup)

    assert response.status_code == 200


@pytest.mark.parametrize("name", list(WRITES))
@pytest.mark.parametrize("person", [*MEMBERS, "admin"])
def test_each_write_is_allowed_exactly_by_the_rights_of_the_role(
    setup: Setup, person: str, name: str
) -> None:
    endpoint = WRITES[name]
    before = journal_size()

    response = endpoint.call(setup.team.client(getattr(setup.team, person)), setup)

    if name in ALLOWED[person]:
        assert response.status_code == endpoint.success, response.text
        if endpoint.method == "POST":
            assert journal_size() > before
    else:
        assert response.status_code == 403
        assert escape(refusal_message(person, name)) in response.text
        assert journal_size() == before


@pytest.mark.parametrize("person", [*MEMBERS, "outsider"])
def test_global_journal_is_refused_to_everyone_but_superusers(setup: Setup, person: str) -> None:
    response = setup.team.client(getattr(setup.team, person)).get("/journal/")

    assert response.status_code == 403
    assert escape(ONLY_SUPERUSERS) in response.text


def test_superuser_reads_the_global_journal(setup: Setup) -> None:
    response = setup.team.client(setup.team.admin).get("/journal/")

    assert response.status_code == 200
    assert "Project PAY" in response.text


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("manager", 200),  # maria holds projects.add_releaseproject
        ("admin", 200),
        ("developer", 403),
        ("qa", 403),
        ("approver", 403),
        ("viewer", 403),
        ("outsider", 403),
    ],
)
def test_creating_a_project_needs_the_add_permission(
    setup: Setup, person: str, status: int
) -> None:
    client = setup.team.client(getattr(setup.team, person))

    form = client.get("/projects/new/")
    created = client.post(
        "/projects/new/",
        {
            "name": "Core 1.0",
            "code": "CORE",
            "lifecycle": "planning",
            "release_manager": setup.team.manager.pk,
        },
    )

    assert form.status_code == status
    if status == 200:
        assert created.status_code == 302
        assert ReleaseProject.objects.filter(code="CORE").exists()
    else:
        assert created.status_code == 403
        assert escape(str(NO_RIGHT_TO_CREATE)) in form.text
        assert not ReleaseProject.objects.filter(code="CORE").exists()
