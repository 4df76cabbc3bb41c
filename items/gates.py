"""The gates of a transition rule, as plug-ins of the one move policy (items.policy).

items owns the rules and the moves; the apps that hold a gate's evidence (approvals: votes and
owed emergency approvals; qa: test runs, sign-offs, acceptance) register a gate here from
their AppConfig.ready(). The policy and the engine iterate the registered gates and never
import those apps, so the dependency points one way: approvals and qa -> items.
"""

from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Protocol

from django.dispatch import Signal

from items.models import ReleaseItem, TransitionRule

if TYPE_CHECKING:
    from items.policy import MovePolicy


@dataclass(frozen=True, slots=True)
class Requirements:
    """What a move asks for before it may be made: a rule's gates, or more (see
    MovePolicy.requirements: an item edited after sign-off owes the gates it had passed)."""

    from_state_id: int
    to_state_id: int
    approvals_required: int = 0
    approver_roles: tuple[str, ...] = ()
    rejection_blocks: bool = True
    requires_passing_tests: bool = False
    requires_qa_signoff: bool = False
    requires_acceptance: bool = False
    segregation_of_duties: bool = True

    @classmethod
    def of(cls, rule: TransitionRule) -> "Requirements":
        return cls(
            from_state_id=rule.from_state_id,
            to_state_id=rule.to_state_id,
            approvals_required=rule.approvals_required,
            approver_roles=tuple(rule.approver_roles),
            rejection_blocks=rule.rejection_blocks,
            requires_passing_tests=rule.requires_passing_tests,
            requires_qa_signoff=rule.requires_qa_signoff,
            requires_acceptance=rule.requires_acceptance,
            segregation_of_duties=rule.segregation_of_duties,
        )

    def merged(self, *others: "Requirements") -> "Requirements":
        """This move's requirements and those of `others` together (the strictest of each)."""
        need = self
        for other in others:
            need = replace(
                need,
                approvals_required=max(need.approvals_required, other.approvals_required),
                approver_roles=tuple(dict.fromkeys(need.approver_roles + other.approver_roles)),
                rejection_blocks=need.rejection_blocks or other.rejection_blocks,
                requires_passing_tests=need.requires_passing_tests or other.requires_passing_tests,
                requires_qa_signoff=need.requires_qa_signoff or other.requires_qa_signoff,
                requires_acceptance=need.requires_acceptance or other.requires_acceptance,
                segregation_of_duties=need.segregation_of_duties or other.segregation_of_duties,
            )
        return need

    @property
    def has_gates(self) -> bool:
        return bool(
            self.approvals_required
            or self.requires_passing_tests
            or self.requires_qa_signoff
            or self.requires_acceptance
        )


REQUIREMENT_FIELDS = tuple(f.name for f in fields(Requirements))


class Gate(Protocol):
    """One kind of evidence a move can wait for. A policy makes one instance per request.

    A gate asked only about rules with gates, unless its class sets `every_move = True`: then
    it is asked about every move, with or without rules (freeze windows), and loaded always.
    """

    def load(self, policy: "MovePolicy") -> None:
        """Load the evidence for `policy`'s items: a constant number of queries."""

    def blockers(self, item: ReleaseItem, need: Requirements, policy: "MovePolicy") -> list[str]:
        """What is still missing for `item` to meet `need`, in words (empty: nothing)."""

    def satisfied_by(self, item: ReleaseItem, need: Requirements) -> list[str]:
        """Who gave the evidence that meets `need` (the card's "Approved by ...")."""

    def notes(self, item: ReleaseItem) -> list[str]:
        """Standing notes on the item whatever its way on (e.g. approvals still owed)."""


GateFactory = Callable[[], Gate]

_registry: dict[str, GateFactory] = {}


def register_gate(name: str, factory: GateFactory) -> None:
    """Plug a gate into every policy from now on; called from an AppConfig.ready()."""
    _registry[name] = factory


def registered_gates() -> dict[str, GateFactory]:
    return dict(_registry)


# Sent by the engine inside the transaction of an emergency move it has just saved (so a
# receiver's failure rolls the move back): access, item, need (Requirements), round (the
# round the skipped evidence is owed for), justification, blockers.
emergency_move_made = Signal()
