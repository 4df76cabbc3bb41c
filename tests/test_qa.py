"""QA evidence and its gates: test cases, runs, sign-off and acceptance, by service and by HTTP.

Every test runs with the default transition rules seeded: 3 -> 4 needs passing tests, and
4 -> 5 also needs a QA sign-off and an "accepted" decision, both of the item's current round.
"""

from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse

from items import engine
from items.engine import EngineError, ItemNotFound, MoveNotAllowed
from items.models import ReleaseItem, ReleaseStatus, TransitionRule
from items.policy import Decision, MovePolicy
from items.rules import rule_seed_defaults
from items.workflow import workflow_current
from projects.roles import Role
from qa import services
from qa.gates import (
    ACCEPTANCE_REJECTED,
    NEEDS_ACCEPTANCE,
    NEEDS_SIGNOFF,
    NEEDS_TESTS,
    TESTS_NOT_PASSING,
)
from qa.models import AcceptanceDecision, QASignoff, TestCase, TestRun
from tests.conftest import Team
from tests.factories import MemberFactory, UserFactory

DEVELOPING, INTEGRATION_TEST, ACCEPTANCE_TEST, PRODUCTION = 4500, 4560, 4570, 4585
ITEM = "/projects/PAY/items/1/"
CASES, SIGNOFF, ACCEPTANCE = f"{ITEM}tests/", f"{ITEM}signoff/", f"{ITEM}acceptance/"
QA_MODELS = (TestCase, TestRun, QASignoff, AcceptanceDecision)


@pytest.fixture
def rules(team: Team) -> None:
    rule_seed_defaults()


@pytest.fixture
def tess(team: Team) -> AbstractBaseUser:
    """A second QA tester: the one who signs off when quinn implemented the item."""
    return MemberFactory(
        project=team.project, user=UserFactory(username="tess"), role=Role.QA_TESTER
    ).user


def item_in(team: Team, state_id: int, **kwargs: Any) -> ReleaseItem:
    kwargs.setdefault("assignee", team.developer)
    kwargs.setdefault("created_by", team.developer)
    return team.item(number=1, status=ReleaseStatus.objects.get(pk=state_id), **kwargs)


def add_case(team: Team, item: ReleaseItem, title: str = "Limit is enforced") -> TestCase:
    return services.qa_case_add(
        access=team.access(team.qa),
        item_id=item.pk,
        fields={"title": title, "steps": "Transfer 15,001 EUR", "expected_result": "Refused"},
    )


def record(team: Team, case: TestCase, result: str, *, by: AbstractBaseUser | None = None):
    return services.qa_run_record(
        access=team.access(by or team.qa),
        item_id=case.item_id,
        test_case_id=case.pk,
        fields={"result": result, "note": f"{result} on staging"},
    )


def sign_off(team: Team, item: ReleaseItem, by: AbstractBaseUser, **kwargs: Any) -> QASignoff:
    item.refresh_from_db()
    kwargs.setdefault("round", item.round)
    return services.qa_signoff(access=team.access(by), item_id=item.pk, **kwargs)


def decide(
    team: Team,
    item: ReleaseItem,
    decision: str = "accepted",
    *,
    by: AbstractBaseUser | None = None,
    reason: str = "The business owner tried it on staging",
    **kwargs: Any,
) -> AcceptanceDecision:
    item.refresh_from_db()
    kwargs.setdefault("round", item.round)
    return services.qa_acceptance_decide(
        access=team.access(by or team.approver),
        item_id=item.pk,
        decision=decision,
        reason=reason,
        **kwargs,
    )


def decision_to(team: Team, item: ReleaseItem, target_id: int, by=None) -> Decision:
    """What the one policy answers for moving `item` to `target_id` now."""
    item.refresh_from_db()
    workflow = workflow_current()
    policy = MovePolicy(access=team.access(by or team.qa), workflow=workflow, items=[item])
    return policy.decide(item, next(s for s in workflow.states if s.id == target_id))


def move(team: Team, item: ReleaseItem, direction: str = "next", **kwargs: Any) -> ReleaseItem:
    item.refresh_from_db()
    return engine.item_move(
        access=team.access(kwargs.pop("by", team.qa)),
        item_id=item.pk,
        expected_version=item.version,
        direction=direction,
        **kwargs,
    )


