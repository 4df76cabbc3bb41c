"""Transition rules as data: the defaults, and the checks a rule set must pass.

A rule set is healthy when no rule touches a disabled state, every enabled state can be
reached from the first one, and every enabled state but the last has a way out.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from items.defaults import DEFAULT_RULES
from items.models import Direction, ReleaseStatus, TransitionRule

USES_DISABLED = gettext_noop("The rule “{source}” → “{target}” uses a disabled state.")
UNREACHABLE = gettext_noop("“{state}” can never be reached from “{first}”.")
DEAD_END = gettext_noop("“{state}” has no way out (only the last state may be a dead end).")
NO_FORWARD_ARROW = gettext_noop(
    "“{state}” has no rule to the next state, “{following}”: its cards would lose their "
    "forward arrow on the board."
)
NEW_PROBLEMS = gettext_noop("This change would break the rule set: {problems}")
STATE_EDIT_PROBLEMS = gettext_noop(
    "This change to the release states would break the transition rules: {problems} "
    "Add or change the rules first (Transition rules), or change the states differently."
)
RULES_ADDED = gettext_noop(
    "Added the transition rules {rules}, copied from {templates}, to keep “{state}” in the flow."
)
TEMPLATE_KEPT = gettext_noop("{rule} is kept: delete it if items must not skip “{state}”.")


@dataclass(frozen=True, slots=True)
class Move:
    from_state_id: int
    to_state_id: int


def _problems(
    *, moves: Iterable[Move], states: list[ReleaseStatus], arrows: bool
) -> list[tuple[tuple, str]]:
    """(key, message) pairs: the key names the problem by state ids, so a rename does not make
    an old problem look new."""
    names = {s.id: s.name for s in states}
    enabled = [s for s in states if s.enabled]
    enabled_ids = {s.id for s in enabled}
    problems: list[tuple[tuple, str]] = []
    graph: dict[int, set[int]] = {s.id: set() for s in enabled}
    for move in moves:
        if move.from_state_id not in enabled_ids or move.to_state_id not in enabled_ids:
            source = names.get(move.from_state_id, move.from_state_id)
            target = names.get(move.to_state_id, move.to_state_id)
            problems.append(
                (
                    ("disabled", move.from_state_id, move.to_state_id),
                    _(USES_DISABLED).format(source=source, target=target),
                )
            )
            continue
        graph[move.from_state_id].add(move.to_state_id)
    if not enabled:
        return problems
    first, last = enabled[0], enabled[-1]
    reached, frontier = {first.id}, [first.id]
    while frontier:
        for target in graph[frontier.pop()] - reached:
            reached.add(target)
            frontier.append(target)
    problems += [
        (("unreachable", s.id), _(UNREACHABLE).format(state=s.name, first=first.name))
        for s in enabled
        if s.id not in reached
    ]
    problems += [
        (("dead end", s.id), _(DEAD_END).format(state=s.name))
        for s in enabled
        if s.id != last.id and not graph[s.id]
    ]
    if arrows:
        problems += [
            (("arrow", s.id, t.id), _(NO_FORWARD_ARROW).format(state=s.name, following=t.name))
            for s, t in pairwise(enabled)
            if t.id not in graph[s.id]
        ]
    return problems


def rule_set_problems(
    *, moves: Iterable[Move], states: list[ReleaseStatus], arrows: bool = False
) -> list[str]:
    """What is wrong with a set of moves over `states` (ordered by position), in words.
    `arrows`: also every enabled state but the last without a rule to the next one (the
    board's forward arrow)."""
    return [message for _key, message in _problems(moves=moves, states=states, arrows=arrows)]


def _new_problems(
    *,
    before: tuple[list[Move], list[ReleaseStatus]],
    after: tuple[list[Move], list[ReleaseStatus]],
) -> list[tuple[tuple, str]]:
    old = {key for key, _ in _problems(moves=before[0], states=before[1], arrows=True)}
    return [
        (key, message)
        for key, message in _problems(moves=after[0], states=after[1], arrows=True)
        if key not in old
    ]


def _current_moves() -> list[Move]:
    return [
        Move(r.from_state_id, r.to_state_id)
        for r in TransitionRule.objects.only("from_state_id", "to_state_id")
    ]


def rule_change_problems(
    *,
    states: list[ReleaseStatus],
    remove: TransitionRule | None = None,
    add: Move | None = None,
) -> list[str]:
    """The problems a change (replace `remove` by `add`) would introduce; old ones don't count.

    Adding rules one by one never fails for an incomplete set: only a change that makes the
    set worse is refused.
    """
    current = _current_moves()
    after = [
        m for m in current if remove is None or m != Move(remove.from_state_id, remove.to_state_id)
    ]
    if add is not None:
        after.append(add)
    return [m for _key, m in _new_problems(before=(current, states), after=(after, states))]


@dataclass(slots=True)
class StatePlan:
    """What a change to the release states does to the rule set: the rules to add with it
    (unsaved), what to tell the administrator, and the problems that would remain."""

    rules: list[TransitionRule]
    messages: list[str]
    problems: list[str]
    applied: bool = False


def _copy(template: TransitionRule, source: ReleaseStatus, target: ReleaseStatus, *, gates: bool):
    rule = TransitionRule(
        from_state=source,
        to_state=target,
        roles=list(template.roles),
        comment_required=template.comment_required,
        segregation_of_duties=template.segregation_of_duties,
        rejection_blocks=template.rejection_blocks,
    )
    if gates:
        rule.approvals_required = template.approvals_required
        rule.approver_roles = list(template.approver_roles)
        rule.requires_passing_tests = template.requires_passing_tests
        rule.requires_qa_signoff = template.requires_qa_signoff
        rule.requires_acceptance = template.requires_acceptance
    rule.direction = rule_direction(from_state=source, to_state=target)
    return rule


def state_change_plan(*, after: list[ReleaseStatus]) -> StatePlan:
    """Check a change to the release states (added, enabled, disabled, moved) as rule changes
    are checked: `after` is every state as it would be. With no rules at all there is nothing
    to break (the simple policy steps between neighbours).

    A state that becomes enabled between two states joined by rules gets their rules: for
    P → F, P → new (its roles, no gates) and new → F (a full copy: the gates still guard the
    way into F); for the rework rule F → P, F → new and new → P. P → F itself is kept.
    A new last state after P is reached like P is (roles only) and sends work back to P; a new
    first state before F leaves for F like F leaves for its successor (roles only).
    """
    rules = list(TransitionRule.objects.select_related("from_state", "to_state"))
    if not rules:
        return StatePlan(rules=[], messages=[], problems=[])
    before = list(ReleaseStatus.objects.order_by("position", "id"))
    after = sorted(after, key=lambda s: (s.position, s.id))
    was_enabled = {s.id for s in before if s.enabled}
    by_move = {(r.from_state_id, r.to_state_id): r for r in rules}
    current = [Move(*key) for key in by_move]
    moves = list(current)
    plan = StatePlan(rules=[], messages=[], problems=[])
    enabled = [s for s in after if s.enabled]
    for index, state in enumerate(enabled):
        if state.id in was_enabled or len(enabled) < 3:
            continue
        previous = enabled[index - 1] if index > 0 else None
        following = enabled[index + 1] if index + 1 < len(enabled) else None
        if previous and following:  # between P and F: P -> F's rules, split at the new state
            forward, back = (previous, following), (following, previous)
            copies_forward = ((previous, state, False), (state, following, True))
            copies_back = ((following, state, True), (state, previous, True))
        elif previous:  # the new last state: its predecessor's way in and rework rule
            before_previous = enabled[index - 2]
            forward, back = (before_previous, previous), (previous, before_previous)
            copies_forward, copies_back = ((previous, state, False),), ((state, previous, True),)
        else:  # the new first state: its successor's way on and rework rule
            after_following = enabled[index + 2]
            forward, back = (following, after_following), (after_following, following)
            copies_forward, copies_back = ((state, following, False),), ((following, state, True),)
        added, templates = [], []
        for template, copies in (
            (by_move.get((forward[0].id, forward[1].id)), copies_forward),
            (by_move.get((back[0].id, back[1].id)), copies_back),
        ):
            if template is None:
                continue
            templates.append(f"“{template.from_state.name}” → “{template.to_state.name}”")
            for source, target, gates in copies:
                if (source.id, target.id) in by_move:
                    continue
                rule = _copy(template, source, target, gates=gates)
                by_move[source.id, target.id] = rule
                moves.append(Move(source.id, target.id))
                plan.rules.append(rule)
                added.append(f"“{source.name}” → “{target.name}”")
        if added:
            plan.messages.append(
                _(RULES_ADDED).format(
                    rules=", ".join(added), templates=_both(templates), state=state.name
                )
            )
            if previous and following and (previous.id, following.id) in by_move:
                plan.messages.append(
                    _(TEMPLATE_KEPT).format(
                        rule=f"“{previous.name}” → “{following.name}”", state=state.name
                    )
                )
    for key, message in _new_problems(before=(current, before), after=(moves, after)):
        # A rule touching a state being disabled goes inactive: said, not refused; what
        # its loss does to the flow (unreachable, dead end, no arrow) is refused.
        (plan.messages if key[0] == "disabled" else plan.problems).append(message)
    return plan


def _both(names: list[str]) -> str:
    """One or two rule names as a phrase: "“A” → “B” and “B” → “A”"."""
    if len(names) == 2:
        return _("{first} and {second}").format(first=names[0], second=names[1])
    return ", ".join(names)


def rule_direction(*, from_state: ReleaseStatus, to_state: ReleaseStatus) -> str:
    forward = (to_state.position, to_state.id) > (from_state.position, from_state.id)
    return Direction.FORWARD if forward else Direction.BACK


@transaction.atomic
def rule_seed_defaults(*, reset: bool = False, actor: AbstractBaseUser | None = None) -> int:
    """Create the default rules between the default states that exist; keep edited ones
    unless `reset`. Returns how many rules were created or reset."""
    states = {s.id: s for s in ReleaseStatus.objects.select_for_update()}
    existing = {(r.from_state_id, r.to_state_id): r for r in TransitionRule.objects.all()}
    changed = 0
    for spec in DEFAULT_RULES:
        source, target = states.get(spec["from"]), states.get(spec["to"])
        if source is None or target is None:
            continue  # an administrator removed a default state: leave its rules out
        wanted = {
            "roles": spec["roles"],
            "comment_required": spec.get("comment_required", False),
            "approvals_required": spec.get("approvals_required", 0),
            "approver_roles": spec.get("approver_roles", []),
            "rejection_blocks": True,
            "requires_passing_tests": spec.get("requires_passing_tests", False),
            "requires_qa_signoff": spec.get("requires_qa_signoff", False),
            "requires_acceptance": spec.get("requires_acceptance", False),
            "segregation_of_duties": True,
        }
        rule = existing.get((source.id, target.id))
        if rule is None:
            rule = TransitionRule(from_state=source, to_state=target, **wanted)
        elif reset and any(getattr(rule, k) != v for k, v in wanted.items()):
            for key, value in wanted.items():
                setattr(rule, key, value)
        else:
            continue
        rule.direction = rule_direction(from_state=source, to_state=target)
        rule._history_user = actor
        rule._change_reason = "Default transition rules seeded"
        rule.save()
        changed += 1
    return changed
