"""The release states and transition rules, kept in memory per process until they change.

Every move, board and item page needs both, and they change a few times a year (in the
admin). A trigger on both tables stamps a new token on the one WorkflowRevision row with
every change, inside the changing transaction (migration 0004): a request reads the token,
one tiny query, and reloads states and rules only when it differs from its copy's. Tokens are
random: a copy loaded inside a transaction that then rolls back carries a token that is never
committed, so it is never taken for current again.

The cached model instances are shared by the requests of a process: read them, never change
them (writes load their own rows, locked).
"""

from dataclasses import dataclass

from django.db import connection

from items.models import ReleaseStatus, TransitionRule

_CURRENT_REVISION = 'SELECT token FROM "items_workflowrevision"'


@dataclass(frozen=True, slots=True)
class Workflow:
    token: str | None
    states: tuple[ReleaseStatus, ...]  # in board order, disabled ones included
    rules: tuple[TransitionRule, ...]


_cached: Workflow | None = None


def workflow_current() -> Workflow:
    """The states and rules as committed, or as this transaction has changed them."""
    global _cached
    with connection.cursor() as cursor:
        cursor.execute(_CURRENT_REVISION)
        row = cursor.fetchone()
    token = row[0] if row else None  # no row: a test emptied the table; load every time
    cached = _cached
    if cached is not None and token is not None and cached.token == token:
        return cached
    # Loaded after the token was read: a change committed in between makes this copy newer
    # than its token says, and the next request reloads it; never older.
    workflow = Workflow(
        token=token,
        states=tuple(ReleaseStatus.objects.order_by("position", "id")),
        rules=tuple(TransitionRule.objects.all()),  # the model's order: approvals, QA lists
    )
    if token is not None:
        _cached = workflow
    return workflow