def assert_refused(team: Team, item: ReleaseItem, target_id: int, *blockers: str) -> None:
    """The policy and the engine agree: blocked by exactly `blockers`, and nothing moves."""
    decision = decision_to(team, item, target_id)
    assert not decision.allowed
    assert decision.blocked
    assert decision.blockers == blockers
    before = item.status_id
    with pytest.raises(MoveNotAllowed) as refused:
        move(team, item)
    assert refused.value.message.endswith(f"{'; '.join(blockers)}.")
    item.refresh_from_db()
    assert item.status_id == before


# --- Gates: 3 - Ready for Integration Test -> 4 - Ready for Acceptance Test --------------------


def test_integration_test_passes_only_with_test_cases(team: Team, rules: None) -> None:
    item = item_in(team, INTEGRATION_TEST)
    assert_refused(team, item, ACCEPTANCE_TEST, NEEDS_TESTS)
    assert decision_to(team, item, ACCEPTANCE_TEST).reason == (
        "PAY-1 cannot move to “4 - Ready for Acceptance Test” yet: needs test cases."
    )


def test_a_failing_latest_run_blocks_the_integration_test(team: Team, rules: None) -> None:
    item = item_in(team, INTEGRATION_TEST)
    record(team, add_case(team, item), "failed")
    assert_refused(team, item, ACCEPTANCE_TEST, "needs every test case passing (1 not passing)")
    assert TESTS_NOT_PASSING.format(failing=1) == "needs every test case passing (1 not passing)"


@pytest.mark.parametrize("result", ["failed", "blocked", None])
def test_a_case_failed_blocked_or_never_run_is_not_passing(
    team: Team, rules: None, result: str | None
) -> None:
    item = item_in(team, INTEGRATION_TEST)
    record(team, add_case(team, item, "Happy path"), "passed")
    other = add_case(team, item, "Limit is enforced")
    if result:
        record(team, other, result)
    assert_refused(team, item, ACCEPTANCE_TEST, TESTS_NOT_PASSING.format(failing=1))


def test_a_later_pass_after_a_fail_counts(team: Team, rules: None) -> None:
    item = item_in(team, INTEGRATION_TEST)
    case = add_case(team, item)
    record(team, case, "failed")
    record(team, case, "passed")

    assert decision_to(team, item, ACCEPTANCE_TEST).allowed
    moved = move(team, item)
    assert moved.status_id == ACCEPTANCE_TEST


def test_a_later_fail_after_a_pass_blocks(team: Team, rules: None) -> None:
    item = item_in(team, INTEGRATION_TEST)
    case = add_case(team, item)
    record(team, case, "passed")
    record(team, case, "failed")
    assert_refused(team, item, ACCEPTANCE_TEST, TESTS_NOT_PASSING.format(failing=1))


def test_every_case_passing_lets_qa_move_to_acceptance_test(team: Team, rules: None) -> None:
    item = item_in(team, INTEGRATION_TEST)
    for title in ("Happy path", "Limit is enforced", "Audit row written"):
        record(team, add_case(team, item, title), "passed")
    assert move(team, item).status_id == ACCEPTANCE_TEST


# --- Gates: 4 - Ready for Acceptance Test -> 5 - Ready for Production -------------------------


def test_production_needs_signoff_and_acceptance_on_top_of_passing_tests(
    team: Team, rules: None, tess: AbstractBaseUser
) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    assert_refused(team, item, PRODUCTION, NEEDS_TESTS, NEEDS_SIGNOFF, NEEDS_ACCEPTANCE)
    record(team, add_case(team, item), "passed")
    assert_refused(team, item, PRODUCTION, NEEDS_SIGNOFF, NEEDS_ACCEPTANCE)
    sign_off(team, item, tess)
    assert_refused(team, item, PRODUCTION, NEEDS_ACCEPTANCE)
    decide(team, item, "accepted")

    assert decision_to(team, item, PRODUCTION).allowed
    assert move(team, item).status_id == PRODUCTION


def test_production_still_needs_passing_tests_when_signed_off_and_accepted(
    team: Team, rules: None, tess: AbstractBaseUser
) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    case = add_case(team, item)
    record(team, case, "passed")
    sign_off(team, item, tess)
    decide(team, item, "accepted")
    record(team, case, "failed")
    assert_refused(team, item, PRODUCTION, TESTS_NOT_PASSING.format(failing=1))


def test_a_rejected_acceptance_blocks_production(
    team: Team, rules: None, tess: AbstractBaseUser
) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    record(team, add_case(team, item), "passed")
    sign_off(team, item, tess)
    decide(team, item, "rejected", reason="The limit message is unreadable")
    assert_refused(team, item, PRODUCTION, ACCEPTANCE_REJECTED)
    assert ACCEPTANCE_REJECTED == "acceptance was rejected"


