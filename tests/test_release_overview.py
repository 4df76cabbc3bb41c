"""The release overview (measurement): changes as rows, open releases as columns, the change's
state in that release in each cell; filters, sorting, CSV export and constant queries."""

import csv
import html
import io
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from items.models import Kind
from planning.models import ReleaseSchedule
from projects.models import Lifecycle
from projects.roles import Role
from tests.factories import ChangeFactory, ItemFactory, MemberFactory, ProjectFactory

pytestmark = pytest.mark.django_db
URL = reverse("measurement:overview")


@pytest.fixture
def world(team, states):
    """PAY (the team's, in progress, planned 2027-03-01) and CRM (planning, go-live scheduled
    2027-02-10, before its own planned date) open; OLD closed; HR open but not the developer's."""
    team.project.planned_release_date = date(2027, 3, 1)
    team.project.save()
    crm = ProjectFactory(
        code="CRM", lifecycle=Lifecycle.PLANNING, planned_release_date=date(2027, 6, 1)
    )
    ReleaseSchedule.objects.create(
        project=crm, go_live_start=datetime(2027, 2, 10, 18, 0, tzinfo=UTC)
    )
    old = ProjectFactory(code="OLD", lifecycle=Lifecycle.CLOSED)
    hr = ProjectFactory(code="HR", planned_release_date=date(2027, 1, 1))
    for project in (crm, old):
        MemberFactory(project=project, user=team.developer, role=Role.DEVELOPER)
    shared = ChangeFactory(title="Shared fix", kind=Kind.BUG)
    ItemFactory(project=team.project, change=shared, status=states[0], assignee=team.developer)
    ItemFactory(project=crm, change=shared, status=states[2])
    only_closed = ChangeFactory(title="Old change")
    ItemFactory(project=old, change=only_closed)
    secret = ChangeFactory(title="HR secret")
    ItemFactory(project=hr, change=secret)
    feature = ChangeFactory(title="Alpha feature", kind=Kind.FEATURE)
    ItemFactory(project=crm, change=feature, status=states[1])
    return {"crm": crm, "old": old, "hr": hr, "shared": shared, "feature": feature}


