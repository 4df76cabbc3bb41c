"""Transition rules as data: the defaults, and the checks a rule set must pass.

A rule set is healthy when no rule touches a disabled state, every enabled state can be
reached from the first one, and every enabled state but the last has a way out.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from items.defaults import DEFAULT_RULES
from items.models import Direction, ReleaseStatus, TransitionRule

USES_DISABLED = "The rule “{source}” → “{target}” uses a disabled state."
UNREACHABLE = "“{state}” can never be reached from “{first}”."
DEAD_END = "“{state}” has no way out (only the last state may be a dead end)."
NEW_PROBLEMS = "This change would break the rule set: {problems}"


@dataclass(frozen=True, slots=True)
class Move:
    from_state_id: int
    to_state_id: int


def rule_set_problems(*, moves: Iterable[Move], states: list[ReleaseStatus]) -> list[str]:
    """What is wrong with a set of moves over `states` (ordered by position), in words."""
    names = {s.id: s.name for s in states}
    enabled = [s for s in states if s.enabled]
    enabled_ids = {s.id for s in enabled}
    problems = []
    graph: dict[int, set[int]] = {s.id: set() for s in enabled}
    for move in moves:
        if move.from_state_id not in enabled_ids or move.to_state_id not in enabled_ids:
            problems.append(
                USES_DISABLED.format(
                    source=names.get(move.from_state_id, move.from_state_id),
                    target=names.get(move.to_state_id, move.to_state_id),
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
        UNREACHABLE.format(state=s.name, first=first.name) for s in enabled if s.id not in reached
    ]
    problems += [
        DEAD_END.format(state=s.name) for s in enabled if s.id != last.id and not graph[s.id]
    ]
    return problems


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
    current = [
        Move(r.from_state_id, r.to_state_id)
        for r in TransitionRule.objects.only("from_state_id", "to_state_id")
    ]
    after = [
        m for m in current if remove is None or m != Move(remove.from_state_id, remove.to_state_id)
    ]
    if add is not None:
        after.append(add)
    before = set(rule_set_problems(moves=current, states=states))
    return [p for p in rule_set_problems(moves=after, states=states) if p not in before]


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
