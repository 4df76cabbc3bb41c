"""May this user make this move on this item now? The one place that answers it.

The engine (before it writes), the board (which arrows to show), the item page and the bulk
move all ask `MovePolicy.decide`. A policy loads everything it needs for a set of items in a
constant number of queries, so the board costs the same for 10 or 1,000 cards.

With no transition rules at all, the installation keeps ]project-open['s simple policy:
members with the move right step one enabled state either way, release managers set any state.
Once rules exist, a move without a rule does not exist, and a rule's roles and gates apply.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from items.gates import Gate, Requirements, registered_gates
from items.models import Direction, ReleaseItem, ReleaseStatus, TransitionRule
from items.workflow import Workflow
from projects.access import Access
from projects.models import ReleaseMember
from projects.roles import MOVE, MOVE_ANY, Role

NO_RIGHT_TO_MOVE = gettext_noop("Your role in {code} does not allow moving items.")
NO_RIGHT_TO_SET_STATE = gettext_noop("Only release managers may set an item to any state.")
NO_SUCH_TRANSITION = gettext_noop("There is no transition from “{source}” to “{target}”.")
ROLE_MAY_NOT = gettext_noop("Your role may not move items from “{source}” to “{target}”.")
BLOCKED = gettext_noop("{key} cannot move to “{target}” yet: {reasons}.")
REOPENED = gettext_noop("edited after sign-off: needs re-approval and re-test")


def _every_move(gate: Gate) -> bool:
    """Whether `gate` guards every move (freeze windows), not only a rule's gated ones."""
    return getattr(gate, "every_move", False)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    # Shown to the user: why not. `blocked` means the rule exists and the user's role may use
    # it, but a gate (approvals, QA) is still open: the board shows a disabled arrow.
    reason: str = ""
    blocked: bool = False
    rule: TransitionRule | None = None
    blockers: tuple[str, ...] = ()
    need: Requirements | None = None  # what the move asked for (the rule's gates, or more)


def gates_passed(
    *, rules: Iterable[TransitionRule], states: dict[int, ReleaseStatus], state_id: int
) -> list[TransitionRule]:
    """The gated forward rules an item in `state_id` has come through: those leading into it
    or into a state before it (in board order)."""
    here = states.get(state_id)
    if here is None:
        return []
    place = (here.position, here.id)
    return [
        r
        for r in rules
        if r.has_gates
        and r.direction == Direction.FORWARD
        and r.to_state_id in states
        and (states[r.to_state_id].position, r.to_state_id) <= place
    ]


