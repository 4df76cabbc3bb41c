"""Item pages over HTTP: moves and their refusals, bulk moves, the items list, create/edit/delete.

A refusal answers 4xx with its message in the page and writes nothing.
"""

import csv
import io
import re

import pytest
from django.test import Client
from django.utils.html import escape

from items import engine
from items.forms import MoveForm
from items.models import Kind, Priority, ReleaseItem, ReleaseStatus
from items.views import ITEMS_PER_PAGE
from projects.models import ReleaseProject
from projects.roles import Role
from tests.conftest import Team
from tests.factories import ItemFactory, MemberFactory, ProjectFactory

DEVELOPING, READY_FOR_REVIEW, READY_FOR_INTEGRATION, CLOSED = 4500, 4540, 4550, 4595
ITEMS = "/projects/PAY/items/"


def state(state_id: int) -> ReleaseStatus:
    return ReleaseStatus.objects.get(pk=state_id)


def history_rows() -> int:
    return ReleaseItem.history.count()


def unchanged(item: ReleaseItem) -> bool:
    fresh = ReleaseItem.objects.get(pk=item.pk)
    return (fresh.status_id, fresh.position, fresh.version) == (
        item.status_id,
        item.position,
        item.version,
    )


def table_keys(html: str) -> list[str]:
    return re.findall(r'<a href="/projects/PAY/items/\d+/">(PAY-\d+)</a>', html)


def move_url(number: int | str) -> str:
    return f"{ITEMS}{number}/move/"


@pytest.fixture
def item(team: Team) -> ReleaseItem:
    return team.item(number=1)


@pytest.fixture
def manager(team: Team) -> Client:
    return team.client(team.manager)


# --- Refused moves: nothing is written -----------------------------------------------------


@pytest.mark.parametrize(
    "path", ["1/move/", "1/reorder/", "1/delete/", "bulk-move/"], ids=lambda p: p.rstrip("/")
)
def test_get_on_a_post_endpoint_is_405_and_changes_nothing(
    item: ReleaseItem, manager: Client, path: str
) -> None:
    before = history_rows()

    response = manager.get(f"{ITEMS}{path}", {"version": 1, "direction": "next"})

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert unchanged(item)
    assert history_rows() == before


def csrf_client(team: Team) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.developer)
    client.get("/projects/PAY/board/")  # sets the csrftoken cookie
    return client


def test_move_without_a_csrf_token_is_refused_with_403(team: Team, item: ReleaseItem) -> None:
    response = csrf_client(team).post(move_url(1), {"version": 1, "direction": "next"})

    assert response.status_code == 403
    assert "Form expired or forged" in response.text
    assert unchanged(item)


def test_move_with_a_forged_csrf_token_is_refused_with_403(team: Team, item: ReleaseItem) -> None:
    client = csrf_client(team)

    response = client.post(
        move_url(1), {"version": 1, "direction": "next", "csrfmiddlewaretoken": "x" * 32}
    )
    header = client.post(
        move_url(1), {"version": 1, "direction": "next"}, headers={"X-CSRFToken": "y" * 64}
    )

    assert (response.status_code, header.status_code) == (403, 403)
    assert unchanged(item)


