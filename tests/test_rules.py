"""Transition rules as data: the default rule table, seeding it, the checks a rule set must
pass, the admin that refuses unhealthy changes, and the journal of rule edits."""

from io import StringIO
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape

from items.defaults import DEFAULT_RULES, DEFAULT_STATES
from items.engine import COMMENT_REQUIRED, EngineError, MoveNotAllowed
from items.models import Direction, ReleaseItem, ReleaseStatus, TransitionRule
from items.rules import (
    DEAD_END,
    NO_FORWARD_ARROW,
    UNREACHABLE,
    USES_DISABLED,
    Move,
    rule_set_problems,
)
from journal.models import ChangeKind
from projects.roles import Role
from tests.conftest import Team
from tests.governance_fixtures import *  # noqa: F403  (the fixtures)
from tests.governance_fixtures import (
    ACCEPTANCE_TEST,
    CLOSED,
    DEVELOPING,
    FLOW,
    INTEGRATION,
    INTEGRATION_TEST,
    PRODUCTION,
    REVIEW,
    TO_BE_CLOSED,
    item_in,
    move,
    satisfy_gates,
)

pytestmark = pytest.mark.django_db

RuleHistory = TransitionRule.history.model
NAMES = {state_id: name for state_id, name, _ in DEFAULT_STATES}
ADMIN = "/admin/items/transitionrule/"


def rule_id(spec: dict) -> str:
    return f"{FLOW.index(spec['from'])}->{FLOW.index(spec['to'])}"


def how_to_reach(spec: dict) -> dict:
    """An arrow (next/prev) when the target is a neighbour, otherwise a chosen state."""
    step = FLOW.index(spec["to"]) - FLOW.index(spec["from"])
    return {1: {"direction": "next"}, -1: {"direction": "prev"}}.get(step, {"to": spec["to"]})


# --- The default rule table ------------------------------------------------------------------


def test_the_defaults_are_twenty_rules_of_three_kinds() -> None:
    forward = [r for r in DEFAULT_RULES if FLOW.index(r["to"]) == FLOW.index(r["from"]) + 1]
    back = [r for r in DEFAULT_RULES if FLOW.index(r["to"]) == FLOW.index(r["from"]) - 1]
    to_first = [r for r in DEFAULT_RULES if r not in forward and r not in back]

    assert len(DEFAULT_RULES) == 20
    assert [(r["from"], r["to"]) for r in forward] == list(pairwise(FLOW))
    assert [(r["to"], r["from"]) for r in back] == list(pairwise(FLOW))
    assert all(r["comment_required"] and r["roles"] == ["developer", "qa"] for r in back)
    assert [r["from"] for r in to_first] == FLOW[2:]
    assert all(r["to"] == DEVELOPING and r["roles"] == [] for r in to_first)
    assert all(r["comment_required"] for r in to_first)


@pytest.mark.parametrize("spec", DEFAULT_RULES, ids=rule_id)
def test_each_default_rule_is_seeded_as_written(rules: dict, spec: dict) -> None:
    rule = rules[spec["from"], spec["to"]]
    forward = FLOW.index(spec["to"]) > FLOW.index(spec["from"])

    assert rule.direction == (Direction.FORWARD if forward else Direction.BACK)
    assert rule.roles == spec["roles"]
    assert rule.comment_required == spec.get("comment_required", False)
    assert rule.approvals_required == spec.get("approvals_required", 0)
    assert rule.approver_roles == spec.get("approver_roles", [])
    assert rule.requires_passing_tests == spec.get("requires_passing_tests", False)
    assert rule.requires_qa_signoff == spec.get("requires_qa_signoff", False)
    assert rule.requires_acceptance == spec.get("requires_acceptance", False)
    assert (rule.rejection_blocks, rule.segregation_of_duties) == (True, True)


