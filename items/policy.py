"""May this user make this move on this item now? The one place that answers it.

The engine (before it writes), the board (which arrows to show), the item page and the bulk
move all ask `MovePolicy.decide`. A policy loads everything it needs for a set of items in a
constant number of queries, so the board costs the same for 10 or 1,000 cards.

With no transition rules at all, the installation keeps ]project-open['s simple policy:
members with the move right step one enabled state either way, release managers set any state.
Once rules exist, a move without a rule does not exist, and a rule's roles and gates apply.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from items.models import ReleaseItem, ReleaseStatus, TransitionRule
from items.workflow import Workflow
from projects.access import Access
from projects.models import ReleaseMember
from projects.roles import MOVE, MOVE_ANY, Role

NO_RIGHT_TO_MOVE = "Your role in {code} does not allow moving items."
NO_RIGHT_TO_SET_STATE = "Only release managers may set an item to any state."
NO_SUCH_TRANSITION = "There is no transition from “{source}” to “{target}”."
ROLE_MAY_NOT = "Your role may not move items from “{source}” to “{target}”."
NEEDS_APPROVALS = "needs {required} of {eligible} approvals ({have} so far)"
REJECTED_BY = "rejected by {names}"
NEEDS_TESTS = "needs test cases"
TESTS_NOT_PASSING = "needs every test case passing ({failing} not passing)"
NEEDS_SIGNOFF = "needs QA sign-off"
NEEDS_ACCEPTANCE = "needs an acceptance decision"
ACCEPTANCE_REJECTED = "acceptance was rejected"
BLOCKED = "{key} cannot move to “{target}” yet: {reasons}."


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    # Shown to the user: why not. `blocked` means the rule exists and the user's role may use
    # it, but a gate (approvals, QA) is still open: the board shows a disabled arrow.
    reason: str = ""
    blocked: bool = False
    rule: TransitionRule | None = None
    blockers: tuple[str, ...] = ()


@dataclass(slots=True)
class ItemEvidence:
    """What the gates look at for one item, in its current round."""

    tests_total: int = 0
    tests_not_passing: int = 0
    signoffs: int = 0
    acceptance: str | None = None  # latest decision this round


class MovePolicy:
    def __init__(
        self,
        *,
        access: Access,
        workflow: Workflow,
        items: Iterable[ReleaseItem] = (),
        project_wide: bool = False,
    ) -> None:
        """Decide by `workflow`'s states and rules; load the gates' evidence for `items` when
        first needed (a move along a rule without gates needs none). `project_wide` selects
        the evidence by project rather than by a list of ids (the board: hundreds of cards)."""
        self.access = access
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
        self._items, self._project_wide, self._loaded = list(items), project_wide, False
        self._evidence: dict[int, ItemEvidence] = defaultdict(ItemEvidence)
        self._eligible: dict[str, int] = defaultdict(int)
        self._votes: dict[tuple[int, int, int, int], list] = defaultdict(list)
        self._emergencies: dict[int, list] = defaultdict(list)

    # The gates' evidence, loaded on first use: six queries whatever the number of items.

    @property
    def evidence(self) -> dict[int, ItemEvidence]:
        self._load()
        return self._evidence

    @property
    def eligible(self) -> dict[str, int]:
        """How many members hold each role, for "n of m approvals"."""
        self._load()
        return self._eligible

    @property
    def votes(self) -> dict[tuple[int, int, int, int], list]:
        """Live votes by (item, from state, to state, round)."""
        self._load()
        return self._votes

    @property
    def emergencies(self) -> dict[int, list]:
        """Emergency moves still owed retrospective approvals, by item."""
        self._load()
        return self._emergencies

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.implicit or not any(r.has_gates for r in self.rules.values()):
            return
        from approvals.models import Approval, EmergencyMove
        from qa.models import AcceptanceDecision, QASignoff, TestCase, TestRun

        access = self.access
        rounds = {item.pk: item.round for item in self._items}
        if self._project_wide:
            scope = {"item__project_id": access.project.pk}
        else:
            scope = {"item_id__in": list(rounds)}
        for vote in Approval.objects.filter(withdrawn=False, **scope).select_related("approver"):
            self._votes[vote.item_id, vote.from_state_id, vote.to_state_id, vote.round].append(vote)
        # moved_by: the item page names who forced each move still owed approvals.
        for emergency in EmergencyMove.objects.filter(**scope).select_related("moved_by"):
            owed = self._votes[
                emergency.item_id, emergency.from_state_id, emergency.to_state_id, emergency.round
            ]
            if sum(v.vote == "approve" for v in owed) < emergency.approvals_required:
                self._emergencies[emergency.item_id].append(emergency)
        latest = TestRun.objects.filter(test_case=OuterRef("pk")).order_by("-created_at", "-pk")
        cases = TestCase.objects.filter(**scope).annotate(
            latest=Subquery(latest.values("result")[:1])
        )
        for case in cases.values("item_id", "latest"):
            evidence = self._evidence[case["item_id"]]
            evidence.tests_total += 1
            evidence.tests_not_passing += case["latest"] != "passed"
        for item_id, item_round in QASignoff.objects.filter(**scope).values_list(
            "item_id", "round"
        ):
            if rounds.get(item_id) == item_round:
                self._evidence[item_id].signoffs += 1
        decisions = AcceptanceDecision.objects.filter(**scope).order_by("created_at", "pk")
        for item_id, item_round, decision in decisions.values_list("item_id", "round", "decision"):
            if rounds.get(item_id) == item_round:
                self._evidence[item_id].acceptance = decision  # the latest wins
        # order_by(): counting needs no order, and the default one joins the user table.
        members = ReleaseMember.objects.filter(project=access.project).order_by()
        roles = members.values_list("role", flat=True)
        for role in roles:
            self._eligible[role] += 1

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

    def votes_for(self, item: ReleaseItem, rule: TransitionRule) -> list:
        """Live votes on `rule`'s move of `item` in the item's current round."""
        return self.votes.get((item.pk, rule.from_state_id, rule.to_state_id, item.round), [])

    def rule_for(self, item: ReleaseItem, target: ReleaseStatus) -> TransitionRule | None:
        return self.rules.get((item.status_id, target.id))

    def _role_may(self, rule: TransitionRule) -> bool:
        # Release managers may use every rule.
        return self.access.has_role(Role.RELEASE_MANAGER, *rule.roles)

    def blockers(self, item: ReleaseItem, rule: TransitionRule) -> list[str]:
        """The open gates of `rule` for `item`, in words (empty: nothing blocks)."""
        if not rule.has_gates:
            return []
        evidence = self.evidence.get(item.pk) or ItemEvidence()
        reasons = []
        if rule.approvals_required:
            votes = self.votes_for(item, rule)
            approvals = sum(v.vote == "approve" for v in votes)
            rejections = [str(v.approver) for v in votes if v.vote == "reject"]
            if rule.rejection_blocks and rejections:
                reasons.append(REJECTED_BY.format(names=", ".join(rejections)))
            if approvals < rule.approvals_required:
                eligible = sum(self.eligible[role] for role in rule.approver_roles)
                reasons.append(
                    NEEDS_APPROVALS.format(
                        required=rule.approvals_required,
                        eligible=max(eligible, rule.approvals_required),
                        have=approvals,
                    )
                )
        if rule.requires_passing_tests:
            if not evidence.tests_total:
                reasons.append(NEEDS_TESTS)
            elif evidence.tests_not_passing:
                reasons.append(TESTS_NOT_PASSING.format(failing=evidence.tests_not_passing))
        if rule.requires_qa_signoff and not evidence.signoffs:
            reasons.append(NEEDS_SIGNOFF)
        if rule.requires_acceptance:
            if evidence.acceptance is None:
                reasons.append(NEEDS_ACCEPTANCE)
            elif evidence.acceptance != "accepted":
                reasons.append(ACCEPTANCE_REJECTED)
        return reasons

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
        if self.implicit:
            previous, following = self.neighbours(item.status_id)
            if not chosen and target in (previous, following) and self.access.can(MOVE):
                return Decision(allowed=True)
            if self.access.can(MOVE_ANY):
                return Decision(allowed=True)
            if not self.access.can(MOVE):
                return Decision(allowed=False, reason=NO_RIGHT_TO_MOVE.format(code=code))
            return Decision(allowed=False, reason=NO_RIGHT_TO_SET_STATE)
        if not self.access.can(MOVE):
            return Decision(allowed=False, reason=NO_RIGHT_TO_MOVE.format(code=code))
        source = self.states[item.status_id]
        rule = self.rule_for(item, target)
        if rule is None:
            return Decision(
                allowed=False,
                reason=NO_SUCH_TRANSITION.format(source=source.name, target=target.name),
            )
        if not self._role_may(rule) and not emergency:
            return Decision(
                allowed=False,
                rule=rule,
                reason=ROLE_MAY_NOT.format(source=source.name, target=target.name),
            )
        reasons = tuple(self.blockers(item, rule))
        if reasons and not emergency:
            return Decision(
                allowed=False,
                blocked=True,
                rule=rule,
                blockers=reasons,
                reason=BLOCKED.format(key=item.key, target=target.name, reasons="; ".join(reasons)),
            )
        return Decision(allowed=True, rule=rule, blockers=reasons)