def test_move_with_the_right_csrf_token_goes_through(team: Team, item: ReleaseItem) -> None:
    client = csrf_client(team)

    response = client.post(
        move_url(1),
        {
            "version": 1,
            "direction": "next",
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )

    assert response.status_code == 302
    assert not unchanged(item)


@pytest.mark.parametrize("version", ["abc", "-1", "0", str(10**30), "1.5", ""])
def test_move_with_a_malformed_version_is_a_bad_request(
    item: ReleaseItem, manager: Client, version: str
) -> None:
    data = {"version": version, "direction": "next"}

    response = manager.post(move_url(1), data)

    assert response.status_code == 400
    form = MoveForm(data)
    assert not form.is_valid()
    for message in form.errors["version"]:
        assert escape(message) in response.text
    assert unchanged(item)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Say where to move the item: a direction or a state."),
        ({"direction": "next", "to_status": READY_FOR_REVIEW}, "Give either a direction or a"),
        ({"direction": "up"}, "Select a valid choice."),
        ({"to_status": "abc"}, "Enter a whole number."),
        ({"direction": "next", "comment": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_move_with_contradicting_or_bad_fields_is_a_bad_request(
    item: ReleaseItem, manager: Client, data: dict, message: str
) -> None:
    response = manager.post(move_url(1), {"version": 1, **data})

    assert response.status_code == 400
    assert escape(message) in response.text
    assert unchanged(item)


@pytest.mark.parametrize("state_id", [0, 1, 4501, 999_999, 2**31 - 1])
def test_move_to_an_unknown_state_is_a_bad_request(
    item: ReleaseItem, manager: Client, state_id: int
) -> None:
    response = manager.post(move_url(1), {"version": 1, "to_status": state_id})

    assert response.status_code == 400
    assert escape(engine.UNKNOWN_STATE.format(state_id=state_id)) in response.text
    assert unchanged(item)


def test_move_into_a_disabled_state_is_a_bad_request(item: ReleaseItem, manager: Client) -> None:
    ReleaseStatus.objects.filter(pk=READY_FOR_INTEGRATION).update(enabled=False)

    response = manager.post(move_url(1), {"version": 1, "to_status": READY_FOR_INTEGRATION})

    assert response.status_code == 400
    message = engine.DISABLED_STATE.format(state="2 - Ready for Integration")
    assert escape(message) in response.text
    assert unchanged(item)


def test_arrow_move_out_of_a_disabled_state_is_refused(team: Team, manager: Client) -> None:
    item = team.item(number=1, status=state(READY_FOR_REVIEW))
    ReleaseStatus.objects.filter(pk=READY_FOR_REVIEW).update(enabled=False)

    response = manager.post(move_url(1), {"version": 1, "direction": "next"})

    assert response.status_code == 400
    message = engine.CURRENT_STATE_DISABLED.format(key="PAY-1", state="1 - Ready for Review")
    assert escape(message) in response.text
    assert unchanged(item)


def test_move_with_a_stale_version_is_refused_with_409(item: ReleaseItem, manager: Client) -> None:
    before = history_rows()

    response = manager.post(move_url(1), {"version": 2, "direction": "next"})

    assert response.status_code == 409
    assert escape(engine.STALE.format(key="PAY-1")) in response.text
    assert unchanged(item)
    assert history_rows() == before


def test_second_click_from_the_same_page_is_stale(item: ReleaseItem, manager: Client) -> None:
    first = manager.post(move_url(1), {"version": 1, "direction": "next"})
    second = manager.post(move_url(1), {"version": 1, "direction": "next"})

    assert (first.status_code, second.status_code) == (302, 409)
    item.refresh_from_db()
    assert item.status_id == READY_FOR_REVIEW


def test_right_arrow_past_the_last_state_is_refused(team: Team, manager: Client) -> None:
    item = team.item(number=1, status=state(CLOSED))

    response = manager.post(move_url(1), {"version": 1, "direction": "next"})

    assert response.status_code == 400
    assert escape(engine.PAST_LAST.format(key="PAY-1", state="7 - Closed")) in response.text
    assert unchanged(item)


def test_left_arrow_before_the_first_state_is_refused(item: ReleaseItem, manager: Client) -> None:
    response = manager.post(move_url(1), {"version": 1, "direction": "prev"})

    assert response.status_code == 400
    assert escape(engine.PAST_FIRST.format(key="PAY-1", state="0 - Developing")) in response.text
    assert unchanged(item)


def test_move_of_an_item_number_not_in_the_project_is_404(team: Team, manager: Client) -> None:
    other = ProjectFactory(code="OPS")
    foreign = ItemFactory(project=other, number=7)

    response = manager.post(move_url(7), {"version": 1, "direction": "next"})

    assert response.status_code == 404
    assert escape(engine.ITEM_NOT_FOUND.format(code="PAY")) in response.text
    assert unchanged(foreign)


@pytest.mark.parametrize(
    "path",
    [
        f"{ITEMS}abc/move/",
        f"{ITEMS}0/move/",
        f"{ITEMS}-1/move/",
        f"{ITEMS}01/move/",
        f"{ITEMS}1234567890/move/",
        f"{ITEMS}{10**30}/move/",
        f"{ITEMS}1.0/move/",
        "/projects/pay/items/1/move/",
        "/projects/P/items/1/move/",
        "/projects/PAYMENTS123/items/1/move/",
        "/projects/PAY/members/x/remove/",
    ],
)
def test_malformed_ids_in_the_url_are_404(item: ReleaseItem, manager: Client, path: str) -> None:
    response = manager.post(path, {"version": 1, "direction": "next"})

    assert response.status_code == 404
    assert unchanged(item)


def test_refused_move_from_the_item_page_shows_the_item_page(
    item: ReleaseItem, manager: Client
) -> None:
    response = manager.post(move_url(1), {"version": 5, "direction": "next", "origin": "item"})

    assert response.status_code == 409
    assert '<span class="key">PAY-1</span>' in response.text
    assert escape(engine.STALE.format(key="PAY-1")) in response.text


@pytest.mark.parametrize(
    ("origin", "location"),
    [("item", "/projects/PAY/items/1/"), ("list", ITEMS), ("board", "/projects/PAY/board/")],
)
def test_move_returns_to_the_page_it_came_from(
    item: ReleaseItem, manager: Client, origin: str, location: str
) -> None:
    response = manager.post(move_url(1), {"version": 1, "direction": "next", "origin": origin})

    assert response.status_code == 302
    assert response.url == location


def test_move_with_an_unknown_origin_goes_back_to_the_board(
    item: ReleaseItem, manager: Client
) -> None:
    response = manager.post(
        move_url(1), {"version": 1, "direction": "next", "origin": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response.url == "/projects/PAY/board/"


def test_manager_sets_any_state_with_a_comment_that_is_journaled(
    item: ReleaseItem, manager: Client
) -> None:
    response = manager.post(
        move_url(1),
        {"version": 1, "to_status": CLOSED, "comment": "  Shipped early  ", "origin": "item"},
        follow=True,
    )

    assert response.status_code == 200
    assert "Moved PAY-1 to 7 - Closed." in response.text
    row = ReleaseItem.history.filter(id=item.pk).latest("history_date")
    assert (row.change_kind, row.from_status_id, row.status_id) == ("moved", DEVELOPING, CLOSED)
    assert row.history_change_reason == "Shipped early"


# --- Bulk moves ----------------------------------------------------------------------------


def bulk(client: Client, selected: list[str], to_status: int = READY_FOR_INTEGRATION):
    return client.post(f"{ITEMS}bulk-move/", {"selected": selected, "to_status": to_status})


def test_bulk_move_moves_every_selected_item(team: Team, manager: Client) -> None:
    first, second = team.item(number=1), team.item(number=2, status=state(CLOSED))

    response = bulk(manager, [f"{first.pk}:1", f"{second.pk}:1"])

    assert response.status_code == 302
    assert response.url == ITEMS
    states = set(ReleaseItem.objects.values_list("status_id", flat=True))
    assert states == {READY_FOR_INTEGRATION}


def test_a_bulk_move_says_item_for_one_and_items_for_two(team: Team, manager: Client) -> None:
    one, two, three = (team.item(number=n) for n in (1, 2, 3))
    data = {"to_status": READY_FOR_INTEGRATION}

    single = manager.post(f"{ITEMS}bulk-move/", data | {"selected": [f"{one.pk}:1"]}, follow=True)
    double = manager.post(
        f"{ITEMS}bulk-move/", data | {"selected": [f"{two.pk}:1", f"{three.pk}:1"]}, follow=True
    )

    assert "Moved 1 item to " in single.text
    assert "Moved 2 items to " in double.text


def test_bulk_move_with_another_projects_item_is_404_and_moves_nothing(
    team: Team, manager: Client
) -> None:
    mine = team.item(number=1)  # the lower id: it would be moved first, then rolled back
    theirs = ItemFactory(project=ProjectFactory(code="OPS"), number=1)
    before = history_rows()

    response = bulk(manager, [f"{mine.pk}:1", f"{theirs.pk}:1"])

    assert response.status_code == 404
    message = f"Nothing was moved: {engine.ITEM_NOT_FOUND.format(code='PAY')}"
    assert escape(message) in response.text
    assert unchanged(mine)
    assert unchanged(theirs)
    assert history_rows() == before


def test_bulk_move_with_one_stale_item_is_409_and_moves_nothing(
    team: Team, manager: Client
) -> None:
    first, second = team.item(number=1), team.item(number=2)

    response = bulk(manager, [f"{first.pk}:1", f"{second.pk}:4"])

    assert response.status_code == 409
    assert escape(engine.STALE.format(key="PAY-2")) in response.text
    assert unchanged(first)
    assert unchanged(second)


@pytest.mark.parametrize(
    ("selected", "message"),
    [
        (["x:y"], "“x:y” is not a valid item selection."),
        (["1"], "“1” is not a valid item selection."),
        (["1:-1"], "“1:-1” is not a valid item selection."),
        ([f"1:{10**10}"], "is not a valid item selection."),
        ([], "Select at least one item."),
    ],
)
def test_bulk_move_with_a_malformed_selection_is_a_bad_request(
    item: ReleaseItem, manager: Client, selected: list[str], message: str
) -> None:
    response = bulk(manager, selected)

    assert response.status_code == 400
    assert escape(message) in response.text
    assert unchanged(item)


def test_bulk_move_to_an_unknown_state_is_a_bad_request(item: ReleaseItem, manager: Client) -> None:
    response = bulk(manager, [f"{item.pk}:1"], to_status=12345)

    assert response.status_code == 400
    assert escape(engine.UNKNOWN_STATE.format(state_id=12345)) in response.text
    assert unchanged(item)


def test_bulk_move_keeps_the_list_filters_in_the_redirect(
    item: ReleaseItem, manager: Client
) -> None:
    response = manager.post(
        f"{ITEMS}bulk-move/?kind=change_request&page=1",
        {"selected": [f"{item.pk}:1"], "to_status": READY_FOR_REVIEW},
    )

    assert response.status_code == 302
    assert response.url == f"{ITEMS}?kind=change_request&page=1"


# --- The items list ------------------------------------------------------------------------


def test_items_list_offers_bulk_moves_only_to_managers(team: Team, item: ReleaseItem) -> None:
    managed = team.client(team.manager).get(ITEMS).text
    developed = team.client(team.developer).get(ITEMS).text

    assert 'aria-label="Select PAY-1"' in managed
    assert 'id="bulk-move"' in managed
    assert "Select PAY-1" not in developed
    assert 'id="bulk-move"' not in developed


def test_items_list_shows_a_dash_for_an_unassigned_item_never_none(team: Team) -> None:
    team.item(number=1, title="Nobody's yet", assignee=None)

    text = team.client(team.viewer).get(ITEMS).text
    row = next(r for r in text.split("<tr>") if "PAY-1</a>" in r)

    assert "<td>—</td>" in row
    assert "None" not in row


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("", ["PAY-1", "PAY-2", "PAY-3"]),
        ("q=ROUNDING", ["PAY-1"]),
        (f"status={READY_FOR_REVIEW}", ["PAY-3"]),
        ("kind=bug", ["PAY-1", "PAY-2"]),
        ("priority=1", ["PAY-2"]),
        ("assignee={qa}", ["PAY-3"]),
        ("kind=bug&priority=4", ["PAY-1"]),
    ],
)
def test_items_list_filters(team: Team, query: str, shown: list[str]) -> None:
    team.item(number=1, title="Fix rounding", kind=Kind.BUG, priority=Priority.LOW)
    team.item(number=2, title="Fix login", kind=Kind.BUG, priority=Priority.CRITICAL)
    team.item(number=3, title="New report", status=state(READY_FOR_REVIEW), assignee=team.qa)

    response = team.client(team.viewer).get(f"{ITEMS}?{query.format(qa=team.qa.pk)}")

    assert response.status_code == 200
    assert table_keys(response.text) == shown


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("key", ["PAY-1", "PAY-2", "PAY-3"]),
        ("-key", ["PAY-3", "PAY-2", "PAY-1"]),
        ("title", ["PAY-2", "PAY-3", "PAY-1"]),
        ("-status", ["PAY-1", "PAY-3", "PAY-2"]),
        # By meaning: ascending goes from Low up to Critical, descending puts Critical first.
        ("priority", ["PAY-2", "PAY-1", "PAY-3"]),
        ("-priority", ["PAY-3", "PAY-1", "PAY-2"]),
    ],
)
def test_items_list_sorts_by_its_columns(team: Team, sort: str, order: list[str]) -> None:
    team.item(number=1, title="Cache", status=state(CLOSED), priority=Priority.MEDIUM)
    team.item(number=2, title="Audit", priority=Priority.LOW)
    team.item(number=3, title="Billing", status=state(READY_FOR_REVIEW), priority=Priority.HIGH)

    response = team.client(team.viewer).get(f"{ITEMS}?sort={sort}")

    assert response.status_code == 200
    assert table_keys(response.text) == order


@pytest.mark.parametrize(
    ("sort", "marked", "next_sort"),
    [("priority", "asc", "-priority"), ("-priority", "desc", "priority")],
)
def test_the_priority_header_says_which_way_the_list_is_sorted(
    team: Team, sort: str, marked: str, next_sort: str
) -> None:
    team.item(number=1)

    response = team.client(team.viewer).get(f"{ITEMS}?sort={sort}")

    header = re.search(r"<th([^>]*)>\s*<a href=\"([^\"]*)\">Priority</a>", response.text)
    assert header is not None
    assert re.search(rf'class="[^"]*\b{marked}\b', header[1])
    assert header[1].count(f'aria-sort="{"ascending" if marked == "asc" else "descending"}"') == 1
    assert f"sort={next_sort}" in header[2]


def test_priority_sorts_critical_first_when_descending_with_ties_by_key(team: Team) -> None:
    for number, priority in [(1, Priority.LOW), (2, Priority.CRITICAL), (3, Priority.CRITICAL)]:
        team.item(number=number, priority=priority)

    response = team.client(team.viewer).get(f"{ITEMS}?sort=-priority")

    assert table_keys(response.text) == ["PAY-2", "PAY-3", "PAY-1"]


def test_items_list_is_paginated(team: Team) -> None:
    for number in range(1, ITEMS_PER_PAGE + 6):
        team.item(number=number)
    client = team.client(team.viewer)

    first = table_keys(client.get(f"{ITEMS}?sort=key").text)
    second = table_keys(client.get(f"{ITEMS}?sort=key&page=2").text)
    beyond = client.get(f"{ITEMS}?sort=key&page=99")
    garbage = client.get(f"{ITEMS}?sort=key&page=abc")

    assert len(first) == ITEMS_PER_PAGE
    assert len(second) == 5
    assert sorted(first + second, key=lambda k: int(k[4:])) == [
        f"PAY-{n}" for n in range(1, ITEMS_PER_PAGE + 6)
    ]
    assert (beyond.status_code, garbage.status_code) == (200, 200)
    assert table_keys(beyond.text) == second
    assert table_keys(garbage.text) == first


def test_csv_export_lists_the_keys_and_no_select_column(team: Team) -> None:
    team.item(number=1, title="Fix rounding", kind=Kind.BUG, assignee=team.developer)
    team.item(number=2, title="New report", kind=Kind.FEATURE)

    response = team.client(team.manager).get(f"{ITEMS}?_export=csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "PAY-items.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:7] == ["Key", "Title", "Kind", "Priority", "State", "Assignee", "External"]
    assert "Select" not in rows[0]
    assert [row[0] for row in rows[1:]] == ["PAY-1", "PAY-2"]
    assert rows[1][1:3] == ["Fix rounding", "Bug"]


def test_csv_export_follows_the_filters(team: Team) -> None:
    team.item(number=1, kind=Kind.BUG)
    team.item(number=2, kind=Kind.FEATURE)

    response = team.client(team.viewer).get(f"{ITEMS}?kind=feature&_export=csv")

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["PAY-2"]


def test_unknown_export_format_is_refused(team: Team, item: ReleaseItem) -> None:
    # More formats and both lists: tests/test_exports.py.
    response = team.client(team.viewer).get(f"{ITEMS}?_export=exe")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


# --- One item ------------------------------------------------------------------------------


def test_item_detail_shows_the_item_and_the_moves_the_role_allows(team: Team) -> None:
    team.item(
        number=1,
        title="Fix rounding",
        kind=Kind.BUG,
        status=state(READY_FOR_REVIEW),
        assignee=team.developer,
    )

    developer = team.client(team.developer).get(f"{ITEMS}1/").text
    manager = team.client(team.manager).get(f"{ITEMS}1/").text
    viewer = team.client(team.viewer).get(f"{ITEMS}1/").text

    assert "<strong>1 - Ready for Review</strong>" in viewer
    assert team.developer.get_full_name() in viewer
    assert "Move PAY-1 to 0 - Developing" in developer
    assert "Move PAY-1 to 2 - Ready for Integration" in developer
    assert "Set state of PAY-1" not in developer
    assert "Remove PAY-1" not in developer
    assert "Set state of PAY-1" in manager
    assert "Remove PAY-1" in manager
    assert "Move PAY-1" not in viewer
    assert 'href="/projects/PAY/items/1/edit/"' not in viewer
    assert 'href="/projects/PAY/items/1/journal/"' in viewer


def test_missing_item_is_404_with_its_message(team: Team) -> None:
    response = team.client(team.viewer).get(f"{ITEMS}42/")

    assert response.status_code == 404
    assert escape(engine.ITEM_NOT_FOUND.format(code="PAY")) in response.text


def set_next_number(team: Team, number: int) -> None:
    ReleaseProject.objects.filter(pk=team.project.pk).update(next_item_number=number)


def test_developer_adds_an_item_in_the_first_enabled_state(team: Team) -> None:
    ReleaseStatus.objects.filter(pk=DEVELOPING).update(enabled=False)
    set_next_number(team, 5)

    response = team.client(team.developer).post(
        f"{ITEMS}new/",
        {"kind": "bug", "title": "Fix rounding", "priority": 2, "assignee": team.qa.pk},
    )

    assert response.status_code == 302
    assert response.url == f"{ITEMS}5/"
    item = ReleaseItem.objects.get(number=5)
    assert (item.title, item.status_id, item.assignee, item.created_by) == (
        "Fix rounding",
        READY_FOR_REVIEW,
        team.qa,
        team.developer,
    )
    row = item.history.get()
    assert (row.change_kind, row.history_user) == ("created", team.developer)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "bug", "priority": 2}, "This field is required."),
        ({"kind": "virus", "title": "x", "priority": 2}, "Select a valid choice."),
        ({"kind": "bug", "title": "x", "priority": 9}, "Select a valid choice."),
        (
            {"kind": "bug", "title": "x", "priority": 2, "external_url": "javascript:alert(1)"},
            "Enter a valid URL.",
        ),
    ],
)
def test_invalid_item_form_is_a_bad_request(team: Team, data: dict, message: str) -> None:
    response = team.client(team.developer).post(f"{ITEMS}new/", data)

    assert response.status_code == 400
    assert message in response.text
    assert not ReleaseItem.objects.exists()


