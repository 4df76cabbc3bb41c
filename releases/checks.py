"""What an item may still be missing before its release ships: a list of registered checks.

Each check loads its evidence for all the release's items at once (a constant number of
queries) and names, per item, its shortfalls, each of one kind. The releases app registers
the production-state check and the gates check (approvals and QA, asked of the move policy);
another app plugs in more from its AppConfig.ready() — e.g. dependencies, with the kind
WAITING_FOR_DEPENDENCY — and the readiness panel and the release gate pick it up.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Protocol

from django.utils.translation import gettext, gettext_noop

from approvals.gates import APPROVALS, ApprovalsGate
from items.gates import Requirements
from items.models import ReleaseItem, ReleaseStatus
from items.policy import REOPENED, MovePolicy, gates_passed
from projects.models import ReleaseProject
from qa.models import QASignoff

# The kinds of shortfall, as the release gate names them ("3 items not in a production state").
# A kind is also its key: kept in English, translated where it is shown (gettext(kind)).
NOT_IN_PRODUCTION = gettext_noop("not in a production state")
UNAPPROVED = gettext_noop("unapproved")
NO_QA_SIGNOFF = gettext_noop("without QA sign-off")
WAITING_FOR_DEPENDENCY = gettext_noop("waiting for a dependency")
KINDS = (NOT_IN_PRODUCTION, UNAPPROVED, NO_QA_SIGNOFF, WAITING_FOR_DEPENDENCY)

IN_STATE = gettext_noop("in “{state}”")
NEXT_MOVE = gettext_noop("to move on to “{state}”: {reasons}")
OWED = gettext_noop("retrospective approval pending for the emergency move to “{state}”")
NEVER_SIGNED_OFF = gettext_noop("no QA sign-off recorded (moved on past it in an emergency)")


@dataclass(frozen=True, slots=True)
class Shortfall:
    kind: str  # one of KINDS, or a kind a plugged-in check brings
    detail: str  # in the reader's language (built when asked)


@dataclass(slots=True)
class ReadinessContext:
    """What every check may use: the release, its items (states from the workflow in memory)
    and one move policy over them all, whose gates' evidence is loaded at most once."""

    project: ReleaseProject
    items: list[ReleaseItem]
    policy: MovePolicy
    states: dict[int, ReleaseStatus] = field(default_factory=dict)


class ReadinessCheck(Protocol):
    def load(self, context: ReadinessContext) -> None:
        """Load the evidence for all of `context.items`: a constant number of queries."""

    def shortfalls(self, item: ReleaseItem, context: ReadinessContext) -> list[Shortfall]:
        """What `item` is missing before release (empty: nothing, as far as this check sees)."""


CheckFactory = Callable[[], ReadinessCheck]
_registry: dict[str, CheckFactory] = {}


def register_readiness_check(name: str, factory: CheckFactory) -> None:
    """Plug a check into every readiness from now on; called from an AppConfig.ready()."""
    _registry[name] = factory


def registered_readiness_checks() -> dict[str, CheckFactory]:
    return dict(_registry)


class ProductionCheck:
    """The item is in a state flagged "production" (items.ReleaseStatus.production)."""

    def load(self, context: ReadinessContext) -> None:
        pass

    def shortfalls(self, item: ReleaseItem, context: ReadinessContext) -> list[Shortfall]:
        state = context.states[item.status_id]
        if state.production:
            return []
        return [Shortfall(NOT_IN_PRODUCTION, gettext(IN_STATE).format(state=state.name))]


def _approvals_only(need: Requirements) -> Requirements:
    return replace(
        need, requires_passing_tests=False, requires_qa_signoff=False, requires_acceptance=False
    )


def _qa_only(need: Requirements) -> Requirements:
    return replace(need, approvals_required=0)


class GatesCheck:
    """Approvals and QA, as the move policy and its registered gates see them.

    Short of production: what still blocks the item's next forward move, split into approval
    and QA shortfalls. In a production state: an edit after sign-off (needs re-approval and
    re-test), approvals still owed for an emergency move, and a QA sign-off the rules ask for
    but never given (an emergency move past it).
    """

    def __init__(self) -> None:
        self.signed_off: set[int] = set()
        self.signoff_required = False

    def load(self, context: ReadinessContext) -> None:
        rules = context.policy.rules.values()
        self.signoff_required = any(r.requires_qa_signoff for r in rules)
        if self.signoff_required:
            # One query: the items with a QA sign-off in any round.
            self.signed_off = set(
                QASignoff.objects.filter(item__project_id=context.project.pk)
                .order_by()
                .values_list("item_id", flat=True)
                .distinct()
            )

    def shortfalls(self, item: ReleaseItem, context: ReadinessContext) -> list[Shortfall]:
        policy, state = context.policy, context.states[item.status_id]
        if policy.implicit:
            return []
        found: list[Shortfall] = []
        if not state.production:
            _, following = policy.neighbours(item.status_id)
            rule = following and policy.rule_for(item, following)
            if rule:
                need = policy.requirements(item, rule)
                for kind, part in ((UNAPPROVED, _approvals_only), (NO_QA_SIGNOFF, _qa_only)):
                    # The rule's gates only: a gate guarding every move (a freeze window) says
                    # when the item may move, not what it misses before release.
                    reasons = policy.gate_blockers(item, part(need), every_move=False)
                    if reasons:
                        detail = gettext(NEXT_MOVE).format(
                            state=following.name, reasons="; ".join(reasons)
                        )
                        found.append(Shortfall(kind, detail))
            return found
        passed = gates_passed(rules=policy.rules.values(), states=policy.states, state_id=state.id)
        if item.needs_reapproval and passed:
            if any(r.approvals_required for r in passed):
                found.append(Shortfall(UNAPPROVED, gettext(REOPENED)))
            if any(r.requires_passing_tests or r.requires_qa_signoff for r in passed):
                found.append(Shortfall(NO_QA_SIGNOFF, gettext(REOPENED)))
        gate = policy.gate(APPROVALS)
        if isinstance(gate, ApprovalsGate):
            for emergency in gate.emergencies.get(item.pk, []):
                target = policy.states.get(emergency.to_state_id)
                name = target.name if target else str(emergency.to_state_id)
                found.append(Shortfall(UNAPPROVED, gettext(OWED).format(state=name)))
        if (
            any(r.requires_qa_signoff for r in passed)
            and not item.needs_reapproval
            and item.pk not in self.signed_off
        ):
            found.append(Shortfall(NO_QA_SIGNOFF, gettext(NEVER_SIGNED_OFF)))
        return found
