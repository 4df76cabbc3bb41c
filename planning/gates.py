"""The freeze gate of the move policy (registered in PlanningConfig.ready()): inside a freeze
window nothing moves into a production state, whoever asks and whatever the rule says; only
an audited emergency move passes (items.policy, items.engine)."""

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from items.gates import Requirements
from items.models import ReleaseItem
from planning.freezes import FreezeOccurrence, freeze_windows_for, freezes_open_at
from planning.models import FreezeWindow

if TYPE_CHECKING:
    from items.policy import MovePolicy

FREEZE = "freeze"

FROZEN = gettext_noop("Freeze “{name}” until {until}: no moves into production states")


class FreezeGate:
    # Guards every move into a production state, not only the moves of rules with gates.
    every_move = True

    def __init__(self) -> None:
        self.windows: list[FreezeWindow] = []
        self.now: dt.datetime | None = None
        self._open: list[FreezeOccurrence] | None = None

    def load(self, policy: "MovePolicy") -> None:
        """One query: the enabled windows of the policy's release and the installation's."""
        self.windows = list(freeze_windows_for(projects=[policy.access.project]))
        self.now = timezone.now()

    def in_force(self) -> list[FreezeOccurrence]:
        """The freezes in force as the policy decides (one clock reading per policy)."""
        if self._open is None:
            self._open = freezes_open_at(self.windows, at=self.now or timezone.now())
        return self._open

    def blockers(self, item: ReleaseItem, need: Requirements, policy: "MovePolicy") -> list[str]:
        target = policy.states.get(need.to_state_id)
        if target is None or not target.production:
            return []
        frozen = gettext(FROZEN)
        return [frozen.format(name=o.name, until=o.local(o.end)) for o in self.in_force()]

    def satisfied_by(self, item: ReleaseItem, need: Requirements) -> list[str]:
        return []

    def notes(self, item: ReleaseItem) -> list[str]:
        return []


def freeze_gate_windows(policy: "MovePolicy | None") -> list[FreezeWindow] | None:
    """The windows `policy`'s freeze gate has read, for the freeze banner to reuse (a page
    reads them once); None when it has not, and the banner reads them itself."""
    gate = policy.loaded_gate(FREEZE) if policy is not None else None
    return gate.windows if isinstance(gate, FreezeGate) else None