def test_only_members_can_be_assigned(team: Team) -> None:
    response = team.client(team.developer).post(
        f"{ITEMS}new/",
        {"kind": "bug", "title": "Fix rounding", "priority": 2, "assignee": team.outsider.pk},
    )

    assert response.status_code == 400
    assert "Select a valid choice." in response.text
    assert not ReleaseItem.objects.exists()


def test_edit_form_carries_the_version_it_was_rendered_with(team: Team) -> None:
    team.item(number=1, title="Fix rounding", version=4)

    response = team.client(team.developer).get(f"{ITEMS}1/edit/")

    assert response.status_code == 200
    assert 'name="version" value="4"' in response.text
    assert 'value="Fix rounding"' in response.text
    assert 'name="status"' not in response.text


def edit_data(version: int | str, **fields) -> dict:
    return {"version": version, "kind": "bug", "title": "Fix rounding", "priority": 2, **fields}


def test_edit_saves_and_bumps_the_version(team: Team) -> None:
    item = team.item(number=1, title="Fix roundng")

    response = team.client(team.developer).post(
        f"{ITEMS}1/edit/", edit_data(1, status=CLOSED, version_ignored=9)
    )

    assert response.status_code == 302
    assert response.url == f"{ITEMS}1/"
    item.refresh_from_db()
    assert (item.title, item.kind, item.version, item.status_id) == (
        "Fix rounding",
        "bug",
        2,
        DEVELOPING,
    )
    assert item.history.latest("history_date").change_kind == "edited"