def _table(response) -> tuple[list[str], dict[str, list[str]]]:
    """The column headers' release codes and, per change key, the cells' states."""

    class Parser(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cell, self.row, self.in_table = [], None, None, False

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.in_table = True
            if self.in_table and tag == "tr":
                self.row = []
            if self.in_table and tag in ("td", "th"):
                self.cell = ""

        def handle_endtag(self, tag):
            if self.in_table and tag in ("td", "th"):
                self.row.append(" ".join(self.cell.split()))
                self.cell = None
            if self.in_table and tag == "tr":
                self.rows.append(self.row)
            if tag == "table":
                self.in_table = False

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Parser()
    parser.feed(response.content.decode())
    header, *body = parser.rows
    return header[2:], {row[0].split()[0]: row[2:] for row in body}


def test_a_change_in_two_releases_shows_its_two_states(client, team, states, world):
    client.force_login(team.developer)
    response = client.get(URL)
    assert response.status_code == 200
    header, rows = _table(response)
    # CRM's go-live (2027-02-10) comes before PAY's planned date; HR is not the developer's,
    # OLD is closed.
    assert header == ["2027-02-10 CRM", "2027-03-01 PAY"]
    assert rows[world["shared"].key] == [states[2].name, states[0].name]
    assert rows[world["feature"].key] == [states[1].name, ""]
    assert set(rows) == {world["shared"].key, world["feature"].key}
    content = response.content.decode()
    assert "Old change" not in content
    assert "HR secret" not in content


def test_cells_link_to_the_inclusion_and_headers_to_the_release(client, team, world):
    client.force_login(team.developer)
    content = client.get(URL).content.decode()
    pay_item = world["shared"].inclusions.get(project=team.project)
    assert f'href="{pay_item.get_absolute_url()}"' in content
    assert f'href="{reverse("projects:detail", kwargs={"code": "CRM"})}"' in content


def test_a_superuser_sees_every_open_release(client, team, world):
    client.force_login(team.admin)
    header, _ = _table(client.get(URL))
    assert header == ["2027-01-01 HR", "2027-02-10 CRM", "2027-03-01 PAY"]
    assert "OLD" not in " ".join(header)


def test_a_user_without_projects_sees_an_empty_overview_with_a_sentence(client, team, world):
    client.force_login(team.outsider)
    response = client.get(URL)
    assert response.status_code == 200
    assert b"There are no open releases you can see" in response.content
    assert b"Shared fix" not in response.content


def test_login_is_required(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_state_changes_are_refused(client, team, world):
    client.force_login(team.developer)
    assert client.post(URL).status_code == 405


def test_filter_by_kind(client, team, world):
    client.force_login(team.developer)
    _, rows = _table(client.get(URL, {"kind": Kind.FEATURE}))
    assert set(rows) == {world["feature"].key}


def test_filter_by_assignee_matches_an_inclusion_in_any_release(client, team, world):
    client.force_login(team.developer)
    # Assigned in PAY only; the filter keeps the change's whole row (CRM too).
    _, rows = _table(client.get(URL, {"assignee": team.developer.pk}))
    assert set(rows) == {world["shared"].key}
    assert all(rows[world["shared"].key])


def test_filter_by_release_restricts_the_columns(client, team, states, world):
    client.force_login(team.developer)
    header, rows = _table(client.get(URL, {"release": "PAY"}))
    assert header == ["2027-03-01 PAY"]
    assert rows == {world["shared"].key: [states[0].name]}


@pytest.mark.parametrize(
    ("sort", "first"),
    [("title", "Alpha feature"), ("-title", "Shared fix"), ("kind", "Shared fix")],
)
def test_sorting(client, team, world, sort, first):
    client.force_login(team.developer)
    content = client.get(URL, {"sort": sort}).content.decode()
    assert content.index(first) < content.index(
        "Shared fix" if first == "Alpha feature" else "Alpha feature"
    )


def test_sorting_by_change_id_both_ways(client, team, world):
    client.force_login(team.developer)
    _, rows = _table(client.get(URL, {"sort": "-change"}))
    assert list(rows) == [world["feature"].key, world["shared"].key]
    _, rows = _table(client.get(URL))
    assert list(rows) == [world["shared"].key, world["feature"].key]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kind": "nonsense"}, 'Unknown kind "nonsense"'),
        ({"assignee": "abc"}, 'Unknown assignee "abc"'),
        ({"assignee": "-1"}, 'Unknown assignee "-1"'),
        ({"release": "HR"}, 'No open release "HR"'),
        ({"release": "OLD"}, 'No open release "OLD"'),
        ({"sort": "secret"}, 'Cannot sort by "secret"'),
        ({"sort": "--title"}, 'Cannot sort by "--title"'),
        ({"per_page": "-1"}, "Rows per page must be a whole number"),
        ({"per_page": "100000"}, "Rows per page must be a whole number"),
        ({"_export": "json"}, 'Unknown export format "json"'),
    ],
)
def test_bad_input_is_a_400_with_a_message(client, team, world, params, message):
    client.force_login(team.developer)
    response = client.get(URL, params)
    assert response.status_code == 400
    assert message in html.unescape(response.content.decode())


def test_an_assignee_outside_the_shown_releases_is_refused(client, team, world):
    # Someone only in HR (not visible to the developer) is no choice: 400, nothing revealed.
    stranger = MemberFactory(project=world["hr"]).user
    client.force_login(team.developer)
    assert client.get(URL, {"assignee": stranger.pk}).status_code == 400


def test_pages_are_forgiving_and_per_page_is_honoured(client, team, world):
    client.force_login(team.developer)
    _, rows = _table(client.get(URL, {"per_page": "1"}))
    assert list(rows) == [world["shared"].key]
    _, rows = _table(client.get(URL, {"per_page": "1", "page": "99"}))
    assert list(rows) == [world["feature"].key]
    _, rows = _table(client.get(URL, {"per_page": "1", "page": "x"}))
    assert list(rows) == [world["shared"].key]


def test_each_page_is_the_next_slice_of_the_sorted_rows(client, team, world):
    # The world's two changes, and one whose title sorts between theirs whatever the case.
    middle = ChangeFactory(title="beta fix", kind=Kind.TASK)
    ItemFactory(project=team.project, change=middle)
    client.force_login(team.developer)
    for sort, expected in [
        ("title", [world["feature"], middle, world["shared"]]),
        ("-title", [world["shared"], middle, world["feature"]]),
        ("kind", [world["shared"], world["feature"], middle]),  # Bug, Feature, Task
        ("-change", [middle, world["feature"], world["shared"]]),
    ]:
        keys = []
        for number in (1, 2, 3):
            _, rows = _table(client.get(URL, {"sort": sort, "per_page": "1", "page": number}))
            keys += list(rows)
        assert keys == [change.key for change in expected], sort


def test_a_row_on_a_page_shows_every_release_of_its_change(client, team, states, world):
    client.force_login(team.developer)
    _, rows = _table(client.get(URL, {"per_page": "1"}))
    assert rows == {world["shared"].key: [states[2].name, states[0].name]}