def test_the_latest_acceptance_decision_of_the_round_wins(
    team: Team, rules: None, tess: AbstractBaseUser
) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    record(team, add_case(team, item), "passed")
    sign_off(team, item, tess)
    decide(team, item, "rejected", reason="The limit message is unreadable")
    decide(team, item, "accepted", by=team.manager, reason="Message fixed in the copy deck")
    assert decision_to(team, item, PRODUCTION).allowed
    decide(team, item, "rejected", reason="Regression found in the second look")
    assert_refused(team, item, PRODUCTION, ACCEPTANCE_REJECTED)


def test_signoff_and_acceptance_of_an_older_round_do_not_count(
    team: Team, rules: None, tess: AbstractBaseUser
) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    record(team, add_case(team, item), "passed")
    sign_off(team, item, tess)
    decide(team, item, "accepted")
    assert decision_to(team, item, PRODUCTION).allowed
    old_round = item.round

    move(team, item, "prev", comment="Found a gap in the test plan")
    move(team, item, "next")  # the passing run still counts: tests are not per round

    item.refresh_from_db()
    assert (item.status_id, item.round) == (ACCEPTANCE_TEST, old_round + 2)
    assert_refused(team, item, PRODUCTION, NEEDS_SIGNOFF, NEEDS_ACCEPTANCE)
    assert QASignoff.objects.filter(item=item, round=old_round).exists()  # kept, not counted
    # The old round's votes can no longer be given either: the forms carried the old round.
    with pytest.raises(EngineError, match="changed since this page was loaded"):
        sign_off(team, item, team.qa, round=old_round)


def test_a_release_manager_is_held_by_the_same_gates(team: Team, rules: None) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    record(team, add_case(team, item), "failed")
    decision = decision_to(team, item, PRODUCTION, by=team.manager)
    assert decision.blocked
    assert decision.blockers[0] == TESTS_NOT_PASSING.format(failing=1)
    with pytest.raises(MoveNotAllowed):
        move(team, item, by=team.manager)


# --- Segregation of duties and who may do what -----------------------------------------------


def test_the_qa_tester_who_implemented_the_item_cannot_sign_it_off(team: Team, rules: None) -> None:
    item = item_in(team, ACCEPTANCE_TEST, assignee=team.qa)
    with pytest.raises(MoveNotAllowed) as refused:
        sign_off(team, item, team.qa)
    assert refused.value.message == services.DEVELOPER_SIGNOFF.format(key="PAY-1")
    assert refused.value.status_code == 403
    assert not QASignoff.objects.exists()


def test_a_qa_tester_who_is_not_the_assignee_signs_off(
    team: Team, rules: None, tess: AbstractBaseUser
) -> None:
    item = item_in(team, ACCEPTANCE_TEST, assignee=team.qa)
    signoff = sign_off(team, item, tess, comment="  All cases green on staging  ")
    assert (signoff.tester, signoff.round) == (tess, item.round)
    assert signoff.comment == "All cases green on staging"
    assert signoff.sod_checks == "not the implementing developer"


def test_signoff_sod_can_be_switched_off_on_the_rule(team: Team, rules: None) -> None:
    rule = TransitionRule.objects.get(requires_qa_signoff=True)
    rule.segregation_of_duties = False
    rule.save()
    item = item_in(team, ACCEPTANCE_TEST, assignee=team.qa)
    assert sign_off(team, item, team.qa).sod_checks == "not required"


@pytest.mark.parametrize("role", ["developer", "manager", "approver", "viewer"])
def test_only_qa_testers_record_runs(team: Team, rules: None, role: str) -> None:
    case = add_case(team, item_in(team, ACCEPTANCE_TEST))
    with pytest.raises(MoveNotAllowed, match=services.ONLY_QA_RECORDS_RUNS):
        record(team, case, "passed", by=getattr(team, role))
    assert not TestRun.objects.exists()


@pytest.mark.parametrize("role", ["developer", "manager", "approver", "viewer"])
def test_only_qa_testers_sign_off(team: Team, rules: None, role: str) -> None:
    item = item_in(team, ACCEPTANCE_TEST, assignee=None)
    with pytest.raises(MoveNotAllowed, match=services.ONLY_QA_SIGNS_OFF):
        sign_off(team, item, getattr(team, role))
    assert not QASignoff.objects.exists()


@pytest.mark.parametrize("role", ["developer", "qa", "viewer"])
def test_only_managers_and_approvers_decide_acceptance(team: Team, rules: None, role: str) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    with pytest.raises(MoveNotAllowed, match=services.ONLY_ACCEPTORS):
        decide(team, item, by=getattr(team, role))
    assert not AcceptanceDecision.objects.exists()


