"""Emergency moves: a release manager forces a move past a rule's open gates, only with a
written justification; it is flagged in the journal, listed per release, and the approvals it
skipped are owed afterwards ("retrospective approval pending" until they are given)."""

import pytest
from django.contrib.auth.models import AbstractBaseUser

from approvals.models import Approval, EmergencyMove
from items.engine import (
    EMERGENCY_NEEDS_JUSTIFICATION,
    EMERGENCY_NOT_NEEDED,
    EMERGENCY_ONLY_MANAGERS,
    EngineError,
    MoveNotAllowed,
)
from items.models import ReleaseItem
from qa.gates import NEEDS_ACCEPTANCE, NEEDS_SIGNOFF
from tests.conftest import Team
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.governance_fixtures import (
    ACCEPTANCE_TEST,
    CLOSED,
    DEVELOPING,
    INTEGRATION,
    PRODUCTION,
    REVIEW,
    fresh,
    item_in,
    move,
    pass_tests,
    vote,
)

pytestmark = pytest.mark.django_db

ItemHistory = ReleaseItem.history.model
PENDING = "retrospective approval pending"
JUSTIFICATION = "P1 incident INC-4711: card payments down; CAB chair informed."
INTEGRATION_NAME = "2 - Ready for Integration"


def in_review(team: Team) -> ReleaseItem:
    return item_in(team, REVIEW, state_entered_by=team.developer)


def force(
    team: Team,
    item: ReleaseItem,
    *,
    to: int = INTEGRATION,
    by: AbstractBaseUser | None = None,
    comment: str = JUSTIFICATION,
) -> ReleaseItem:
    """An emergency move through the engine, by the release manager unless told."""
    return move(team, by or team.manager, item, to=to, comment=comment, emergency=True)


def item_url(item: ReleaseItem) -> str:
    return f"/projects/PAY/items/{item.number}/"


def pending_everywhere(team: Team, item: ReleaseItem) -> tuple[bool, bool]:
    """Whether the item page and the board card say retrospective approval is pending."""
    client = team.client(team.developer)
    page = client.get(item_url(item)).text
    board = client.get("/projects/PAY/board/").text
    card = board.split(f'id="card-{item.pk}"')[1].split("</li>")[0]
    return PENDING.capitalize() in page, PENDING.capitalize() in card


# --- The engine ------------------------------------------------------------------------------


def test_a_manager_forces_a_move_past_an_open_approval(team: Team, rules: dict) -> None:
    item = in_review(team)
    round_before = item.round

    moved = force(team, item)

    assert moved.status_id == INTEGRATION
    emergency = EmergencyMove.objects.get()
    assert (
        emergency.item_id,
        emergency.from_state_id,
        emergency.to_state_id,
        emergency.round,
        emergency.approvals_required,
        emergency.moved_by,
        emergency.justification,
        emergency.blockers,
    ) == (
        item.pk,
        REVIEW,
        INTEGRATION,
        round_before,
        1,
        team.manager,
        JUSTIFICATION,
        "needs 1 of 1 approvals (0 so far)",
    )


def test_an_emergency_move_is_flagged_in_the_journal(team: Team, rules: dict) -> None:
    item = in_review(team)

    force(team, item)

    row = ItemHistory.objects.filter(id=item.pk).latest("history_id")
    assert (
        row.emergency,
        row.change_kind,
        row.from_status_id,
        row.status_id,
        row.history_user,
        row.history_change_reason,
    ) == (True, "moved", REVIEW, INTEGRATION, team.manager, JUSTIFICATION)
    assert EmergencyMove.history.get().history_user == team.manager


def test_an_ordinary_move_is_not_flagged(team: Team, rules: dict) -> None:
    item = in_review(team)
    vote(team, team.approver, item, to=INTEGRATION)

    move(team, team.developer, item, direction="next")

    assert ItemHistory.objects.filter(id=item.pk).latest("history_id").emergency is False


def test_an_emergency_move_passes_qa_gates_and_by_arrow_too(team: Team, rules: dict) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    pass_tests(team, item)

    moved = move(team, team.manager, item, direction="next", comment=JUSTIFICATION, emergency=True)

    assert moved.status_id == PRODUCTION
    emergency = EmergencyMove.objects.get()
    assert emergency.blockers == f"{NEEDS_SIGNOFF}; {NEEDS_ACCEPTANCE}"
    assert emergency.approvals_required == 0  # no approval is owed for QA gates
    assert pending_everywhere(team, item) == (False, False)