@pytest.mark.parametrize("spec", DEFAULT_RULES, ids=rule_id)
def test_each_default_rule_lets_its_roles_move_and_nobody_else(
    team: Team, rules: dict, spec: dict
) -> None:
    """Forward one step for the owning role, back one step with a comment, and the release
    manager sends anything back to 0; the other roles with the move right are refused."""
    how = how_to_reach(spec)
    allowed = [*spec["roles"], Role.RELEASE_MANAGER]
    people = {"manager": team.manager, "developer": team.developer, "qa": team.qa}
    for number, (role, user) in enumerate(people.items(), start=1):
        item = item_in(team, spec["from"], number=number)
        satisfy_gates(team, item, spec["to"])
        if role not in allowed:
            with pytest.raises(MoveNotAllowed):
                move(team, user, item, comment="Rework", **how)
            assert ReleaseItem.objects.get(pk=item.pk).status_id == spec["from"]
            continue
        if spec.get("comment_required"):
            with pytest.raises(EngineError) as refused:
                move(team, user, item, **how)
            assert refused.value.message == COMMENT_REQUIRED.format(
                key=item.key, source=NAMES[spec["from"]], target=NAMES[spec["to"]]
            )
        moved = move(team, user, item, comment="Rework", **how)
        assert moved.status_id == spec["to"], role
        row = ReleaseItem.history.filter(id=item.pk).latest("history_id")
        assert (row.change_kind, row.from_status_id, row.history_user) == (
            ChangeKind.MOVED,
            spec["from"],
            user,
        )


def test_without_rules_the_simple_policy_of_project_open_holds(team: Team) -> None:
    """No rules at all: members with the move right step either way, no comment needed."""
    item = item_in(team, REVIEW)

    assert move(team, team.qa, item, direction="next").status_id == INTEGRATION
    assert move(team, team.developer, item, direction="prev").status_id == REVIEW
    assert move(team, team.manager, item, to=CLOSED).status_id == CLOSED


def test_with_rules_a_move_without_a_rule_does_not_exist(team: Team, rules: dict) -> None:
    item = item_in(team, REVIEW)

    with pytest.raises(MoveNotAllowed, match="There is no transition from"):
        move(team, team.manager, item, to=CLOSED, comment="Skip it all")


# --- seed_release_statuses -------------------------------------------------------------------


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_release_statuses", *args, stdout=out)
    return out.getvalue()


def test_seeding_creates_the_twenty_default_rules() -> None:
    output = seed()

    assert TransitionRule.objects.count() == 20
    assert "Transition rules: 20 created or reset." in output
    assert RuleHistory.objects.filter(change_kind=ChangeKind.CREATED).count() == 20
    assert set(RuleHistory.objects.values_list("history_change_reason", flat=True)) == {
        "Default transition rules seeded"
    }


def test_seeding_twice_changes_no_rule() -> None:
    seed()
    rows = RuleHistory.objects.count()

    output = seed()

    assert TransitionRule.objects.count() == 20
    assert RuleHistory.objects.count() == rows
    assert "Transition rules: 0 created or reset." in output


def test_an_edited_rule_survives_a_rerun_but_not_a_reset() -> None:
    seed()
    rule = TransitionRule.objects.get(from_state_id=REVIEW, to_state_id=INTEGRATION)
    rule.approvals_required, rule.roles = 2, ["developer", "qa"]
    rule.save()

    seed()
    rule.refresh_from_db()
    assert (rule.approvals_required, rule.roles) == (2, ["developer", "qa"])

    output = seed("--reset")
    rule.refresh_from_db()
    assert (rule.approvals_required, rule.roles) == (1, ["developer"])
    assert "Transition rules: 1 created or reset." in output
    assert RuleHistory.objects.filter(id=rule.pk).latest("history_id").change_kind == "edited"


def test_a_deleted_default_rule_is_recreated_by_a_rerun() -> None:
    seed()
    TransitionRule.objects.get(from_state_id=PRODUCTION, to_state_id=TO_BE_CLOSED).delete()

    assert "Transition rules: 1 created or reset." in seed()
    assert TransitionRule.objects.filter(
        from_state_id=PRODUCTION, to_state_id=TO_BE_CLOSED
    ).exists()


# --- rule_set_problems -----------------------------------------------------------------------

A, B, C = (
    ReleaseStatus(id=1, name="A", position=0),
    ReleaseStatus(id=2, name="B", position=10),
    ReleaseStatus(id=3, name="C", position=20),
)


def moves(*pairs: tuple[int, int]) -> list[Move]:
    return [Move(source, target) for source, target in pairs]


def default_moves() -> list[Move]:
    return [Move(spec["from"], spec["to"]) for spec in DEFAULT_RULES]


def test_the_default_rule_set_is_healthy(states: list[ReleaseStatus]) -> None:
    assert rule_set_problems(moves=default_moves(), states=states) == []


def test_a_rule_into_or_out_of_a_disabled_state_is_a_problem() -> None:
    disabled_b = ReleaseStatus(id=2, name="B", position=10, enabled=False)

    problems = rule_set_problems(moves=moves((1, 2), (2, 3), (1, 3)), states=[A, disabled_b, C])

    assert problems == [
        USES_DISABLED.format(source="A", target="B"),
        USES_DISABLED.format(source="B", target="C"),
    ]