@pytest.mark.parametrize("role", ["manager", "approver"])
def test_managers_and_approvers_decide_acceptance(team: Team, rules: None, role: str) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    decision = decide(team, item, "rejected", by=getattr(team, role), reason=" Too slow ")
    assert (decision.decision, decision.decided_by, decision.reason) == (
        "rejected",
        getattr(team, role),
        "Too slow",
    )


def test_developers_and_qa_add_test_cases_but_approvers_do_not(team: Team, rules: None) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    for user in (team.developer, team.qa, team.manager):
        services.qa_case_add(access=team.access(user), item_id=item.pk, fields={"title": "T"})
    with pytest.raises(PermissionDenied):
        services.qa_case_add(access=team.access(team.approver), item_id=item.pk, fields={})
    assert TestCase.objects.count() == 3


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_acceptance_decision_needs_a_reason(team: Team, rules: None, reason: str) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    with pytest.raises(EngineError) as refused:
        decide(team, item, reason=reason)
    assert refused.value.message == services.ACCEPTANCE_NEEDS_REASON
    assert refused.value.status_code == 400
    assert not AcceptanceDecision.objects.exists()


def test_a_second_signoff_by_the_same_tester_in_a_round_is_refused(
    team: Team, rules: None, tess: AbstractBaseUser
) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    sign_off(team, item, tess)
    with pytest.raises(EngineError) as refused:
        sign_off(team, item, tess)
    assert refused.value.message == services.ALREADY_SIGNED.format(key="PAY-1")
    assert refused.value.status_code == 400
    assert QASignoff.objects.count() == 1
    sign_off(team, item, team.qa)  # a second tester may add theirs
    assert QASignoff.objects.count() == 2


def test_signoff_and_acceptance_for_a_stale_round_are_refused(
    team: Team, rules: None, tess: AbstractBaseUser
) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    stale = services.STALE_ROUND.format(key="PAY-1")
    for write in (
        lambda: sign_off(team, item, tess, round=item.round + 1),
        lambda: decide(team, item, round=item.round + 1),
    ):
        with pytest.raises(EngineError) as refused:
            write()
        assert (refused.value.message, refused.value.status_code) == (stale, 409)
    assert not QASignoff.objects.exists()
    assert not AcceptanceDecision.objects.exists()


def test_a_run_of_another_items_case_is_not_found(team: Team, rules: None) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    other = team.item(number=2)
    case = add_case(team, other)
    with pytest.raises(ItemNotFound):
        services.qa_run_record(
            access=team.access(team.qa),
            item_id=item.pk,
            test_case_id=case.pk,
            fields={"result": "passed"},
        )


# --- HTTP ---------------------------------------------------------------------------------------


def runs_url(case: TestCase) -> str:
    return f"{ITEM}tests/{case.pk}/runs/"


def counts() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in QA_MODELS)


def text(response: HttpResponse) -> str:
    return response.content.decode()


@pytest.fixture
def item4(team: Team, rules: None) -> ReleaseItem:
    """PAY-1 in 4 - Ready for Acceptance Test, implemented by david, with one test case."""
    item = item_in(team, ACCEPTANCE_TEST)
    add_case(team, item)
    return item


def posts(team: Team, item: ReleaseItem) -> list[tuple[str, str, dict[str, Any]]]:
    """One valid POST per endpoint, with the user (attribute of `team`) who may make it."""
    case = item.test_cases.get()
    return [
        ("qa", CASES, {"title": "Audit row written", "steps": "", "expected_result": ""}),
        ("qa", runs_url(case), {"result": "failed", "note": "No audit row", "evidence_url": ""}),
        ("qa", SIGNOFF, {"round": item.round, "comment": "Done"}),
        ("approver", ACCEPTANCE, {"round": item.round, "decision": "accepted", "reason": "OK"}),
    ]


@pytest.mark.parametrize("endpoint", range(4), ids=["case", "run", "signoff", "acceptance"])
def test_a_qa_record_redirects_to_the_item_page(team: Team, item4: ReleaseItem, endpoint: int):
    role, url, data = posts(team, item4)[endpoint]
    before = counts()
    response = team.client(getattr(team, role)).post(url, data)
    assert response.status_code == 302
    assert response["Location"] == f"{ITEM}#qa"
    after = counts()
    assert sum(after) == sum(before) + 1
    assert after[endpoint] == before[endpoint] + 1


