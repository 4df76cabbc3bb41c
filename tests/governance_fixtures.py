"""Fixtures and helpers shared by the governance tests: the default transition rules, a team
with two approvers, and items placed in a state with the evidence its gates look at.

Test modules take the fixtures with `from tests.governance_fixtures import *` (only the
fixtures are exported) and import the helpers by name.
"""

from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser

from approvals import services as approval_services
from approvals.models import Approval
from items import engine
from items.models import ReleaseItem, ReleaseStatus, TransitionRule
from items.rules import rule_seed_defaults
from projects.roles import Role
from qa import services as qa_services
from tests.conftest import Team
from tests.factories import MemberFactory, UserFactory

__all__ = ["approver2", "rules"]

# The default states by their place in the release flow.
DEVELOPING, REVIEW, INTEGRATION, INTEGRATION_TEST = 4500, 4540, 4550, 4560
ACCEPTANCE_TEST, PRODUCTION, TO_BE_CLOSED, CLOSED = 4570, 4585, 4590, 4595
FLOW = [
    DEVELOPING,
    REVIEW,
    INTEGRATION,
    INTEGRATION_TEST,
    ACCEPTANCE_TEST,
    PRODUCTION,
    TO_BE_CLOSED,
    CLOSED,
]


@pytest.fixture
def rules(states: list[ReleaseStatus]) -> dict[tuple[int, int], TransitionRule]:
    """The 20 default transition rules, by (from state, to state)."""
    rule_seed_defaults()
    return {(r.from_state_id, r.to_state_id): r for r in TransitionRule.objects.all()}


@pytest.fixture
def approver2(team: Team) -> AbstractBaseUser:
    """A second approver in PAY, so quorums of two can be reached."""
    return MemberFactory(
        project=team.project, user=UserFactory(username="arthur"), role=Role.APPROVER
    ).user


def state(state_id: int) -> ReleaseStatus:
    return ReleaseStatus.objects.get(pk=state_id)


def item_in(team: Team, state_id: int, *, number: int = 1, **kwargs: Any) -> ReleaseItem:
    """An item of PAY placed in a state, implemented by the developer (author and assignee)."""
    kwargs.setdefault("created_by", team.developer)
    kwargs.setdefault("assignee", team.developer)
    return team.item(number=number, status=state(state_id), **kwargs)


def fresh(item: ReleaseItem) -> ReleaseItem:
    item.refresh_from_db()
    return item


def move(
    team: Team,
    user: AbstractBaseUser,
    item: ReleaseItem,
    *,
    direction: str | None = None,
    to: int | None = None,
    comment: str = "",
    emergency: bool = False,
) -> ReleaseItem:
    """Move `item` through the engine as `user`, with its current version."""
    item = fresh(item)
    return engine.item_move(
        access=team.access(user),
        item_id=item.pk,
        expected_version=item.version,
        direction=direction,
        to_status_id=to,
        comment=comment,
        emergency=emergency,
    )


def vote(
    team: Team,
    user: AbstractBaseUser,
    item: ReleaseItem,
    *,
    to: int,
    choice: str = "approve",
    comment: str = "",
    round: int | None = None,
    from_state: int | None = None,
) -> Approval:
    """Vote as `user` on moving `item` on to `to`, in its current round unless told."""
    item = fresh(item)
    return approval_services.approval_vote(
        access=team.access(user),
        item_id=item.pk,
        to_state_id=to,
        round=item.round if round is None else round,
        vote=choice,
        comment=comment,
        from_state_id=from_state,
    )


def pass_tests(team: Team, item: ReleaseItem) -> None:
    """One test case with a passing run, recorded by the QA tester."""
    case = qa_services.qa_case_add(
        access=team.access(team.qa),
        item_id=item.pk,
        fields={"title": "Limit is enforced", "expected_result": "Refused"},
    )
    qa_services.qa_run_record(
        access=team.access(team.qa),
        item_id=item.pk,
        test_case_id=case.pk,
        fields={"result": "passed", "note": "green on staging"},
    )


def sign_off_and_accept(team: Team, item: ReleaseItem) -> None:
    """QA sign-off by the QA tester and an "accepted" decision by the manager, this round."""
    item = fresh(item)
    qa_services.qa_signoff(access=team.access(team.qa), item_id=item.pk, round=item.round)
    qa_services.qa_acceptance_decide(
        access=team.access(team.manager),
        item_id=item.pk,
        round=item.round,
        decision="accepted",
        reason="Accepted in the UAT session.",
    )


def satisfy_gates(team: Team, item: ReleaseItem, to: int) -> None:
    """Give `item` whatever the default rule into `to` needs (approval, tests, sign-off)."""
    if (item.status_id, to) == (REVIEW, INTEGRATION):
        vote(team, team.approver, item, to=INTEGRATION)
    if (item.status_id, to) in ((INTEGRATION_TEST, ACCEPTANCE_TEST), (ACCEPTANCE_TEST, PRODUCTION)):
        pass_tests(team, item)
    if (item.status_id, to) == (ACCEPTANCE_TEST, PRODUCTION):
        sign_off_and_accept(team, item)