def test_a_state_that_cannot_be_reached_from_the_first_is_a_problem() -> None:
    problems = rule_set_problems(moves=moves((1, 3), (2, 3)), states=[A, B, C])

    assert problems == [UNREACHABLE.format(state="B", first="A")]


def test_a_state_with_no_way_out_is_a_problem_unless_it_is_the_last() -> None:
    problems = rule_set_problems(moves=moves((1, 2), (1, 3)), states=[A, B, C])

    assert problems == [DEAD_END.format(state="B")]


def test_a_disabled_default_state_breaks_the_default_rules(states: list[ReleaseStatus]) -> None:
    for each in states:
        each.enabled = each.id != TO_BE_CLOSED

    problems = rule_set_problems(moves=default_moves(), states=states)

    assert USES_DISABLED.format(source=NAMES[PRODUCTION], target=NAMES[TO_BE_CLOSED]) in problems
    assert UNREACHABLE.format(state=NAMES[CLOSED], first=NAMES[DEVELOPING]) in problems


# --- The admin -------------------------------------------------------------------------------


@pytest.fixture
def admin_client(team: Team) -> Client:
    return team.client(team.admin)


def rule_data(source: int, target: int, **fields: object) -> dict:
    data: dict = {
        "from_state": source,
        "to_state": target,
        "roles": ["developer"],
        "approvals_required": 0,
        "rejection_blocks": "on",
        "segregation_of_duties": "on",
    }
    data.update(fields)
    return data


def rule(source: int, target: int) -> TransitionRule:
    return TransitionRule.objects.get(from_state_id=source, to_state_id=target)


def test_admin_refuses_a_rule_with_a_disabled_state(team: Team, rules, admin_client) -> None:
    ReleaseStatus.objects.create(id=4599, name="8 - Archived", position=80, enabled=False)

    response = admin_client.post(f"{ADMIN}add/", rule_data(CLOSED, 4599))

    assert response.status_code == 200  # the form again, with the error
    assert USES_DISABLED.format(source=NAMES[CLOSED], target="8 - Archived") in response.text
    assert not TransitionRule.objects.filter(to_state_id=4599).exists()


def test_admin_refuses_deleting_the_only_way_into_a_state(team: Team, rules, admin_client) -> None:
    doomed = rule(TO_BE_CLOSED, CLOSED)

    response = admin_client.post(f"{ADMIN}{doomed.pk}/delete/", {"post": "yes"}, follow=True)

    assert response.redirect_chain == [(f"{ADMIN}{doomed.pk}/change/", 302)]
    assert UNREACHABLE.format(state=NAMES[CLOSED], first=NAMES[DEVELOPING]) in response.text
    assert TransitionRule.objects.filter(pk=doomed.pk).exists()
    assert not RuleHistory.objects.filter(id=doomed.pk, history_type="-").exists()


def test_admin_refuses_deleting_a_states_last_way_out(team: Team, rules, admin_client) -> None:
    rule(TO_BE_CLOSED, PRODUCTION).delete()
    rule(TO_BE_CLOSED, DEVELOPING).delete()
    last_way_out = rule(TO_BE_CLOSED, CLOSED)

    response = admin_client.post(f"{ADMIN}{last_way_out.pk}/delete/", {"post": "yes"}, follow=True)

    assert DEAD_END.format(state=NAMES[TO_BE_CLOSED]) in response.text
    assert TransitionRule.objects.filter(pk=last_way_out.pk).exists()


def test_admin_refuses_a_change_that_strands_a_state(team: Team, rules, admin_client) -> None:
    only_way_in = rule(TO_BE_CLOSED, CLOSED)

    response = admin_client.post(
        f"{ADMIN}{only_way_in.pk}/change/",
        rule_data(TO_BE_CLOSED, ACCEPTANCE_TEST, roles=[]),
    )

    assert response.status_code == 200
    assert UNREACHABLE.format(state=NAMES[CLOSED], first=NAMES[DEVELOPING]) in response.text
    only_way_in.refresh_from_db()
    assert (only_way_in.from_state_id, only_way_in.to_state_id) == (TO_BE_CLOSED, CLOSED)


def test_admin_accepts_a_healthy_change_and_journals_it(team: Team, rules, admin_client) -> None:
    review = rule(REVIEW, INTEGRATION)

    response = admin_client.post(
        f"{ADMIN}{review.pk}/change/",
        rule_data(REVIEW, INTEGRATION, approvals_required=2, approver_roles=["approver"]),
    )

    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.approvals_required, review.approver_roles) == (2, ["approver"])
    row = RuleHistory.objects.filter(id=review.pk).latest("history_id")
    assert (row.change_kind, row.history_user, row.approvals_required) == (
        ChangeKind.EDITED,
        team.admin,
        2,
    )