def test_the_manager_decides_acceptance_over_http(team: Team, item4: ReleaseItem) -> None:
    data = {"round": item4.round, "decision": "rejected", "reason": "Too slow"}
    response = team.client(team.manager).post(ACCEPTANCE, data, follow=True)
    assert response.redirect_chain == [(f"{ITEM}#qa", 302)]
    assert "Acceptance decision recorded on PAY-1." in text(response)
    assert AcceptanceDecision.objects.get().decided_by == team.manager


@pytest.mark.parametrize("endpoint", range(4), ids=["case", "run", "signoff", "acceptance"])
def test_a_viewer_gets_403_and_nothing_is_written(team: Team, item4: ReleaseItem, endpoint: int):
    _, url, data = posts(team, item4)[endpoint]
    before = counts()
    response = team.client(team.viewer).post(url, data)
    assert response.status_code == 403
    assert counts() == before


@pytest.mark.parametrize("endpoint", range(4), ids=["case", "run", "signoff", "acceptance"])
def test_an_outsider_gets_404_and_nothing_is_written(
    team: Team, item4: ReleaseItem, endpoint: int
) -> None:
    _, url, data = posts(team, item4)[endpoint]
    before = counts()
    assert team.client(team.outsider).post(url, data).status_code == 404
    assert counts() == before


@pytest.mark.parametrize("endpoint", range(4), ids=["case", "run", "signoff", "acceptance"])
def test_get_on_a_qa_endpoint_is_405(team: Team, item4: ReleaseItem, endpoint: int) -> None:
    role, url, _ = posts(team, item4)[endpoint]
    assert team.client(getattr(team, role)).get(url).status_code == 405


def test_an_unknown_item_or_case_is_404(team: Team, item4: ReleaseItem) -> None:
    client = team.client(team.qa)
    assert client.post("/projects/PAY/items/9/tests/", {"title": "X"}).status_code == 404
    response = client.post(f"{ITEM}tests/999999/runs/", {"result": "passed"})
    assert response.status_code == 404
    assert "There is no such test case on PAY-1." in text(response)
    assert not TestRun.objects.exists()


MALFORMED = [
    ("qa", "case", {"title": ""}, "This field is required."),
    ("qa", "case", {"title": "x" * 201}, "at most 200 characters"),
    ("qa", "run", {"result": "maybe"}, "Select a valid choice."),
    ("qa", "run", {}, "Choose the run&#x27;s result"),
    ("qa", "run", {"result": "passed", "evidence_url": "javascript:alert(1)"}, "valid URL"),
    ("qa", "run", {"result": "passed", "note": "n" * 2001}, "at most 2000 characters"),
    ("tess", "signoff", {"round": "abc"}, "Enter a whole number."),
    ("tess", "signoff", {"round": "0"}, "greater than or equal to 1"),
    ("tess", "signoff", {"round": "99999999999999999999"}, "less than or equal to"),
    ("tess", "signoff", {"round": "1", "comment": "c" * 2001}, "at most 2000 characters"),
    ("approver", "acceptance", {"round": "1", "decision": "accepted"}, "needs a reason"),
    ("approver", "acceptance", {"round": "1", "decision": "accepted", "reason": "  "}, "reason"),
    ("approver", "acceptance", {"round": "1", "decision": "maybe", "reason": "x"}, "valid choice"),
    ("approver", "acceptance", {"decision": "accepted", "reason": "x"}, "required"),
]


@pytest.mark.parametrize(("who", "endpoint", "data", "message"), MALFORMED)
def test_malformed_input_is_400_with_a_message_and_writes_nothing(
    team: Team,
    item4: ReleaseItem,
    tess: AbstractBaseUser,
    who: str,
    endpoint: str,
    data: dict[str, str],
    message: str,
) -> None:
    url = {
        "case": CASES,
        "run": runs_url(item4.test_cases.get()),
        "signoff": SIGNOFF,
        "acceptance": ACCEPTANCE,
    }[endpoint]
    user = tess if who == "tess" else getattr(team, who)
    before = counts()
    response = team.client(user).post(url, data)
    assert response.status_code == 400
    assert 'role="status"' in text(response)
    assert message in text(response)
    assert counts() == before


def test_the_implementing_qa_tester_gets_403_over_http(team: Team, rules: None) -> None:
    item = item_in(team, ACCEPTANCE_TEST, assignee=team.qa)
    response = team.client(team.qa).post(SIGNOFF, {"round": item.round})
    assert response.status_code == 403
    assert services.DEVELOPER_SIGNOFF.format(key="PAY-1") in text(response)
    assert not QASignoff.objects.exists()