@pytest.mark.parametrize("comment", ["", "   \n "])
def test_an_emergency_move_needs_a_justification(team: Team, rules: dict, comment: str) -> None:
    item = in_review(team)

    with pytest.raises(EngineError) as refused:
        force(team, item, comment=comment)

    assert refused.value.message == EMERGENCY_NEEDS_JUSTIFICATION
    assert refused.value.status_code == 400
    assert fresh(item).status_id == REVIEW
    assert not EmergencyMove.objects.exists()


@pytest.mark.parametrize("role", ["developer", "qa", "approver", "viewer"])
def test_only_a_release_manager_makes_an_emergency_move(team: Team, rules: dict, role: str) -> None:
    item = in_review(team)

    with pytest.raises(MoveNotAllowed) as refused:
        force(team, item, by=getattr(team, role))

    assert refused.value.status_code == 403
    if role in ("developer", "qa"):  # the others may not move at all
        assert refused.value.message == EMERGENCY_ONLY_MANAGERS
    assert fresh(item).status_id == REVIEW


def test_an_emergency_move_is_refused_when_nothing_blocks(team: Team, rules: dict) -> None:
    item = item_in(team, DEVELOPING)

    with pytest.raises(EngineError) as refused:
        force(team, item, to=REVIEW)

    assert refused.value.message == EMERGENCY_NOT_NEEDED.format(
        key=item.key, target="1 - Ready for Review"
    )
    assert refused.value.status_code == 400
    assert fresh(item).status_id == DEVELOPING


def test_an_emergency_move_does_not_invent_a_move_no_rule_has(team: Team, rules: dict) -> None:
    item = in_review(team)

    with pytest.raises(MoveNotAllowed, match="There is no transition from"):
        force(team, item, to=CLOSED)


# --- Listed, pending, and approved afterwards ------------------------------------------------


def test_the_release_lists_its_emergency_moves(team: Team, rules: dict) -> None:
    item = in_review(team)
    force(team, item)

    html = team.client(team.viewer).get("/projects/PAY/emergencies/").text

    assert f">{item.key}</a>" in html
    assert f"1 - Ready for Review → {INTEGRATION_NAME}" in html
    assert JUSTIFICATION in html
    assert "needs 1 of 1 approvals (0 so far)" in html
    assert team.client(team.outsider).get("/projects/PAY/emergencies/").status_code == 404


def test_the_list_says_when_there_was_no_emergency(team: Team, rules: dict) -> None:
    html = team.client(team.viewer).get("/projects/PAY/emergencies/").text

    assert "No emergency moves in this release." in html


def test_retrospective_approval_is_pending_until_given(team: Team, rules: dict) -> None:
    item = in_review(team)
    emergency_round = item.round
    force(team, item)
    approver = team.client(team.approver)

    assert pending_everywhere(team, item) == (True, True)
    page = approver.get(item_url(item)).text
    assert f'name="from_state" value="{REVIEW}"' in page
    assert f"Approve {item.key}</button>" in page

    response = approver.post(
        f"{item_url(item)}approvals/",
        {
            "vote": "approve",
            "to_state": INTEGRATION,
            "round": emergency_round,
            "from_state": REVIEW,
            "comment": "Checked after the fact: fine.",
        },
    )

    assert response.status_code == 302
    approval = Approval.objects.get()
    assert (approval.from_state_id, approval.to_state_id, approval.round) == (
        REVIEW,
        INTEGRATION,
        emergency_round,
    )
    assert pending_everywhere(team, item) == (False, False)
    assert fresh(item).status_id == INTEGRATION  # a retrospective vote moves nothing


def test_a_retrospective_rejection_keeps_it_pending(team: Team, rules: dict) -> None:
    item = in_review(team)
    emergency_round = item.round
    force(team, item)

    vote(
        team,
        team.approver,
        item,
        to=INTEGRATION,
        choice="reject",
        round=emergency_round,
        from_state=REVIEW,
    )

    assert pending_everywhere(team, item) == (True, True)


def test_retrospective_approval_can_be_given_after_the_item_went_back(
    team: Team, rules: dict
) -> None:
    item = in_review(team)
    emergency_round = item.round
    force(team, item)
    move(team, team.manager, item, direction="prev", comment="Hotfix reverted")

    vote(team, team.approver, item, to=INTEGRATION, round=emergency_round, from_state=REVIEW)

    assert pending_everywhere(team, item) == (False, False)


def test_a_retrospective_vote_for_no_emergency_is_a_bad_request(team: Team, rules: dict) -> None:
    item = in_review(team)
    force(team, item)

    response = team.client(team.approver).post(
        f"{item_url(item)}approvals/",
        {"vote": "approve", "to_state": INTEGRATION, "round": 7, "from_state": REVIEW},
    )

    assert response.status_code == 400
    assert not Approval.objects.exists()