class MovePolicy:
    def __init__(
        self,
        *,
        access: Access,
        workflow: Workflow,
        items: Iterable[ReleaseItem] = (),
        project_wide: bool = False,
        for_update: bool = False,
    ) -> None:
        """Decide by `workflow`'s states and rules; load the gates' evidence for `items` when
        first needed (a move along a rule without gates needs none). `project_wide` selects
        the evidence by project rather than by a list of ids (the board: hundreds of cards).
        `for_update`: the engine decides inside the move's transaction; a gate whose evidence
        is other rows another move may change (dependencies) reads them under a lock."""
        self.access = access
        self.for_update = for_update
        self.states = {s.id: s for s in workflow.states}
        self.enabled = [s for s in workflow.states if s.enabled]
        rules = workflow.rules
        enabled_ids = {s.id for s in self.enabled}
        # Rules touching a disabled state are inactive (and reported by items.rules).
        self.rules = {
            (r.from_state_id, r.to_state_id): r
            for r in rules
            if r.from_state_id in enabled_ids and r.to_state_id in enabled_ids
        }
        self.implicit = not rules
        self.items, self.project_wide, self._loaded = list(items), project_wide, False
        self.rounds = {item.pk: item.round for item in self.items}
        self._gates: dict[str, Gate] = {
            name: factory() for name, factory in registered_gates().items()
        }
        self._members: list[tuple[int, str]] = []
        self._requirements: dict[tuple[int, int], Requirements] = {}

    @property
    def scope(self) -> dict:
        """The filter that selects the evidence of this policy's items, for a gate's query."""
        if self.project_wide:
            return {"item__project_id": self.access.project.pk}
        return {"item_id__in": list(self.rounds)}

    # The gates' evidence, loaded on first use: a constant number of queries per gate.

    def gate(self, name: str) -> Gate:
        """A registered gate with its evidence loaded (the approvals and QA panels read it)."""
        self._load()
        return self._gates[name]

    def loaded_gate(self, name: str) -> Gate | None:
        """A registered gate if this policy has loaded its evidence already, else None: a page
        can reuse what the gate read without causing a query."""
        return self._gates.get(name) if self._loaded else None

    @property
    def members(self) -> list[tuple[int, str]]:
        """The project's members as (user id, role), for "n of m approvals"."""
        self._load()
        return self._members

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        gated = not self.implicit and any(r.has_gates for r in self.rules.values())
        for gate in self._gates.values():
            if gated or _every_move(gate):
                gate.load(self)
        if not gated:
            return
        # order_by(): counting needs no order, and the default one joins the user table.
        members = ReleaseMember.objects.filter(project=self.access.project).order_by()
        self._members = list(members.values_list("user_id", "role"))

    # --- questions ----------------------------------------------------------------------

    def neighbours(self, state_id: int) -> tuple[ReleaseStatus | None, ReleaseStatus | None]:
        ids = [s.id for s in self.enabled]
        if state_id not in ids:
            return None, None
        i = ids.index(state_id)
        return (
            self.enabled[i - 1] if i > 0 else None,
            self.enabled[i + 1] if i + 1 < len(self.enabled) else None,
        )

    def rule_for(self, item: ReleaseItem, target: ReleaseStatus) -> TransitionRule | None:
        return self.rules.get((item.status_id, target.id))

    def _role_may(self, rule: TransitionRule) -> bool:
        # Release managers may use every rule.
        return self.access.has_role(Role.RELEASE_MANAGER, *rule.roles)

    def requirements(self, item: ReleaseItem, rule: TransitionRule) -> Requirements:
        """What moving `item` along `rule` asks for now: the rule's gates, and for an item
        edited after sign-off moving forward, also those of every gated rule it had passed."""
        reopened = item.needs_reapproval and rule.direction == Direction.FORWARD
        key = (rule.from_state_id, rule.to_state_id, reopened)
        need = self._requirements.get(key)
        if need is None:
            need = Requirements.of(rule)
            if reopened:
                passed = gates_passed(
                    rules=self.rules.values(), states=self.states, state_id=rule.from_state_id
                )
                need = need.merged(*(Requirements.of(r) for r in passed))
            self._requirements[key] = need
        return need

    def blockers(self, item: ReleaseItem, rule: TransitionRule) -> list[str]:
        """The open gates of `rule` for `item`, in words (empty: nothing blocks)."""
        need = self.requirements(item, rule)
        reasons = self.gate_blockers(item, need, every_move=False)
        if reasons and item.needs_reapproval and rule.direction == Direction.FORWARD:
            reasons.insert(0, _(REOPENED))
        return reasons + self.gate_blockers(item, need, every_move=True)

    def gate_blockers(
        self, item: ReleaseItem, need: Requirements, *, every_move: bool
    ) -> list[str]:
        """What the rule's gates (or the gates guarding every move, e.g. freezes) still miss
        for `need`, in words: also what the release's readiness (releases.checks) reports."""
        gates = [g for g in self._gates.values() if _every_move(g) == every_move]
        if not gates or not (every_move or need.has_gates):
            return []
        self._load()
        return [r for gate in gates for r in gate.blockers(item, need, self)]

    def satisfied_by(self, item: ReleaseItem, rule: TransitionRule) -> list[str]:
        """Who gave the evidence `rule`'s gates count for `item` (the card's "Approved by")."""
        need = self.requirements(item, rule)
        if not need.has_gates:
            return []
        self._load()
        return [n for gate in self._gates.values() for n in gate.satisfied_by(item, need)]

    def notes(self, item: ReleaseItem) -> list[str]:
        """The gates' standing notes on `item` (e.g. retrospective approval pending)."""
        self._load()
        return [n for gate in self._gates.values() for n in gate.notes(item)]

    def decide(
        self,
        item: ReleaseItem,
        target: ReleaseStatus,
        *,
        chosen: bool = False,
        emergency: bool = False,
    ) -> Decision:
        """May the user move `item` to `target`? `chosen`: picked from a list, not an arrow."""
        code = self.access.project.code
        if self.access.read_only_reason:  # released, closed or cancelled: no move at all
            return Decision(allowed=False, reason=self.access.read_only_reason)
        if self.implicit:
            previous, following = self.neighbours(item.status_id)
            if (not chosen and target in (previous, following) and self.access.can(MOVE)) or (
                self.access.can(MOVE_ANY)
            ):
                # No rules, but the gates guarding every move (freezes) still hold.
                need = Requirements(from_state_id=item.status_id, to_state_id=target.id)
                reasons = tuple(self.gate_blockers(item, need, every_move=True))
                return self._gated(item, target, need, reasons, emergency=emergency)
            if not self.access.can(MOVE):
                return Decision(allowed=False, reason=_(NO_RIGHT_TO_MOVE).format(code=code))
            return Decision(allowed=False, reason=_(NO_RIGHT_TO_SET_STATE))
        if not self.access.can(MOVE):
            return Decision(allowed=False, reason=_(NO_RIGHT_TO_MOVE).format(code=code))
        source = self.states[item.status_id]
        rule = self.rule_for(item, target)
        if rule is None:
            return Decision(
                allowed=False,
                reason=_(NO_SUCH_TRANSITION).format(source=source.name, target=target.name),
            )
        if not self._role_may(rule) and not emergency:
            return Decision(
                allowed=False,
                rule=rule,
                reason=_(ROLE_MAY_NOT).format(source=source.name, target=target.name),
            )
        need = self.requirements(item, rule)
        return self._gated(
            item, target, need, tuple(self.blockers(item, rule)), rule=rule, emergency=emergency
        )

    def _gated(
        self,
        item: ReleaseItem,
        target: ReleaseStatus,
        need: Requirements,
        reasons: tuple[str, ...],
        *,
        rule: TransitionRule | None = None,
        emergency: bool,
    ) -> Decision:
        """Allowed unless `reasons` (the open gates) block; an emergency move passes them."""
        if reasons and not emergency:
            return Decision(
                allowed=False,
                blocked=True,
                rule=rule,
                blockers=reasons,
                need=need,
                reason=_(BLOCKED).format(
                    key=item.key, target=target.name, reasons="; ".join(reasons)
                ),
            )
        return Decision(allowed=True, rule=rule, blockers=reasons, need=need)