@pytest.mark.parametrize(
    ("role", "endpoint", "message"),
    [
        ("developer", "run", services.ONLY_QA_RECORDS_RUNS),
        ("approver", "run", services.ONLY_QA_RECORDS_RUNS),
        ("developer", "signoff", services.ONLY_QA_SIGNS_OFF),
        ("manager", "signoff", services.ONLY_QA_SIGNS_OFF),
        ("qa", "acceptance", services.ONLY_ACCEPTORS),
        ("developer", "acceptance", services.ONLY_ACCEPTORS),
    ],
)
def test_the_wrong_role_gets_403_with_a_message(
    team: Team, item4: ReleaseItem, role: str, endpoint: str, message: str
) -> None:
    index = {"run": 1, "signoff": 2, "acceptance": 3}[endpoint]
    _, url, data = posts(team, item4)[index]
    before = counts()
    response = team.client(getattr(team, role)).post(url, data)
    assert response.status_code == 403
    assert message in text(response)
    assert counts() == before


def test_a_second_signoff_over_http_is_400(
    team: Team, item4: ReleaseItem, tess: AbstractBaseUser
) -> None:
    client = team.client(tess)
    assert client.post(SIGNOFF, {"round": item4.round}).status_code == 302
    response = client.post(SIGNOFF, {"round": item4.round})
    assert response.status_code == 400
    assert services.ALREADY_SIGNED.format(key="PAY-1") in text(response)
    assert QASignoff.objects.count() == 1


@pytest.mark.parametrize(("who", "url"), [("tess", SIGNOFF), ("approver", ACCEPTANCE)])
def test_a_stale_round_over_http_is_a_conflict(
    team: Team, item4: ReleaseItem, tess: AbstractBaseUser, who: str, url: str
) -> None:
    user = tess if who == "tess" else team.approver
    stale_round = item4.round
    move(team, item4, "prev", comment="Back for rework")  # the page's round is now stale
    data = {"round": stale_round, "decision": "accepted", "reason": "OK"}
    before = counts()
    response = team.client(user).post(url, data)
    assert response.status_code == 409
    assert services.STALE_ROUND.format(key="PAY-1") in text(response)
    assert counts() == before


def test_every_qa_record_is_journaled_with_its_author(
    team: Team, item4: ReleaseItem, tess: AbstractBaseUser
) -> None:
    case = item4.test_cases.get()
    team.client(team.qa).post(CASES, {"title": "Audit row written"})
    team.client(team.qa).post(runs_url(case), {"result": "failed", "note": "No audit row"})
    team.client(tess).post(SIGNOFF, {"round": item4.round, "comment": "Signed"})
    team.client(team.approver).post(
        ACCEPTANCE, {"round": item4.round, "decision": "accepted", "reason": "Business OK"}
    )

    added = TestCase.history.get(title="Audit row written")
    assert (added.history_type, added.history_user) == ("+", team.qa)
    run = TestRun.history.get()
    assert (run.history_type, run.history_user, run.history_change_reason) == (
        "+",
        team.qa,
        "No audit row",
    )
    signoff = QASignoff.history.get()
    assert (signoff.history_user, signoff.history_change_reason) == (tess, "Signed")
    accepted = AcceptanceDecision.history.get()
    assert (accepted.history_user, accepted.history_change_reason) == (team.approver, "Business OK")

    journal = text(team.client(team.manager).get(f"{ITEM}journal/"))
    for line in (
        "Test case added: Audit row written",
        "Test run failed: Limit is enforced",
        "QA sign-off (not the implementing developer)",
        "Acceptance decision: accepted",
    ):
        assert line in journal


# --- The item page ------------------------------------------------------------------------------


def test_the_item_page_shows_runs_signoff_acceptance_and_the_blocked_move(
    team: Team, rules: None, tess: AbstractBaseUser
) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    green = add_case(team, item, "Happy path")
    red = add_case(team, item, "Limit is enforced")
    record(team, green, "passed")
    record(team, red, "passed")
    record(team, red, "failed")
    sign_off(team, item, tess, comment="Green on staging")
    decide(team, item, "accepted", reason="Business owner tried it")

    page = text(team.client(team.qa).get(ITEM))

    assert "Happy path" in page
    assert "Limit is enforced" in page
    assert '<span class="result result-passed">Passed</span>' in page
    assert '<span class="result result-failed">Failed</span>' in page  # red's latest run
    assert "failed on staging" in page
    assert "Signed off by <strong>tess</strong>" in page
    assert "Green on staging" in page
    assert '<span class="result result-accepted">Accepted</span> by <strong>april</strong>' in page
    assert "Business owner tried it" in page
    assert (
        "Moving to 5 - Ready for Production is blocked: "
        "needs every test case passing (1 not passing)." in page
    )
    # quinn is a QA tester: each case has its run form, named for the case.
    assert 'Record run<span class="visually-hidden"> of “Limit is enforced”</span>' in page
    assert f'action="{SIGNOFF}"' in page  # and may sign off: tess did, not quinn