def test_the_assignee_filter_looks_beyond_the_release_filter(client, team, states, world):
    # Assigned in PAY; with only CRM shown the change keeps its CRM cell.
    client.force_login(team.developer)
    _, rows = _table(client.get(URL, {"assignee": team.developer.pk, "release": "CRM"}))
    assert rows == {world["shared"].key: [states[2].name]}


def test_the_row_count_counts_every_page(client, team, world):
    client.force_login(team.developer)
    content = client.get(URL, {"per_page": "1"}).content.decode()
    assert "2 changes in 2 releases." in content
    assert "Page 1 of 2" in content


def test_csv_export_has_every_row_and_a_column_per_release(client, team, states, world):
    ItemFactory(project=team.project, change=ChangeFactory(title='=HYPERLINK("http://x/","y")'))
    client.force_login(team.developer)
    response = client.get(URL, {"_export": "csv", "per_page": "1"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Change", "Title", "Kind", "CRM (2027-02-10)", "PAY (2027-03-01)"]
    body = {row[0]: row[1:] for row in rows[1:]}
    assert len(body) == 3  # every row, not one page
    assert body[world["shared"].key] == ["Shared fix", "Bug", states[2].name, states[0].name]
    formula = next(row for row in body.values() if "HYPERLINK" in row[0])
    assert formula[0] == '\'=HYPERLINK("http://x/","y")'


def test_csv_export_follows_the_filters(client, team, world):
    client.force_login(team.developer)
    response = client.get(URL, {"_export": "csv", "kind": Kind.FEATURE, "release": "CRM"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Change", "Title", "Kind", "CRM (2027-02-10)"]
    assert [row[0] for row in rows[1:]] == [world["feature"].key]


# --- Constant queries -------------------------------------------------------------------------

OVERVIEW_QUERIES = [
    ("django_session", "the session"),
    ("auth_user", "the logged-in user"),
    ("projects_releaseproject", "the visible open releases with their schedules (columns)"),
    ("auth_user", "the members of those releases (the assignee filter)"),
    ("items_change", "the number of changes matching the filters (rows, for the pages)"),
    ("items_releaseitem", "one page of those changes' inclusions, with change and state (cells)"),
]
# The export has every row, so it counts nothing: the same queries but the count.
EXPORT_QUERIES = [query for query in OVERVIEW_QUERIES if query[0] != "items_change"]


def _grow(team, states, releases: int, changes: int, prefix: str) -> None:
    """`releases` more open releases of the developer's, `changes` changes each in two of them."""
    projects = [team.project]
    for n in range(releases):
        project = ProjectFactory(code=f"{prefix}{n:02d}", planned_release_date=date(2027, 1, 1 + n))
        MemberFactory(project=project, user=team.developer)
        ReleaseSchedule.objects.get_or_create(project=project)
        projects.append(project)
    for n in range(changes):
        change = ChangeFactory()
        for project in (projects[n % len(projects)], projects[(n + 1) % len(projects)]):
            if project.items.filter(change=change).exists():
                continue
            ItemFactory(project=project, change=change, status=states[n % len(states)])


def _count_queries(client, query: dict | None = None, expected: list | None = None) -> str:
    """The page, checking each query against `expected` (OVERVIEW_QUERIES unless given: count
    and table, in order)."""
    expected = expected or OVERVIEW_QUERIES
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, query or {})
    assert response.status_code == 200
    assert len(captured) == len(expected), [q["sql"][:120] for q in captured]
    for (table, why), sql in zip(expected, captured, strict=True):
        assert f'"{table}"' in sql["sql"].split(" WHERE ")[0], (why, sql["sql"][:200])
    return response.content.decode()


def test_overview_query_count_is_pinned(client, team, states, world, django_assert_num_queries):
    client.force_login(team.developer)
    with django_assert_num_queries(len(OVERVIEW_QUERIES)):
        client.get(URL)
    _count_queries(client)
    # Filters, sorting and any page run the same queries; the export the same but the count.
    _count_queries(client, {"kind": Kind.BUG, "assignee": team.developer.pk})
    _count_queries(client, {"sort": "-kind", "per_page": "1", "page": "2"})
    _count_queries(client, {"_export": "csv"}, expected=EXPORT_QUERIES)


def test_overview_queries_do_not_grow_with_releases_or_changes(
    client, team, states, django_assert_num_queries
):
    client.force_login(team.developer)
    _grow(team, states, releases=1, changes=10, prefix="A")
    small = _count_queries(client)
    assert small.count('class="overview-release"') == 2
    _grow(team, states, releases=10, changes=90, prefix="B")
    large = _count_queries(client)
    assert large.count('class="overview-release"') == 12
    assert large.count('<th scope="row"') == 100
