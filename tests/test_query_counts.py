"""Every page runs a fixed number of queries, whatever the size of the release.

Each page's expected queries are listed in order, as (table the query reads, what it is for);
the count pinned is the length of that list, and each query must hit the table named.
The same pins hold with 10 and with 500 items (and their journal).
"""

import pytest
from simple_history.utils import bulk_create_with_history

from items import engine, services
from items.models import Kind, Priority, ReleaseItem, ReleaseStatus
from projects.models import ReleaseMember
from projects.roles import Role
from tests.conftest import Team
from tests.factories import ItemFactory, ProjectFactory

SESSION = ("django_session", "the session")
USER = ("auth_user", "the logged-in user")
PROJECT = ("projects_releaseproject", "the project with its release manager (access)")
ROLE = ("projects_releasemember", "the user's role in it (access)")

PAGES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "board": (
        "/projects/PAY/board/",
        [
            SESSION,
            USER,
            PROJECT,
            ROLE,
            ("items_releasestatus", "the release states, for the columns"),
            ("items_releaseitem", "every card, with project, state and assignee joined"),
            ("auth_user", "the members, for the assignee filter"),
        ],
    ),
    "items list": (
        "/projects/PAY/items/",
        [
            SESSION,
            USER,
            PROJECT,
            ROLE,
            ("items_releaseitem", "COUNT(*) for the paginator"),
            ("items_releasestatus", "the enabled states, for the bulk move form"),
            ("items_releasestatus", "the states, for the state filter"),
            ("auth_user", "the members, for the assignee filter"),
            ("items_releaseitem", "one page of items, with project, state and assignee joined"),
        ],
    ),
    "items CSV export": (
        "/projects/PAY/items/?_export=csv",
        [
            SESSION,
            USER,
            PROJECT,
            ROLE,
            ("items_releaseitem", "COUNT(*) for the paginator"),
            ("items_releaseitem", "every item, with project, state and assignee joined"),
        ],
    ),
    "item detail": (
        "/projects/PAY/items/1/",
        [
            SESSION,
            USER,
            PROJECT,
            ROLE,
            ("items_releaseitem", "the item with project, state, assignee and creator joined"),
            ("items_releasestatus", "the states, for the arrows and the set-state form"),
        ],
    ),
    "project detail": (
        "/projects/PAY/",
        [
            SESSION,
            USER,
            PROJECT,
            ROLE,
            ("projects_releasemember", "the members with their users joined"),
            ("auth_user", "the active users, for the add-member form"),
        ],
    ),
    "project list": (
        "/projects/",
        [
            SESSION,
            USER,
            ("projects_releaseproject", "COUNT(*) for the paginator"),
            ("auth_user_user_permissions", "the user's permissions (may create?)"),
            ("auth_group_permissions", "the user's groups' permissions (may create?)"),
            ("projects_releaseproject", "one page of projects with item counts and managers"),
        ],
    ),
    "project journal": (
        "/projects/PAY/journal/",
        [
            SESSION,
            USER,
            PROJECT,
            ROLE,
            ("items_historicalreleaseitem", "the newest item rows, with their users"),
            ("projects_historicalreleasemember", "the newest member rows, with their users"),
            ("projects_historicalreleaseproject", "the newest project rows, with their users"),
            ("items_historicalreleaseitem", "the rows before edited item rows (what changed)"),
            ("items_releasestatus", "state names"),
            ("auth_user", "names of the users the rows mention"),
            ("auth_user", "the members, for the user filter"),
        ],
    ),
    "item journal": (
        "/projects/PAY/items/1/journal/",
        [
            SESSION,
            USER,
            PROJECT,
            ROLE,
            ("items_historicalreleaseitem", "the item's id and latest title, from its journal"),
            ("items_historicalreleaseitem", "the newest rows of the item, with their users"),
            ("items_historicalreleaseitem", "the rows before edited rows (what changed)"),
            ("items_releasestatus", "state names"),
            ("auth_user", "names of the users the rows mention"),
            ("auth_user", "the members, for the user filter"),
        ],
    ),
}


def populate(team: Team, size: int) -> None:
    """`size` items spread over the states and people, each with a journal row; item 1 with
    `size` more journal rows and an edit and a move on top; and `size // 10` more projects."""
    states = list(ReleaseStatus.objects.order_by("position"))
    people = [team.manager, team.developer, team.qa, team.approver, None]
    kinds, priorities = list(Kind), list(Priority)
    items = ItemFactory.build_batch(size, project=team.project, status=states[0])
    for index, item in enumerate(items):
        item.number = index + 1
        item.status = states[index % len(states)]
        item.position = (index + 1) * 10
        item.assignee = people[index % len(people)]
        item.kind = kinds[index % len(kinds)]
        item.priority = priorities[index % len(priorities)]
    bulk_create_with_history(
        items,
        ReleaseItem,
        default_user=team.developer,
        custom_historical_attrs={"change_kind": "created"},
    )
    first = ReleaseItem.objects.get(project=team.project, number=1)
    ReleaseItem.history.bulk_history_create(
        [first] * size,
        update=True,
        default_user=team.qa,
        custom_historical_attrs={"change_kind": "moved", "from_status_id": states[1].pk},
    )
    access = team.access(team.manager)
    first = services.item_update(
        access=access,
        item_id=first.pk,
        expected_version=first.version,
        fields={"title": "Round fees to the cent", "assignee": team.qa},
    )
    engine.item_move(
        access=access, item_id=first.pk, expected_version=first.version, direction="next"
    )
    for project in ProjectFactory.create_batch(size // 10, release_manager=team.manager):
        ReleaseMember.objects.create(project=project, user=team.manager, role=Role.RELEASE_MANAGER)


@pytest.mark.parametrize("size", [10, 500])
@pytest.mark.parametrize("page", list(PAGES))
def test_page_runs_the_same_queries_whatever_the_size(
    team: Team, django_assert_num_queries, page: str, size: int
) -> None:
    populate(team, size)
    url, expected = PAGES[page]
    client = team.client(team.manager)

    with django_assert_num_queries(len(expected)) as captured:
        response = client.get(url)

    assert response.status_code == 200
    for (table, purpose), query in zip(expected, captured.captured_queries, strict=True):
        assert f'"{table}"' in query["sql"], purpose


def test_the_board_shows_all_500_cards_with_those_queries(team: Team) -> None:
    populate(team, 500)

    html = team.client(team.viewer).get("/projects/PAY/board/").text

    assert html.count('<li class="card ') == 500


@pytest.mark.parametrize("size", [10, 500])
def test_htmx_board_partial_skips_only_the_filter_forms_query(
    team: Team, django_assert_num_queries, size: int
) -> None:
    populate(team, size)
    client = team.client(team.manager)
    without_filter_form = PAGES["board"][1][:-1]

    with django_assert_num_queries(len(without_filter_form)) as captured:
        response = client.get("/projects/PAY/board/", headers={"HX-Request": "true"})

    assert "<html" not in response.text
    for (table, purpose), query in zip(without_filter_form, captured.captured_queries, strict=True):
        assert f'"{table}"' in query["sql"], purpose