def test_the_item_page_shows_only_the_current_rounds_signoff_and_decision(
    team: Team, rules: None, tess: AbstractBaseUser
) -> None:
    item = item_in(team, ACCEPTANCE_TEST)
    record(team, add_case(team, item), "passed")
    sign_off(team, item, tess)
    decide(team, item, "accepted", reason="Business owner tried it")
    move(team, item, "prev", comment="Rework")
    move(team, item, "next")

    page = text(team.client(team.qa).get(ITEM))
    assert "Not signed off in this round." in page
    assert "No acceptance decision in this round." in page
    assert "Business owner tried it" not in page
    assert (
        "Moving to 5 - Ready for Production is blocked: "
        "needs QA sign-off; needs an acceptance decision." in page
    )


def test_a_viewer_reads_the_qa_panel_without_forms(team: Team, item4: ReleaseItem) -> None:
    record(team, item4.test_cases.get(), "failed")
    page = text(team.client(team.viewer).get(ITEM))
    assert '<span class="result result-failed">Failed</span>' in page
    assert "Record run of" not in page
    assert "Add test case" not in page
    assert "Record acceptance decision" not in page
    assert f'action="{SIGNOFF}"' not in page


@pytest.mark.parametrize("state_id", [DEVELOPING, INTEGRATION_TEST, PRODUCTION])
def test_signoff_and_acceptance_are_offered_only_where_they_count(
    team: Team, rules: None, state_id: int
) -> None:
    # Every move starts a new round: a sign-off given in another state could never count.
    item_in(team, state_id)
    where = "counts only while the item is in 4 - Ready for Acceptance Test."

    qa_page = text(team.client(team.qa).get(ITEM))
    assert f'action="{SIGNOFF}"' not in qa_page
    assert f"A QA sign-off {where}" in qa_page
    approver_page = text(team.client(team.approver).get(ITEM))
    assert f'action="{ACCEPTANCE}"' not in approver_page
    assert f"An acceptance decision {where}" in approver_page


def test_in_acceptance_test_qa_and_approvers_get_their_forms(team: Team, item4: ReleaseItem):
    assert f'action="{SIGNOFF}"' in text(team.client(team.qa).get(ITEM))
    for user in (team.approver, team.manager):
        page = text(team.client(user).get(ITEM))
        assert f'action="{ACCEPTANCE}"' in page
        assert "counts only while" not in page


# --- Removing a test case: retired, never deleted ------------------------------------------------


def remove_url(case: TestCase) -> str:
    return f"{ITEM}tests/{case.pk}/remove/"


def retire(team: Team, case: TestCase, *, by: AbstractBaseUser | None = None, reason: str = ""):
    return services.qa_case_retire(
        access=team.access(by or team.qa),
        item_id=case.item_id,
        test_case_id=case.pk,
        reason=reason,
    )


def test_a_retired_failing_case_no_longer_blocks_the_gate(team: Team, rules: None) -> None:
    item = item_in(team, INTEGRATION_TEST)
    record(team, add_case(team, item, "Happy path"), "passed")
    obsolete = add_case(team, item, "Old limit of 10,000 EUR")
    record(team, obsolete, "failed")
    assert_refused(team, item, ACCEPTANCE_TEST, TESTS_NOT_PASSING.format(failing=1))

    retire(team, obsolete, reason="The limit changed")

    assert decision_to(team, item, ACCEPTANCE_TEST).allowed
    assert move(team, item).status_id == ACCEPTANCE_TEST


def test_an_item_whose_only_case_is_retired_needs_test_cases_again(team: Team, rules: None) -> None:
    item = item_in(team, INTEGRATION_TEST)
    case = add_case(team, item)
    record(team, case, "passed")

    retire(team, case)

    assert_refused(team, item, ACCEPTANCE_TEST, NEEDS_TESTS)


