"""The dependency gate of the move policy and the release check (registered in
ConfigurationConfig.ready()): nothing moves into a production state, and no release ships,
before everything it depends on has reached a production state."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext_noop

from approvals.gates import refusal
from configuration.selectors import Need, needs_of, needs_unmet
from items.gates import Requirements
from items.models import ReleaseItem
from releases.checks import WAITING_FOR_DEPENDENCY, ReadinessContext, Shortfall

if TYPE_CHECKING:
    from items.policy import MovePolicy

DEPENDENCIES = "dependencies"

WAITS_FOR = gettext_noop("waits for {key}")
# Governance still blocks on an item the user cannot see, but never names it.
WAITS_FOR_HIDDEN = gettext_noop("waits for a dependency in another release you cannot see")


def waits_for(need: Need) -> str:
    return refusal(WAITS_FOR, key=need.key) if need.key else refusal(WAITS_FOR_HIDDEN)


class DependencyGate:
    # Guards every move into a production state, with or without rules (like freezes).
    every_move = True

    def __init__(self) -> None:
        self.policy: MovePolicy | None = None
        self._needs: dict[int, list[Need]] | None = None

    def load(self, policy: "MovePolicy") -> None:
        """Nothing yet: the one query runs when a move into a production state is first
        weighed, so pages that weigh none (most columns of the board) pay nothing."""
        self.policy = policy

    def needs(self, item: ReleaseItem, policy: "MovePolicy") -> list[Need]:
        if self._needs is None:
            # Pages read without locking; the engine's re-check locks what it reads, or a
            # dependency leaving production as this item enters would go unseen.
            self._needs = needs_of(
                scope=policy.scope, user=policy.access.user, lock=policy.for_update
            )
        return self._needs.get(item.pk, [])

    def blockers(self, item: ReleaseItem, need: Requirements, policy: "MovePolicy") -> list[str]:
        target = policy.states.get(need.to_state_id)
        if target is None or not target.production:
            return []
        return [waits_for(n) for n in needs_unmet(self.needs(item, policy), policy.states)]

    def satisfied_by(self, item: ReleaseItem, need: Requirements) -> list[str]:
        return []

    def notes(self, item: ReleaseItem) -> list[str]:
        return []


class DependencyReadinessCheck:
    """The release gate's "waiting for a dependency": an item of the release whose
    dependencies have not all reached a production state."""

    def __init__(self) -> None:
        self._needs: dict[int, list[Need]] = {}

    def load(self, context: ReadinessContext) -> None:
        """One query: the dependencies of all the release's items."""
        self._needs = needs_of(
            scope={"item__project_id": context.project.pk}, user=context.policy.access.user
        )

    def shortfalls(self, item: ReleaseItem, context: ReadinessContext) -> list[Shortfall]:
        states = context.states or context.policy.states
        unmet = needs_unmet(self._needs.get(item.pk, []), states)
        return [Shortfall(WAITING_FOR_DEPENDENCY, waits_for(n)) for n in unmet]
