"""The REST API: reads, writes through the services, ETag / If-Match, problem details on bad
input, the portal's access rule, and constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.problems import IF_MATCH_REQUIRED, PROBLEM_JSON
from items.engine import STALE
from items.models import ReleaseItem
from journal.models import ChangeKind
from projects.access import NOT_FOUND, READ_ONLY
from projects.models import Lifecycle
from qa import services as qa_services
from tests.api_fixtures import *  # noqa: F403  (the fixtures)
from tests.api_fixtures import ApiClient, api_as, if_match
from tests.conftest import Team
from tests.factories import ItemFactory, UserFactory
from tests.governance_fixtures import DEVELOPING, REVIEW, fresh

pytestmark = pytest.mark.django_db

V1 = "/api/v1/releases/PAY"


def item_url(item: ReleaseItem, tail: str = "") -> str:
    return f"{V1}/items/{item.number}/{tail}"


def assert_problem(response, status: int, detail: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM_JSON
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert body["type"].startswith("/api/docs/#problem-")
    if detail is not None:
        assert body["detail"] == detail
    return body


# --- Reads --------------------------------------------------------------------------------------


def test_a_member_reads_the_items_of_a_release_with_their_state_and_version(
    team: Team, tokens: dict
) -> None:
    item = team.item(number=7, title="Limit card payments", assignee=team.developer)

    response = ApiClient(tokens["viewer"]).get(f"{V1}/items/")

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["key"] == "PAY-7"
    assert row["title"] == "Limit card payments"
    assert row["assignee"] == "david"
    assert row["state"] == {"id": DEVELOPING, "name": item.status.name}
    assert row["version"] == 1


def test_items_filter_by_state_kind_assignee_and_text(team: Team, tokens: dict) -> None:
    team.item(number=1, title="Limit card payments", kind="bug", assignee=team.developer)
    team.item(number=2, title="Limit transfers", kind="feature")
    team.item(number=3, title="Statement export", kind="bug")
    client = ApiClient(tokens["viewer"])

    def keys(query: str) -> list[str]:
        response = client.get(f"{V1}/items/?{query}")
        assert response.status_code == 200, response.content
        return [row["key"] for row in response.json()["results"]]

    assert keys("kind=bug") == ["PAY-1", "PAY-3"]
    assert keys("text=limit") == ["PAY-1", "PAY-2"]
    assert keys("assignee=david") == ["PAY-1"]
    assert keys(f"state={DEVELOPING}&kind=feature") == ["PAY-2"]
    assert keys(f"state={REVIEW}") == []


def test_items_are_paged_by_a_cursor_that_survives_moves(team: Team, tokens: dict) -> None:
    for number in range(1, 6):
        team.item(number=number)
    client = ApiClient(tokens["viewer"])

    first = client.get(f"{V1}/items/?page_size=2").json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()

    pages = [[row["number"] for row in page["results"]] for page in (first, second, third)]
    assert pages == [[1, 2], [3, 4], [5]]
    assert third["next"] is None


@pytest.mark.parametrize(
    "query",
    [
        "state=x",
        "state=99999999999",
        "kind=spaceship",
        "text=" + "a" * 201,
        "text=%00",
        "cursor=bm9wZQ",
        "cursor=%2Fw%3D%3D",  # not ASCII once decoded
        "cursor=cD0lMDA=",  # p=\x00: a position the database could not take
    ],
)
def test_a_bad_filter_or_cursor_is_a_400_problem(team: Team, tokens: dict, query: str) -> None:
    team.item(number=1)

    response = ApiClient(tokens["viewer"]).get(f"{V1}/items/?{query}")

    body = assert_problem(response, 400)
    assert body["errors"]


def test_an_outsider_gets_404_and_an_unknown_item_404(team: Team, tokens: dict) -> None:
    team.item(number=1)

    outsider = ApiClient(tokens["outsider"]).get(f"{V1}/items/")
    missing = ApiClient(tokens["viewer"]).get(f"{V1}/items/99/")
    nowhere = ApiClient(tokens["viewer"]).get("/api/v1/nothing/here/")

    assert_problem(outsider, 404, NOT_FOUND)
    assert_problem(missing, 404, "There is no such item in PAY.")
    assert_problem(nowhere, 404)


def test_the_releases_list_shows_only_the_users_releases(team: Team, tokens: dict) -> None:
    ItemFactory()  # another project, in which the viewer is no member

    response = ApiClient(tokens["viewer"]).get("/api/v1/releases/")

    assert [row["code"] for row in response.json()["results"]] == ["PAY"]


def test_states_rules_members_votes_qa_and_journal_read(team: Team, tokens: dict) -> None:
    item = team.item(number=1)
    client = ApiClient(tokens["viewer"])

    states = client.get("/api/v1/states/").json()
    members = client.get(f"{V1}/members/").json()
    journal = client.get(f"{V1}/journal/").json()
    item_journal = client.get(item_url(item, "journal/")).json()

    assert states[0]["id"] == DEVELOPING
    assert client.get("/api/v1/rules/").json() == []
    assert {"username": "victor", "role": "viewer"}.items() <= members[-1].items()
    assert client.get(item_url(item, "approvals/")).json() == []
    assert client.get(item_url(item, "qa/")).json() == {
        "test_cases": [],
        "signoffs": [],
        "acceptances": [],
    }
    assert journal["results"][0]["subject"] == "PAY-1"
    assert item_journal["results"][0]["action"] == "Created"


def test_a_bad_journal_cursor_is_a_400_problem(team: Team, tokens: dict) -> None:
    response = ApiClient(tokens["viewer"]).get(f"{V1}/journal/?before=yesterday")

    assert assert_problem(response, 400)["errors"]["before"]


# --- ETag and If-Match ------------------------------------------------------------------------


def test_an_item_answers_with_its_version_as_etag(team: Team, tokens: dict) -> None:
    item = team.item(number=1)

    response = ApiClient(tokens["viewer"]).get(item_url(item))

    assert response["ETag"] == '"1"'


def test_a_move_without_if_match_is_428_and_changes_nothing(team: Team, tokens: dict) -> None:
    item = team.item(number=1)

    response = ApiClient(tokens["developer"]).post(item_url(item, "move/"), {"direction": "next"})

    assert_problem(response, 428, IF_MATCH_REQUIRED)
    assert fresh(item).status_id == DEVELOPING


@pytest.mark.parametrize("header", ['"1", "2"', 'W/"2"', "2", '"abc"', "*"])
def test_an_if_match_that_names_no_single_version_is_refused(
    team: Team, tokens: dict, header: str
) -> None:
    item = team.item(number=1)

    response = ApiClient(tokens["developer"]).post(
        item_url(item, "move/"), {"direction": "next"}, **{"If-Match": header}
    )

    assert response.status_code in (412, 428)
    assert_problem(response, response.status_code)
    assert fresh(item).status_id == DEVELOPING


def test_a_move_with_the_current_version_moves_and_returns_the_new_etag(
    team: Team, tokens: dict
) -> None:
    item = team.item(number=1)

    response = ApiClient(tokens["developer"]).post(
        item_url(item, "move/"), {"direction": "next", "comment": "Ready"}, **if_match(1)
    )

    assert response.status_code == 200, response.content
    assert response.json()["state"]["id"] == REVIEW
    assert response["ETag"] == '"2"'
    row = ReleaseItem.history.filter(id=item.pk).latest("history_id")
    assert (row.change_kind, row.from_status_id, row.history_user) == (
        ChangeKind.MOVED,
        DEVELOPING,
        team.developer,
    )


def test_a_stale_move_is_412_with_the_boards_words_and_changes_nothing(
    team: Team, tokens: dict
) -> None:
    item = team.item(number=1)
    client = ApiClient(tokens["developer"])
    client.post(item_url(item, "move/"), {"direction": "next"}, **if_match(1))

    response = client.post(item_url(item, "move/"), {"direction": "next"}, **if_match(1))

    assert_problem(response, 412, STALE.format(key="PAY-1"))
    assert fresh(item).status_id == REVIEW


def test_an_edit_needs_the_current_version_and_bumps_it(team: Team, tokens: dict) -> None:
    item = team.item(number=1, title="Old")
    client = ApiClient(tokens["developer"])

    missing = client.patch(item_url(item), {"title": "New"})
    stale = client.patch(item_url(item), {"title": "New"}, **if_match(5))
    edited = client.patch(item_url(item), {"title": "New", "priority": 1}, **if_match(1))

    assert_problem(missing, 428)
    assert_problem(stale, 412, STALE.format(key="PAY-1"))
    assert edited.status_code == 200, edited.content
    assert (edited.json()["title"], edited.json()["priority"]) == ("New", 1)
    assert edited["ETag"] == f'"{fresh(item).version}"' != '"1"'


def test_a_reorder_swaps_with_the_neighbour(team: Team, tokens: dict) -> None:
    top, bottom = team.item(number=1), team.item(number=2)

    response = ApiClient(tokens["developer"]).post(
        item_url(bottom, "reorder/"), {"shift": "up"}, **if_match(1)
    )

    assert response.status_code == 200, response.content
    assert fresh(bottom).position < fresh(top).position


# --- Writes and refusals ------------------------------------------------------------------------


def test_a_developer_adds_an_item_through_the_service(team: Team, tokens: dict) -> None:
    response = ApiClient(tokens["developer"]).post(
        f"{V1}/items/", {"title": "Limit card payments", "kind": "bug", "assignee": "david"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["key"], body["state"]["id"], body["assignee"]) == ("PAY-1", DEVELOPING, "david")
    assert response["Location"].endswith("/api/v1/releases/PAY/items/1/")
    assert response["ETag"] == '"1"'
    assert ReleaseItem.objects.get(project=team.project, number=1).change.created_by == (
        team.developer
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "ok", "kind": "spaceship"}, "kind"),
        ({"title": "ok", "priority": 0}, "priority"),
        ({"title": "ok", "assignee": "oscar"}, "assignee"),  # not a member
        ({"title": "ok", "external_url": "javascript:alert(1)"}, "external_url"),
        ({"title": "nul \x00 byte"}, "title"),
        ({"title": "lone \ud800 surrogate"}, "title"),
        ({"title": ["a list"]}, "title"),
    ],
)
def test_bad_input_is_a_400_problem_naming_the_field_and_writes_nothing(
    team: Team, tokens: dict, body: dict, field: str
) -> None:
    response = ApiClient(tokens["developer"]).post(f"{V1}/items/", body)

    assert field in assert_problem(response, 400)["errors"]
    assert not ReleaseItem.objects.exists()


@pytest.mark.parametrize(
    "raw", ["{", "[]", '"text"', "null", "1e999999", '{"title": "a", "title": }', b"\xff\xfe"]
)
def test_a_body_that_is_not_a_json_object_is_a_400_problem(
    team: Team, tokens: dict, raw: str
) -> None:
    response = ApiClient(tokens["developer"]).post(f"{V1}/items/", raw)

    assert_problem(response, 400)
    assert not ReleaseItem.objects.exists()


def test_a_body_too_large_is_a_413_problem(team: Team, tokens: dict, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = ApiClient(tokens["developer"]).post(
        f"{V1}/items/", {"title": "x", "description": "y" * 2000}
    )

    assert_problem(response, 413)
    assert not ReleaseItem.objects.exists()


def test_a_json_document_nested_too_deeply_is_a_400_problem(team: Team, tokens: dict) -> None:
    response = ApiClient(tokens["developer"]).post(f"{V1}/items/", "[" * 100_000 + "]" * 100_000)

    assert_problem(response, 400)
    assert not ReleaseItem.objects.exists()


def test_api_answers_are_never_stored_by_a_cache(team: Team, tokens: dict) -> None:
    response = ApiClient(tokens["viewer"]).get("/api/v1/states/")

    assert "no-store" in response["Cache-Control"]


def test_a_body_that_is_not_json_is_a_415_problem(team: Team, tokens: dict) -> None:
    client = ApiClient(tokens["developer"])

    response = client.client.post(
        f"{V1}/items/", {"title": "form"}, headers=client.headers
    )  # multipart, as a browser form

    assert_problem(response, 415)


def test_a_viewer_may_read_but_not_write_403(team: Team, tokens: dict) -> None:
    item = team.item(number=1)
    client = ApiClient(tokens["viewer"])

    assert client.get(item_url(item)).status_code == 200
    assert_problem(client.post(f"{V1}/items/", {"title": "x"}), 403, READ_ONLY)
    assert_problem(client.post(item_url(item, "move/"), {"direction": "next"}), 403, READ_ONLY)


def test_a_closed_release_refuses_moves_with_the_portals_reason(team: Team, tokens: dict) -> None:
    item = team.item(number=1)
    team.project.lifecycle = Lifecycle.CLOSED
    team.project.save()

    response = ApiClient(tokens["manager"]).post(
        item_url(item, "move/"), {"direction": "next"}, **if_match(1)
    )

    assert_problem(response, 403, "Release PAY is closed: reopen it to change items.")


def test_moving_past_the_first_state_is_a_400_problem(team: Team, tokens: dict) -> None:
    item = team.item(number=1)

    response = ApiClient(tokens["developer"]).post(
        item_url(item, "move/"), {"direction": "prev"}, **if_match(1)
    )

    body = assert_problem(response, 400)
    assert "already in the first state" in body["detail"]


def test_a_move_names_a_direction_or_a_state_not_both(team: Team, tokens: dict) -> None:
    item = team.item(number=1)
    client = ApiClient(tokens["manager"])

    neither = client.post(item_url(item, "move/"), {}, **if_match(1))
    both = client.post(
        item_url(item, "move/"), {"direction": "next", "to_state": REVIEW}, **if_match(1)
    )

    assert "non_field_errors" in assert_problem(neither, 400)["errors"]
    assert "non_field_errors" in assert_problem(both, 400)["errors"]


def test_a_qa_tester_adds_a_case_and_records_a_run(team: Team, tokens: dict) -> None:
    item = team.item(number=1)
    client = ApiClient(tokens["qa"])

    case = client.post(item_url(item, "test-cases/"), {"title": "Limit is enforced"})
    run = client.post(
        item_url(item, f"test-cases/{case.json()['id']}/runs/"),
        {"result": "passed", "note": "green on staging"},
    )
    unknown = client.post(item_url(item, "test-cases/999999/runs/"), {"result": "passed"})
    records = client.get(item_url(item, "qa/")).json()

    assert (case.status_code, run.status_code) == (201, 201), run.content
    assert run.json()["tester"] == "quinn"
    assert records["test_cases"][0]["runs"][0]["result"] == "passed"
    assert_problem(unknown, 404)


def test_only_qa_testers_record_runs(team: Team, tokens: dict) -> None:
    item = team.item(number=1)
    case = ApiClient(tokens["qa"]).post(item_url(item, "test-cases/"), {"title": "T"}).json()

    response = ApiClient(tokens["developer"]).post(
        item_url(item, f"test-cases/{case['id']}/runs/"), {"result": "passed"}
    )

    assert_problem(response, 403, "Only QA testers record test runs.")


def test_a_vote_where_no_approval_is_needed_is_a_400_and_a_stale_round_409(
    team: Team, tokens: dict
) -> None:
    item = team.item(number=1)
    client = ApiClient(tokens["approver"])

    needless = client.post(
        item_url(item, "approvals/"), {"vote": "approve", "to_state": REVIEW, "round": 1}
    )
    stale = client.post(
        item_url(item, "approvals/"), {"vote": "approve", "to_state": REVIEW, "round": 7}
    )

    assert "needs no approval" in assert_problem(needless, 400)["detail"]
    assert_problem(stale, 409)


@pytest.mark.parametrize(
    ("role", "tail", "body"),
    [
        ("approver", "approvals/", {"vote": "approve", "to_state": REVIEW, "round": 1}),
        ("qa", "test-cases/", {"title": "Limit is enforced"}),
        ("qa", "test-cases/1/runs/", {"result": "passed"}),
    ],
)
def test_a_record_write_checks_the_caller_then_the_body_then_the_item(
    team: Team, tokens: dict, role: str, tail: str, body: dict
) -> None:
    url = f"{V1}/items/99/{tail}"

    outsider = ApiClient(tokens["outsider"]).post(url, body)
    bad_body = ApiClient(tokens[role]).post(url, {})
    no_item = ApiClient(tokens[role]).post(url, body)

    assert_problem(outsider, 404, NOT_FOUND)
    assert assert_problem(bad_body, 400)["errors"]
    assert_problem(no_item, 404, "There is no such item in PAY.")


# --- Query counts ------------------------------------------------------------------------------

# A page of items through a token, whatever the number of items:
ITEMS_PAGE_QUERIES = [
    ("api_apitoken", "the token, with its user"),
    ("projects_releaseproject", "the project and the user's role (projects.access)"),
    ("items_releaseitem", "the page of items with their state, assignee and change"),
    ("api_apitokenuse", "the journal row of this use of the token"),
]


@pytest.mark.parametrize("size", [10, 100])
def test_a_page_of_100_items_costs_the_same_queries_as_10(
    team: Team, tokens: dict, django_assert_num_queries, size: int
) -> None:
    for number in range(1, size + 1):
        team.item(number=number, assignee=team.developer)
    client = ApiClient(tokens["viewer"])

    with django_assert_num_queries(len(ITEMS_PAGE_QUERIES)) as captured:
        response = client.get(f"{V1}/items/?page_size=100&kind=change_request")

    assert len(response.json()["results"]) == size
    for (table, purpose), query in zip(ITEMS_PAGE_QUERIES, captured.captured_queries, strict=True):
        assert f'"{table}"' in query["sql"], purpose


def test_an_item_read_is_four_queries(team: Team, tokens: dict, django_assert_num_queries) -> None:
    item = team.item(number=1, assignee=team.developer)
    client = ApiClient(tokens["viewer"])

    with django_assert_num_queries(4):  # token, project and role, the item, the token's use
        client.get(item_url(item))


def test_the_session_works_for_reads_and_writes_need_csrf(team: Team) -> None:
    """A browser signed in to the portal may read the API; its writes need the CSRF token,
    so no other site can make them."""
    from django.test import Client

    item = team.item(number=1)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(team.developer)

    read = browser.get(item_url(item))
    write = browser.post(
        item_url(item, "move/"),
        '{"direction": "next"}',
        content_type="application/json",
        headers=if_match(1),
    )

    assert read.status_code == 200
    assert_problem(write, 403)
    assert "CSRF" in write.json()["detail"]
    assert fresh(item).status_id == DEVELOPING


def test_a_disabled_account_cannot_use_its_token(team: Team) -> None:
    user = UserFactory(username="gone")
    client = api_as(user)
    user.is_active = False
    user.save()

    assert_problem(client.get("/api/v1/states/"), 401)


def test_an_api_move_runs_no_more_queries_than_the_boards(team: Team, tokens: dict) -> None:
    """Issue 12: an API move costs no more than a board move (bench/timings.py times both):
    the token's one query replaces the session's and the user's, and pays for its journal
    row."""
    by_board, by_api = team.item(number=1), team.item(number=2)
    team.item(number=5)  # stays in the first state: neither move completes the code freeze
    browser = team.client(team.developer)
    client = ApiClient(tokens["developer"])
    # Warm-up: the states and rules loaded, the release's development start recorded.
    for number in (3, 4):
        warm = team.item(number=number)
        client.post(item_url(warm, "move/"), {"direction": "next"}, **if_match(1))

    with CaptureQueriesContext(connection) as board:
        moved = browser.post(
            f"/projects/PAY/items/{by_board.number}/move/", {"version": 1, "direction": "next"}
        )
    with CaptureQueriesContext(connection) as api:
        response = client.post(item_url(by_api, "move/"), {"direction": "next"}, **if_match(1))

    assert (moved.status_code, response.status_code) == (302, 200)
    assert len(api.captured_queries) <= len(board.captured_queries)


def test_a_removed_test_case_stays_in_the_api_with_when_it_was_retired(
    team: Team, tokens: dict
) -> None:
    item = team.item(number=1)
    client = ApiClient(tokens["qa"])
    case_id = client.post(item_url(item, "test-cases/"), {"title": "Limit is enforced"}).json()[
        "id"
    ]
    before = client.get(item_url(item, "qa/")).json()["test_cases"][0]
    qa_services.qa_case_retire(
        access=team.access(team.qa), item_id=item.pk, test_case_id=case_id, reason="Duplicate"
    )
    after = client.get(item_url(item, "qa/")).json()["test_cases"][0]

    assert before["retired_at"] is None
    assert after["id"] == case_id
    assert after["retired_at"] is not None