def test_admin_adds_and_deletes_a_healthy_rule_journaling_both(
    team: Team, rules, admin_client
) -> None:
    response = admin_client.post(f"{ADMIN}add/", rule_data(DEVELOPING, INTEGRATION))
    assert response.status_code == 302
    shortcut = rule(DEVELOPING, INTEGRATION)
    assert shortcut.direction == Direction.FORWARD

    response = admin_client.post(f"{ADMIN}{shortcut.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TransitionRule.objects.filter(pk=shortcut.pk).exists()

    rows = RuleHistory.objects.filter(id=shortcut.pk).order_by("history_id")
    assert [(r.change_kind, r.history_user) for r in rows] == [
        (ChangeKind.CREATED, team.admin),
        (ChangeKind.REMOVED, team.admin),
    ]


def test_admin_says_which_approvers_count_when_approvals_are_required(
    team: Team, rules, admin_client
) -> None:
    response = admin_client.post(
        f"{ADMIN}add/", rule_data(DEVELOPING, INTEGRATION, approvals_required=1)
    )

    assert response.status_code == 200
    assert "Say whose approvals count." in response.text
    assert not TransitionRule.objects.filter(
        from_state_id=DEVELOPING, to_state_id=INTEGRATION
    ).exists()


def test_admin_rules_list_warns_of_the_problems_the_rule_set_has(
    team: Team, rules, admin_client
) -> None:
    state = ReleaseStatus.objects.get(pk=TO_BE_CLOSED)
    state.enabled = False
    state.save()

    html = admin_client.get(ADMIN).text

    assert USES_DISABLED.format(source=NAMES[PRODUCTION], target=NAMES[TO_BE_CLOSED]) in html
    assert UNREACHABLE.format(state=NAMES[CLOSED], first=NAMES[DEVELOPING]) in html


# --- State edits are checked like rule edits ---------------------------------------------------

STATES_ADMIN = "/admin/items/releasestatus/"
SCAN = 4555  # a new state between 2 - Ready for Integration and 3 - Ready for Integration Test


def state_data(state_id: int, name: str, position: int, *, enabled: bool = True) -> dict:
    data = {"id": state_id, "name": name, "position": position, "description": "", "_save": "1"}
    if enabled:
        data["enabled"] = "on"
    return data


def changelist_data(changes: dict[int, dict]) -> dict:
    """The states list's edit form, every row as it is but for `changes` (id: field values)."""
    rows = list(ReleaseStatus.objects.order_by("position", "id"))
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for index, row in enumerate(rows):
        values = {"position": row.position, "enabled": row.enabled} | changes.get(row.id, {})
        data[f"form-{index}-id"] = row.id
        data[f"form-{index}-position"] = values["position"]
        if values["enabled"]:
            data[f"form-{index}-enabled"] = "on"
    return data


def test_adding_a_state_between_two_gives_it_the_rules_around_it_and_says_so(
    team: Team, rules, admin_client
) -> None:
    card = item_in(team, INTEGRATION)

    response = admin_client.post(
        f"{STATES_ADMIN}add/", state_data(SCAN, "2b - Security scan", 25), follow=True
    )

    assert response.status_code == 200
    assert ReleaseStatus.objects.filter(pk=SCAN, enabled=True).exists()
    forward = rules[INTEGRATION, INTEGRATION_TEST]
    into, out = rule(INTEGRATION, SCAN), rule(SCAN, INTEGRATION_TEST)
    assert (into.roles, into.has_gates, out.roles) == (forward.roles, False, forward.roles)
    rework = rules[INTEGRATION_TEST, INTEGRATION]
    for back in (rule(INTEGRATION_TEST, SCAN), rule(SCAN, INTEGRATION)):
        assert (back.roles, back.comment_required) == (rework.roles, True)
        assert back.direction == Direction.BACK
    assert "Added the transition rules" in response.text
    assert "“2 - Ready for Integration” → “2b - Security scan”" in response.text
    row = RuleHistory.objects.get(id=into.pk)
    assert (row.history_user, row.history_change_reason) == (
        team.admin,
        "Added with the release state “2b - Security scan”",
    )
    # The card before the new column keeps its forward arrow, to the new state.
    board = team.client(team.developer).get("/projects/PAY/board/").text
    assert f'aria-label="Move {card.key} to 2b - Security scan"' in board
    move(team, team.developer, card, direction="next")
    assert ReleaseItem.objects.get(pk=card.pk).status_id == SCAN


def test_adding_a_state_after_the_last_is_reached_like_the_last(
    team: Team, rules, admin_client
) -> None:
    card = item_in(team, CLOSED)

    response = admin_client.post(
        f"{STATES_ADMIN}add/", state_data(4599, "8 - Archived", 80), follow=True
    )

    assert response.status_code == 200
    assert rule(CLOSED, 4599).roles == rules[TO_BE_CLOSED, CLOSED].roles
    assert rule(4599, CLOSED).comment_required is True
    assert "Added the transition rules" in response.text
    board = team.client(team.manager).get("/projects/PAY/board/").text
    assert f'aria-label="Move {card.key} to 8 - Archived"' in board


def test_a_state_edit_the_rules_cannot_follow_is_refused_with_the_reason(
    team: Team, rules, admin_client
) -> None:
    # Two new states side by side: the second has no rule to copy between them.
    ReleaseStatus.objects.create(id=SCAN, name="2b - Security scan", position=25, enabled=False)
    ReleaseStatus.objects.create(id=4556, name="2c - Pen test", position=26, enabled=False)

    response = admin_client.post(
        STATES_ADMIN, changelist_data({SCAN: {"enabled": True}, 4556: {"enabled": True}})
    )

    assert response.status_code == 200
    message = UNREACHABLE.format(state="2c - Pen test", first=NAMES[DEVELOPING])
    assert escape(message) in response.text
    assert not ReleaseStatus.objects.filter(pk__in=[SCAN, 4556], enabled=True).exists()
    assert not TransitionRule.objects.filter(to_state_id__in=[SCAN, 4556]).exists()


def test_adding_a_disabled_state_is_accepted_without_rules(team: Team, rules, admin_client) -> None:
    response = admin_client.post(
        f"{STATES_ADMIN}add/", state_data(4599, "8 - Archived", 80, enabled=False)
    )

    assert response.status_code == 302
    assert not TransitionRule.objects.filter(to_state_id=4599).exists()


def test_disabling_a_state_that_strands_the_next_is_refused_on_its_page(
    team: Team, rules, admin_client
) -> None:
    response = admin_client.post(
        f"{STATES_ADMIN}{TO_BE_CLOSED}/change/",
        state_data(TO_BE_CLOSED, NAMES[TO_BE_CLOSED], 60, enabled=False),
    )

    assert response.status_code == 200
    assert escape(UNREACHABLE.format(state=NAMES[CLOSED], first=NAMES[DEVELOPING])) in (
        response.text
    )
    assert ReleaseStatus.objects.get(pk=TO_BE_CLOSED).enabled is True


def test_reordering_states_in_the_list_that_breaks_the_arrows_is_refused_and_saves_nothing(
    team: Team, rules, admin_client
) -> None:
    # 3 - Ready for Integration Test moved between 5 and 6: no rule leads 2 -> 4 or 5 -> 3.
    changes = {INTEGRATION_TEST: {"position": 55}, CLOSED: {"position": 99}}

    response = admin_client.post(STATES_ADMIN, changelist_data(changes))

    assert response.status_code == 200
    assert "would break the transition rules" in response.text
    message = NO_FORWARD_ARROW.format(state=NAMES[INTEGRATION], following=NAMES[ACCEPTANCE_TEST])
    assert escape(message) in response.text
    positions = dict(ReleaseStatus.objects.values_list("id", "position"))
    assert (positions[INTEGRATION_TEST], positions[CLOSED]) == (30, 70)  # nothing of it saved


def test_enabling_a_state_in_the_list_between_two_gives_it_their_rules(
    team: Team, rules, admin_client
) -> None:
    ReleaseStatus.objects.create(id=SCAN, name="2b - Security scan", position=25, enabled=False)

    response = admin_client.post(
        STATES_ADMIN, changelist_data({SCAN: {"enabled": True}}), follow=True
    )

    assert response.status_code == 200
    assert ReleaseStatus.objects.get(pk=SCAN).enabled is True
    assert rule(INTEGRATION, SCAN).roles == rule(SCAN, INTEGRATION_TEST).roles == ["developer"]
    assert "Added the transition rules" in response.text


def test_state_edits_without_rules_are_not_checked(team: Team, admin_client) -> None:
    response = admin_client.post(f"{STATES_ADMIN}add/", state_data(4599, "8 - Archived", 80))

    assert response.status_code == 302
    assert ReleaseStatus.objects.filter(pk=4599, enabled=True).exists()
