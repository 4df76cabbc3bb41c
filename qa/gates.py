"""The QA gates of the move policy (registered in QaConfig.ready()): every test case passing,
QA sign-off and acceptance, each counted for the item's current round."""

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_noop

from approvals.gates import refusal
from items.gates import Requirements
from items.models import ReleaseItem
from qa.models import AcceptanceDecision, Decision, QASignoff, Result, TestCase, TestRun

if TYPE_CHECKING:
    from items.policy import MovePolicy

QA = "qa"

NEEDS_TESTS = gettext_noop("needs test cases")
TESTS_NOT_PASSING = gettext_noop("needs every test case passing ({failing} not passing)")
NEEDS_SIGNOFF = gettext_noop("needs QA sign-off")
NEEDS_ACCEPTANCE = gettext_noop("needs an acceptance decision")
ACCEPTANCE_REJECTED = gettext_noop("acceptance was rejected")


@dataclass(slots=True)
class ItemEvidence:
    """What the QA gates look at for one item, in its current round."""

    tests_total: int = 0
    tests_not_passing: int = 0
    signoffs: int = 0
    acceptance: str | None = None  # latest decision this round


class QAGate:
    def __init__(self) -> None:
        self.evidence: dict[int, ItemEvidence] = defaultdict(ItemEvidence)

    def load(self, policy: "MovePolicy") -> None:
        """Three queries: test cases with their latest run, sign-offs, acceptance decisions."""
        scope, rounds = policy.scope, policy.rounds
        latest = TestRun.objects.filter(test_case=OuterRef("pk")).order_by("-created_at", "-pk")
        # Retired cases no longer count; their runs stay in the journal as evidence.
        cases = TestCase.objects.filter(retired_at__isnull=True, **scope).annotate(
            latest=Subquery(latest.values("result")[:1]),
            latest_at=Subquery(latest.values("created_at")[:1]),
        )
        # An item edited after sign-off needs its tests run again: older runs do not count.
        edited = {i.pk: i.edited_after_signoff_at for i in policy.items if i.needs_reapproval}
        for case in cases.values("item_id", "latest", "latest_at"):
            evidence = self.evidence[case["item_id"]]
            evidence.tests_total += 1
            since = edited.get(case["item_id"])
            stale = since is not None and (case["latest_at"] is None or case["latest_at"] < since)
            evidence.tests_not_passing += case["latest"] != Result.PASSED or stale
        for item_id, item_round in QASignoff.objects.filter(**scope).values_list(
            "item_id", "round"
        ):
            if rounds.get(item_id) == item_round:
                self.evidence[item_id].signoffs += 1
        decisions = AcceptanceDecision.objects.filter(**scope).order_by("created_at", "pk")
        for item_id, item_round, decision in decisions.values_list("item_id", "round", "decision"):
            if rounds.get(item_id) == item_round:
                self.evidence[item_id].acceptance = decision  # the latest wins

    def blockers(self, item: ReleaseItem, need: Requirements, policy: "MovePolicy") -> list[str]:
        evidence = self.evidence.get(item.pk) or ItemEvidence()
        reasons = []
        if need.requires_passing_tests:
            if not evidence.tests_total:
                reasons.append(refusal(NEEDS_TESTS))
            elif evidence.tests_not_passing:
                reasons.append(refusal(TESTS_NOT_PASSING, failing=evidence.tests_not_passing))
        if need.requires_qa_signoff and not evidence.signoffs:
            reasons.append(refusal(NEEDS_SIGNOFF))
        if need.requires_acceptance:
            if evidence.acceptance is None:
                reasons.append(refusal(NEEDS_ACCEPTANCE))
            elif evidence.acceptance != Decision.ACCEPTED:
                reasons.append(refusal(ACCEPTANCE_REJECTED))
        return reasons

    def satisfied_by(self, item: ReleaseItem, need: Requirements) -> list[str]:
        return []

    def notes(self, item: ReleaseItem) -> list[str]:
        return []
