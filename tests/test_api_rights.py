"""The board's table of role x move (tests/test_rights.py), asked through the API: every role
gets the same answer as on the board, and a refusal carries the board's own words."""

from html import escape

import pytest

from items.policy import BLOCKED
from qa.gates import NEEDS_ACCEPTANCE, NEEDS_SIGNOFF
from tests.api_fixtures import *  # noqa: F403  (the fixtures)
from tests.api_fixtures import api_as, if_match
from tests.conftest import Team
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.governance_fixtures import ACCEPTANCE_TEST, PRODUCTION, fresh, item_in, pass_tests, state
from tests.test_rights import MOVES, ROLES, people, placed

pytestmark = pytest.mark.django_db


def api_body(how: dict, comment: str) -> dict:
    body = {"comment": comment}
    if "to" in how:
        body["to_state"] = how["to"]
    else:
        body["direction"] = how["direction"]
    return body


def board_form(how: dict, comment: str, version: int) -> dict:
    form = {"version": version, "comment": comment}
    if "to" in how:
        form["to_status"] = how["to"]
    else:
        form["direction"] = how["direction"]
    return form


@pytest.mark.parametrize("move_name", list(MOVES))
@pytest.mark.parametrize("role", ROLES)
def test_the_api_and_the_board_agree_on_who_may_move(
    team: Team, rules: dict, role: str, move_name: str
) -> None:
    case = MOVES[move_name]
    user = people(team)[role]
    expected = role in case.allowed
    by_board = placed(team, case, number=1)
    by_api = placed(team, case, number=2)

    board = team.client(user).post(
        f"/projects/PAY/items/{by_board.number}/move/",
        board_form(case.how, case.comment, by_board.version),
    )
    api = api_as(user).post(
        f"/api/v1/releases/PAY/items/{by_api.number}/move/",
        api_body(case.how, case.comment),
        **if_match(by_api.version),
    )

    assert board.status_code in (302, 403), board.status_code
    assert api.status_code in (200, 403), api.content
    assert (board.status_code == 302, api.status_code == 200) == (expected, expected)
    assert fresh(by_api).status_id == (case.target if expected else case.source)
    if not expected:  # the same reason, word for word
        assert escape(api.json()["detail"], quote=False) in board.text


def test_a_move_a_gate_blocks_is_refused_with_the_arrows_reason(team: Team, rules: dict) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    pass_tests(team, item)
    item = fresh(item)

    response = api_as(team.qa).post(
        f"/api/v1/releases/PAY/items/{item.number}/move/",
        {"direction": "next"},
        **if_match(item.version),
    )

    assert response.status_code == 403
    assert response.json()["detail"] == BLOCKED.format(
        key=item.key,
        target=state(PRODUCTION).name,
        reasons=f"{NEEDS_SIGNOFF}; {NEEDS_ACCEPTANCE}",
    )
    assert fresh(item).status_id == ACCEPTANCE_TEST