def test_edit_with_a_stale_version_is_refused_with_409(team: Team) -> None:
    item = team.item(number=1, title="Fix roundng", version=3)

    response = team.client(team.developer).post(f"{ITEMS}1/edit/", edit_data(2))

    assert response.status_code == 409
    assert escape(engine.STALE.format(key="PAY-1")) in response.text
    item.refresh_from_db()
    assert (item.title, item.version) == ("Fix roundng", 3)


@pytest.mark.parametrize("version", ["abc", "-1", str(10**30), ""])
def test_edit_with_a_malformed_version_is_a_bad_request(team: Team, version: str) -> None:
    item = team.item(number=1, title="Fix roundng")

    response = team.client(team.developer).post(f"{ITEMS}1/edit/", edit_data(version))

    assert response.status_code == 400
    item.refresh_from_db()
    assert (item.title, item.version) == ("Fix roundng", 1)


def test_delete_removes_the_item_and_keeps_its_journal(team: Team, manager: Client) -> None:
    item = team.item(number=1, title="Fix rounding")
    set_next_number(team, 2)

    response = manager.post(f"{ITEMS}1/delete/", {"version": 1, "reason": "Out of scope"})

    assert response.status_code == 302
    assert response.url == ITEMS
    assert not ReleaseItem.objects.filter(pk=item.pk).exists()
    assert manager.get(f"{ITEMS}1/").status_code == 404
    journal = manager.get(f"{ITEMS}1/journal/")
    assert journal.status_code == 200
    assert "Removed: Fix rounding" in journal.text
    assert "“Out of scope”" in journal.text
    # Numbers are never reused.
    manager.post(f"{ITEMS}new/", {"kind": "bug", "title": "Next", "priority": 2})
    assert ReleaseItem.objects.get().number == 2