# --- Over HTTP, through the item page --------------------------------------------------------


def test_the_manager_forces_the_move_from_the_item_page(team: Team, rules: dict) -> None:
    item = in_review(team)
    manager = team.client(team.manager)

    page = manager.get(item_url(item)).text
    response = manager.post(
        f"{item_url(item)}move/",
        {
            "version": item.version,
            "origin": "item",
            "emergency": "on",
            "to_status": INTEGRATION,
            "comment": JUSTIFICATION,
        },
    )

    assert f"Force emergency move of {item.key}</button>" in page
    assert f'<option value="{INTEGRATION}">{INTEGRATION_NAME}</option>' in page
    assert response.status_code == 302
    assert response.url == item_url(item)
    assert fresh(item).status_id == INTEGRATION
    assert ItemHistory.objects.filter(id=item.pk).latest("history_id").emergency is True
    assert PENDING.capitalize() in manager.get(item_url(item)).text


def test_the_emergency_form_is_only_for_managers(team: Team, rules: dict) -> None:
    item = in_review(team)

    for user in (team.developer, team.viewer):
        assert "Force emergency move" not in team.client(user).get(item_url(item)).text


def test_an_unjustified_emergency_over_http_is_a_bad_request(team: Team, rules: dict) -> None:
    item = in_review(team)
    data = {"version": item.version, "origin": "item", "emergency": "on", "to_status": INTEGRATION}

    response = team.client(team.manager).post(f"{item_url(item)}move/", data)

    assert response.status_code == 400
    assert EMERGENCY_NEEDS_JUSTIFICATION in response.text
    assert fresh(item).status_id == REVIEW


def test_an_emergency_by_a_developer_over_http_is_forbidden(team: Team, rules: dict) -> None:
    item = in_review(team)
    data = {
        "version": item.version,
        "origin": "item",
        "emergency": "on",
        "direction": "next",
        "comment": JUSTIFICATION,
    }

    response = team.client(team.developer).post(f"{item_url(item)}move/", data)

    assert response.status_code == 403
    assert EMERGENCY_ONLY_MANAGERS in response.text
    assert fresh(item).status_id == REVIEW


def test_an_unneeded_emergency_over_http_is_a_bad_request(team: Team, rules: dict) -> None:
    item = item_in(team, DEVELOPING)
    data = {
        "version": item.version,
        "origin": "item",
        "emergency": "on",
        "to_status": REVIEW,
        "comment": JUSTIFICATION,
    }

    response = team.client(team.manager).post(f"{item_url(item)}move/", data)

    assert response.status_code == 400
    assert "move it normally" in response.text
    assert fresh(item).status_id == DEVELOPING


def test_the_approvers_waiting_list_shows_an_owed_retrospective_approval_until_given(
    team: Team, rules: dict
) -> None:
    item = in_review(team)
    emergency_round = item.round
    force(team, item)
    approver = team.client(team.approver)

    listed = approver.get("/approvals/").text
    assert "Retrospective approvals owed for emergency moves" in listed
    assert f"{item.key}</a>" in listed
    assert "1 - Ready for Review → 2 - Ready for Integration" in listed

    vote_data = {"vote": "approve", "to_state": INTEGRATION, "round": emergency_round}
    approver.post(f"{item_url(item)}approvals/", {**vote_data, "from_state": REVIEW})

    assert "Retrospective approvals owed" not in approver.get("/approvals/").text


def test_the_manager_who_forced_the_move_is_not_asked_to_approve_it(
    team: Team, rules: dict
) -> None:
    item = in_review(team)
    force(team, item)

    assert "Retrospective approvals owed" not in team.client(team.manager).get("/approvals/").text


def test_a_german_manager_forces_a_move_and_the_skipped_gates_are_stored_in_english(
    team: Team, rules: dict
) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    pass_tests(team, item)
    manager = team.client(team.manager)

    response = manager.post(
        f"{item_url(item)}move/",
        {
            "version": item.version,
            "origin": "item",
            "emergency": "on",
            "direction": "next",
            "comment": JUSTIFICATION,
        },
        HTTP_ACCEPT_LANGUAGE="de",
    )

    assert response.status_code == 302
    assert EmergencyMove.objects.get().blockers == f"{NEEDS_SIGNOFF}; {NEEDS_ACCEPTANCE}"
    page = manager.get(item_url(item), HTTP_ACCEPT_LANGUAGE="de").text
    assert "Notfallverschiebung" in page
