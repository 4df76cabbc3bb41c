"""What a release's stage change waits for, as plug-ins of `projects.services.project_update`.

Like the move gates of items (items.gates): the apps that hold the evidence register a check
from their AppConfig.ready() — approvals: management approval before a release leaves planning;
releases: every item ready before it is released. projects iterates the registered checks and
never imports those apps, so the dependency points one way: approvals and releases -> projects.
"""

from collections.abc import Callable
from dataclasses import dataclass

from projects.models import ReleaseProject

# check(project, to_stage) -> what blocks `project` (locked by the caller, still in its old
# stage) from moving to `to_stage`, in words; empty: nothing. A constant number of queries.
StageCheck = Callable[[ReleaseProject, str], list[str]]


@dataclass(frozen=True, slots=True)
class StageGate:
    name: str
    check: StageCheck
    status_code: int  # the HTTP answer when it refuses (403: approval missing; 400: a shortfall)


_registry: dict[str, StageGate] = {}


def register_stage_gate(name: str, check: StageCheck, *, status_code: int = 400) -> None:
    """Plug a check into every stage change from now on; called from an AppConfig.ready()."""
    _registry[name] = StageGate(name=name, check=check, status_code=status_code)


def registered_stage_gates() -> list[StageGate]:
    return list(_registry.values())


def stage_blockers(*, project: ReleaseProject, to_stage: str) -> tuple[list[str], int]:
    """What every registered gate says blocks `project` moving to `to_stage`, and the HTTP
    status of the refusal (the strictest of the gates that refuse); ([], 200) when nothing."""
    reasons: list[str] = []
    status = 200
    for gate in _registry.values():
        found = gate.check(project, to_stage)
        if found:
            reasons += found
            status = max(status, gate.status_code)
    return reasons, status