def test_delete_with_a_stale_version_is_refused_with_409(team: Team, manager: Client) -> None:
    item = team.item(number=1, version=2)

    response = manager.post(f"{ITEMS}1/delete/", {"version": 1})

    assert response.status_code == 409
    assert escape(engine.STALE.format(key="PAY-1")) in response.text
    assert ReleaseItem.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("version", ["abc", "", str(10**30)])
def test_delete_with_a_malformed_version_is_a_bad_request(
    item: ReleaseItem, manager: Client, version: str
) -> None:
    response = manager.post(f"{ITEMS}1/delete/", {"version": version})

    assert response.status_code == 400
    assert ReleaseItem.objects.filter(pk=item.pk).exists()


def test_assignee_must_still_be_a_member_when_editing(team: Team) -> None:
    leaver = MemberFactory(project=team.project, role=Role.DEVELOPER).user
    team.item(number=1, assignee=leaver)
    team.project.members.filter(user=leaver).delete()

    response = team.client(team.developer).post(f"{ITEMS}1/edit/", edit_data(1, assignee=leaver.pk))

    assert response.status_code == 400
    assert "Select a valid choice." in response.text


def test_items_list_with_an_unknown_state_filter_is_a_bad_request_that_says_so(team: Team) -> None:
    team.item(number=1)

    response = team.client(team.viewer).get("/projects/PAY/items/?status=abc")

    assert response.status_code == 400
    assert "This filter was ignored." in response.text
    assert "PAY-1" in response.text


def test_a_german_user_reads_the_item_page_in_german(team: Team, item: ReleaseItem) -> None:
    manager = team.client(team.manager)
    manager.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"

    html = manager.get(f"{ITEMS}1/").text

    assert '<h2 id="move-title">Verschieben</h2>' in html
    assert "<dt>Priorität</dt><dd>Mittel</dd>" in html
    assert ">Move</h2>" not in html


def test_the_assignee_choice_names_its_empty_choice_in_the_readers_language(
    manager: Client,
) -> None:
    english = manager.get(f"{ITEMS}new/").text
    german = manager.get(f"{ITEMS}new/", HTTP_ACCEPT_LANGUAGE="de").text

    assert ">Unassigned</option>" in english
    assert ">Nicht zugewiesen</option>" in german
    assert "Select an option" not in english + german