def test_retiring_keeps_the_case_and_its_runs_and_journals_who_when_and_why(
    team: Team, rules: None
) -> None:
    item = item_in(team, INTEGRATION_TEST)
    case = add_case(team, item)
    record(team, case, "failed")

    retire(team, case, by=team.developer, reason="Duplicate of the limit test")

    case.refresh_from_db()
    assert case.retired_at is not None
    assert TestRun.objects.filter(test_case=case).count() == 1
    retired = case.history.first()
    assert (retired.history_type, retired.history_user, retired.history_change_reason) == (
        "~",
        team.developer,
        "Duplicate of the limit test",
    )
    journal = text(team.client(team.manager).get(f"{ITEM}journal/"))
    assert "Test run failed: Limit is enforced" in journal
    assert "Test case removed: Limit is enforced" in journal
    assert "Duplicate of the limit test" in journal


def test_a_retired_case_takes_no_more_runs_and_cannot_be_retired_twice(
    team: Team, rules: None
) -> None:
    item = item_in(team, INTEGRATION_TEST)
    case = add_case(team, item)
    retire(team, case)

    with pytest.raises(ItemNotFound):
        record(team, case, "passed")
    with pytest.raises(ItemNotFound) as twice:
        retire(team, case)
    assert twice.value.message == services.CASE_GONE.format(key="PAY-1")


def test_approvers_and_viewers_may_not_retire_test_cases(team: Team, rules: None) -> None:
    case = add_case(team, item_in(team, INTEGRATION_TEST))
    for user in (team.approver, team.viewer):
        with pytest.raises(PermissionDenied):
            retire(team, case, by=user)
    case.refresh_from_db()
    assert case.retired_at is None


def test_removing_a_test_case_over_http_retires_it_and_leaves_the_panel(
    team: Team, item4: ReleaseItem
) -> None:
    case = item4.test_cases.get()
    record(team, case, "failed")

    response = team.client(team.developer).post(
        remove_url(case), {"reason": "Covered elsewhere"}, follow=True
    )

    assert response.redirect_chain == [(f"{ITEM}#qa", 302)]
    assert "Test case removed from PAY-1; its runs stay in the journal." in text(response)
    assert "No test cases yet." in text(response)
    case.refresh_from_db()
    assert case.retired_at is not None
    assert TestRun.objects.filter(test_case=case).exists()


def test_the_qa_panel_asks_before_removing_a_test_case_and_says_what_the_journal_keeps(
    team: Team, item4: ReleaseItem
) -> None:
    case = item4.test_cases.get()
    page = text(team.client(team.qa).get(ITEM))

    confirm = page.split('<details class="confirm">', 1)[1].split("</details>", 1)[0]
    assert (
        '<summary>Remove<span class="visually-hidden"> “Limit is enforced” from PAY-1</span>…'
        "</summary>" in confirm
    )
    assert f'action="{remove_url(case)}"' in confirm
    assert 'name="csrfmiddlewaretoken"' in confirm
    assert "the journal keeps the test case and every run of it" in confirm
    assert "Yes, remove “Limit is enforced” from PAY-1</button>" in confirm


def test_those_who_may_not_remove_test_cases_are_not_offered_it(
    team: Team, item4: ReleaseItem
) -> None:
    for user in (team.viewer, team.approver):
        page = text(team.client(user).get(ITEM))
        assert "Limit is enforced" in page
        assert "/remove/" not in page


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("approver", 403), ("outsider", 404)])
def test_removing_a_test_case_is_refused_to_those_without_the_right(
    team: Team, item4: ReleaseItem, who: str, status: int
) -> None:
    case = item4.test_cases.get()
    response = team.client(getattr(team, who)).post(remove_url(case), {"reason": ""})
    assert response.status_code == status
    case.refresh_from_db()
    assert case.retired_at is None


def test_removing_a_test_case_needs_post(team: Team, item4: ReleaseItem) -> None:
    case = item4.test_cases.get()
    assert team.client(team.qa).get(remove_url(case)).status_code == 405
    case.refresh_from_db()
    assert case.retired_at is None


def test_removing_a_test_case_with_bad_input_is_4xx_and_changes_nothing(
    team: Team, item4: ReleaseItem
) -> None:
    case = item4.test_cases.get()
    client = team.client(team.qa)

    too_long = client.post(remove_url(case), {"reason": "r" * 2001})
    unknown = client.post(f"{ITEM}tests/999999/remove/", {})
    other_item = client.post(f"/projects/PAY/items/9/tests/{case.pk}/remove/", {})

    assert too_long.status_code == 400
    assert "at most 2000 characters" in text(too_long)
    assert unknown.status_code == 404
    assert services.CASE_GONE.format(key="PAY-1") in text(unknown)
    assert other_item.status_code == 404
    case.refresh_from_db()
    assert case.retired_at is None
