"""Reads for QA: the item page's test cases, runs, sign-offs and acceptance decisions."""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils.translation import gettext, gettext_noop

from items.models import ReleaseItem
from items.policy import MovePolicy
from projects.access import Access
from projects.roles import EDIT_ITEMS, Role
from qa.models import AcceptanceDecision, QASignoff, TestCase, TestRun

RUNS_SHOWN = 5

# Where a sign-off or decision counts, each a whole sentence for the translators.
SIGNOFF_WHERE = (
    gettext_noop("A QA sign-off is not needed: no transition rule asks for one."),
    gettext_noop("A QA sign-off counts only while the item is in {states}."),
)
ACCEPTANCE_WHERE = (
    gettext_noop("An acceptance decision is not needed: no transition rule asks for one."),
    gettext_noop("An acceptance decision counts only while the item is in {states}."),
)


@dataclass(slots=True)
class QAPanel:
    cases: list[TestCase]  # each with `recent_runs` (newest first) and `latest`
    signoffs: list[QASignoff]  # this round's
    decisions: list[AcceptanceDecision]  # this round's, newest first
    can_add_case: bool
    can_record_run: bool
    can_sign_off: bool
    cannot_sign_off_because: str
    can_decide: bool
    cannot_decide_because: str = ""

    @property
    def all_passing(self) -> bool:
        return bool(self.cases) and all(
            c.latest and c.latest.result == "passed" for c in self.cases
        )


def qa_panel(*, access: Access, item: ReleaseItem, policy: MovePolicy) -> QAPanel:
    """Four queries: test cases, their runs, sign-offs and decisions of the current round."""
    runs = TestRun.objects.select_related("tester").order_by("-created_at", "-pk")
    cases = list(
        TestCase.objects.filter(item=item, retired_at__isnull=True).prefetch_related(
            Prefetch("runs", queryset=runs, to_attr="all_runs")
        )
    )
    for case in cases:
        case.recent_runs = case.all_runs[:RUNS_SHOWN]
        case.latest = case.all_runs[0] if case.all_runs else None
    signoffs = list(QASignoff.objects.filter(item=item, round=item.round).select_related("tester"))
    decisions = list(
        AcceptanceDecision.objects.filter(item=item, round=item.round).select_related("decided_by")
    )
    # A released, closed or cancelled release takes no QA records (projects.access).
    writable = not access.read_only_reason
    is_qa = writable and access.has_role(Role.QA_TESTER)
    is_acceptor = writable and access.has_role(Role.RELEASE_MANAGER, Role.APPROVER)
    # Every move starts a new round, so a sign-off or decision counts only while the item is in
    # a state whose way on needs it: offer the forms there (everywhere when no rules exist).
    signoff_in = _states_needing(policy, "requires_qa_signoff", item)
    acceptance_in = _states_needing(policy, "requires_acceptance", item)
    signed = any(s.tester_id == access.user.pk for s in signoffs)
    because = ""
    if is_qa and signed:
        because = gettext("You have signed off this round.")
    elif is_qa and item.assignee_id == access.user.pk:
        because = gettext("You implemented {key}, so someone else must sign it off.").format(
            key=item.key
        )
    elif is_qa and not policy.implicit and item.status_id not in signoff_in:
        because = _only_in(SIGNOFF_WHERE, signoff_in)
    decide_because = ""
    if is_acceptor and not policy.implicit and item.status_id not in acceptance_in:
        decide_because = _only_in(ACCEPTANCE_WHERE, acceptance_in)
    return QAPanel(
        cases=cases,
        signoffs=signoffs,
        decisions=decisions,
        can_add_case=access.can(EDIT_ITEMS) or is_qa,
        can_record_run=is_qa,
        can_sign_off=is_qa and not because,
        cannot_sign_off_because=because,
        can_decide=is_acceptor and not decide_because,
        cannot_decide_because=decide_because,
    )


def _states_needing(policy: MovePolicy, gate: str, item: ReleaseItem) -> dict[int, str]:
    """The states (id: name) whose way on has `gate` for `item` (an item edited after sign-off
    owes it where it stands); no queries, the policy has the rules."""
    return {
        source: policy.states[source].name
        for (source, _), rule in policy.rules.items()
        if getattr(rule, gate)
        or (source == item.status_id and getattr(policy.requirements(item, rule), gate))
    }


def _only_in(where: tuple[str, str], states: dict[int, str]) -> str:
    not_needed, only_in = where
    if not states:
        return gettext(not_needed)
    return gettext(only_in).format(states=", ".join(states.values()))
