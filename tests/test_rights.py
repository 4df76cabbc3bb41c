"""Rights per role: one table of role x move -> allowed or refused, asked three ways that must
agree: the engine, the board's arrows (or the item page's set-state list, for a chosen state)
and the HTTP endpoint. Plus the blocked arrow that says why, and the server saying the same."""

from dataclasses import dataclass
from html.parser import HTMLParser

import pytest

from items.engine import COMMENT_REQUIRED, MoveNotAllowed
from items.models import ReleaseItem
from items.policy import BLOCKED
from projects.roles import Role
from qa.gates import NEEDS_ACCEPTANCE, NEEDS_SIGNOFF
from tests.conftest import Team
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.governance_fixtures import (
    ACCEPTANCE_TEST,
    CLOSED,
    DEVELOPING,
    INTEGRATION,
    INTEGRATION_TEST,
    PRODUCTION,
    REVIEW,
    TO_BE_CLOSED,
    fresh,
    item_in,
    move,
    pass_tests,
    satisfy_gates,
    state,
)

pytestmark = pytest.mark.django_db

BOARD = "/projects/PAY/board/"


@dataclass(frozen=True)
class Case:
    source: int
    target: int
    how: dict  # direction=next/prev (an arrow) or to=<state> (a chosen state)
    allowed: frozenset[str]
    comment: str = ""


MANAGER, DEVELOPER, QA = Role.RELEASE_MANAGER, Role.DEVELOPER, Role.QA_TESTER
NEXT, PREV = {"direction": "next"}, {"direction": "prev"}
MOVES = {
    "0->1": Case(DEVELOPING, REVIEW, NEXT, frozenset({MANAGER, DEVELOPER})),
    "1->2 approved": Case(REVIEW, INTEGRATION, NEXT, frozenset({MANAGER, DEVELOPER})),
    "2->3": Case(INTEGRATION, INTEGRATION_TEST, NEXT, frozenset({MANAGER, DEVELOPER})),
    "3->4 tests pass": Case(INTEGRATION_TEST, ACCEPTANCE_TEST, NEXT, frozenset({MANAGER, QA})),
    "4->5 all gates": Case(ACCEPTANCE_TEST, PRODUCTION, NEXT, frozenset({MANAGER, QA})),
    "5->6 manager only": Case(PRODUCTION, TO_BE_CLOSED, NEXT, frozenset({MANAGER})),
    "6->7 manager only": Case(TO_BE_CLOSED, CLOSED, NEXT, frozenset({MANAGER})),
    "2->1 back, comment": Case(
        INTEGRATION, REVIEW, PREV, frozenset({MANAGER, DEVELOPER, QA}), comment="Rework"
    ),
    "4->0 jump, comment": Case(
        ACCEPTANCE_TEST, DEVELOPING, {"to": DEVELOPING}, frozenset({MANAGER}), comment="Restart"
    ),
}
ROLES = [MANAGER, DEVELOPER, QA, Role.APPROVER, Role.VIEWER]


class Controls(HTMLParser):
    """Every element with an accessible name (aria-label), and whether it sits in a POST form;
    the options of the item page's set-state list (not those of its emergency form)."""

    def __init__(self) -> None:
        super().__init__()
        self.named: dict[str, tuple[str, dict, bool]] = {}
        self.set_state_options: list[int] = []
        self._form: dict | None = None
        self._options: list[int] = []
        self._emergency = False
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._form, self._options, self._emergency = attributes, [], False
        elif tag == "input" and attributes.get("name") == "emergency":
            self._emergency = True
        elif tag == "select":
            self._select = attributes.get("name")
        elif tag == "option" and self._select == "to_status" and attributes.get("value"):
            # an <option> of the set-state list (not its empty "Choose a state")
            self._options.append(int(attributes["value"]))
        if "aria-label" in attributes:
            in_post_form = self._form is not None and self._form.get("method") == "post"
            self.named[attributes["aria-label"]] = (tag, attributes, in_post_form)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            if not self._emergency:
                self.set_state_options += self._options
            self._form = None
        elif tag == "select":
            self._select = None


def controls(html: str) -> Controls:
    parser = Controls()
    parser.feed(html)
    return parser


def arrow_state(html: str, name: str) -> str:
    """How the board offers the move named `name`: "enabled", "blocked" or "absent"."""
    found = [
        control
        for label, control in controls(html).named.items()
        if label == name or label.startswith(f"{name}:")
    ]
    if not found:
        return "absent"
    [(tag, attributes, in_post_form)] = found
    if attributes.get("aria-disabled") == "true":
        return "blocked"
    # A <button> in a form submits unless its type says otherwise (HTML's default).
    if tag == "button" and attributes.get("type", "submit") == "submit" and in_post_form:
        return "enabled"  # a real form
    if tag == "a" and attributes.get("href"):
        return "enabled"  # a move that needs a comment: to the item page's move form
    return f"unexpected <{tag}>"


def people(team: Team) -> dict[str, object]:
    return {
        MANAGER: team.manager,
        DEVELOPER: team.developer,
        QA: team.qa,
        Role.APPROVER: team.approver,
        Role.VIEWER: team.viewer,
    }


def placed(team: Team, case: Case, number: int) -> ReleaseItem:
    item = item_in(team, case.source, number=number)
    satisfy_gates(team, item, case.target)
    return fresh(item)


@pytest.mark.parametrize("move_name", list(MOVES))
@pytest.mark.parametrize("role", ROLES)
def test_engine_board_and_endpoint_agree_on_who_may_move(
    team: Team, rules: dict, role: str, move_name: str
) -> None:
    case = MOVES[move_name]
    user = people(team)[role]
    expected = role in case.allowed
    client = team.client(user)

    # (a) The engine.
    by_engine = placed(team, case, number=1)
    try:
        move(team, user, by_engine, comment=case.comment, **case.how)
    except MoveNotAllowed:
        engine_allows = False
    else:
        engine_allows = True
        assert fresh(by_engine).status_id == case.target

    # (b) What the page offers: the board's arrow, or the item page's set-state list.
    by_http = placed(team, case, number=2)
    if "direction" in case.how:
        name = f"Move {by_http.key} to {state(case.target).name}"
        offered = arrow_state(client.get(BOARD).text, name)
        page_allows = offered == "enabled"
        assert offered in ("enabled", "absent"), offered  # the gates are satisfied
    else:
        page = client.get(f"/projects/PAY/items/{by_http.number}/").text
        page_allows = case.target in controls(page).set_state_options

    # (c) The endpoint.
    data = {"version": by_http.version, "comment": case.comment}
    if "to" in case.how:
        data["to_status"] = case.how["to"]
    else:
        data["direction"] = case.how["direction"]
    response = client.post(f"/projects/PAY/items/{by_http.number}/move/", data)
    assert response.status_code in (302, 403), response.status_code
    endpoint_allows = response.status_code == 302

    assert (engine_allows, page_allows, endpoint_allows) == (expected, expected, expected)
    assert fresh(by_http).status_id == (case.target if expected else case.source)


def test_a_back_arrow_that_needs_a_comment_leads_to_the_item_pages_move_form(
    team: Team, rules: dict
) -> None:
    """The board cannot ask for a comment, so it links to the form that can; a POST without
    one is a bad request (400), not a refusal (403)."""
    item = item_in(team, INTEGRATION)
    client = team.client(team.developer)
    name = f"Move {item.key} to {state(REVIEW).name}"

    tag, attributes, _ = next(
        control
        for label, control in controls(client.get(BOARD).text).named.items()
        if label.startswith(name)
    )
    response = client.post(
        f"/projects/PAY/items/{item.number}/move/", {"version": item.version, "direction": "prev"}
    )

    assert (tag, attributes["href"]) == ("a", f"/projects/PAY/items/{item.number}/#move-title")
    assert "needs a comment" in attributes["aria-label"]
    assert response.status_code == 400
    assert (
        COMMENT_REQUIRED.format(
            key=item.key, source=state(INTEGRATION).name, target=state(REVIEW).name
        )
        in response.text
    )
    item_page = client.get(attributes["href"]).text
    assert 'name="comment"' in item_page
    assert f"Move {item.key} to {state(REVIEW).name}</button>" in item_page


def test_a_blocked_move_shows_a_disabled_arrow_with_the_reason_and_is_refused(
    team: Team, rules: dict
) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    pass_tests(team, item)
    item = fresh(item)
    client = team.client(team.qa)
    name = f"Move {item.key} to {state(PRODUCTION).name}"

    html = client.get(BOARD).text
    response = client.post(
        f"/projects/PAY/items/{item.number}/move/", {"version": item.version, "direction": "next"}
    )

    assert arrow_state(html, name) == "blocked"
    [label] = [label for label in controls(html).named if label.startswith(name)]
    assert label == f"{name}: blocked, {NEEDS_SIGNOFF}; {NEEDS_ACCEPTANCE}"
    assert response.status_code == 403
    reason = BLOCKED.format(
        key=item.key,
        target=state(PRODUCTION).name,
        reasons=f"{NEEDS_SIGNOFF}; {NEEDS_ACCEPTANCE}",
    )
    assert reason in response.text
    assert fresh(item).status_id == ACCEPTANCE_TEST


def test_the_card_notes_why_the_next_move_is_blocked_for_everyone(team: Team, rules: dict) -> None:
    """Roles that may not move still see why the item waits (on the card, not as an arrow)."""
    item = item_in(team, ACCEPTANCE_TEST)
    pass_tests(team, item)

    html = team.client(team.viewer).get(BOARD).text

    assert arrow_state(html, f"Move {item.key} to {state(PRODUCTION).name}") == "absent"
    assert "Needs QA sign-off" in html
