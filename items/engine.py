"""The status engine: the only code that changes a release item's state or its order.

Every change locks the row, re-checks the rule against the fresh row, refuses stale requests,
and writes the change together with its journal row in one transaction.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from django.db import OperationalError, connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from items.gates import emergency_move_made
from items.models import ReleaseItem, ReleaseStatus
from items.policy import (
    NO_RIGHT_TO_MOVE,
    NO_RIGHT_TO_SET_STATE,
    MovePolicy,
    gates_passed,
)
from items.signals import item_moved
from items.workflow import workflow_current
from journal.models import ChangeKind
from projects.access import Access
from projects.models import ReleaseProject
from projects.roles import MOVE, MOVE_ANY

Direction = Literal["next", "prev"]
Shift = Literal["up", "down", "top", "bottom"]

COMMENT_REQUIRED = gettext_noop("Moving {key} from “{source}” to “{target}” needs a comment.")
EMERGENCY_ONLY_MANAGERS = gettext_noop("Only release managers may make an emergency move.")
EMERGENCY_NEEDS_JUSTIFICATION = gettext_noop("An emergency move needs a written justification.")
EMERGENCY_NOT_NEEDED = gettext_noop("Nothing blocks moving {key} to “{target}”; move it normally.")
ITEM_NOT_FOUND = gettext_noop("There is no such item in {code}.")
STALE = gettext_noop(
    "{key} was changed by someone else after this page was loaded, so nothing was changed. "
    "Check its current state and try again."
)
PAST_LAST = gettext_noop("{key} is already in the last state, “{state}”.")
PAST_FIRST = gettext_noop("{key} is already in the first state, “{state}”.")
UNKNOWN_STATE = gettext_noop("There is no release state with id {state_id}.")
DISABLED_STATE = gettext_noop("“{state}” is disabled; items cannot be moved into it.")
CURRENT_STATE_DISABLED = gettext_noop(
    "{key} is in the disabled state “{state}”; a release manager must set its state."
)
ALREADY_TOP = gettext_noop("{key} is already at the top of its column.")
ALREADY_BOTTOM = gettext_noop("{key} is already at the bottom of its column.")
BAD_DIRECTION = gettext_noop("Unknown direction “{direction}”.")
NOTHING_SELECTED = gettext_noop("Select at least one item.")
BULK_COLLIDED = gettext_noop(
    "Another bulk move locked some of the same items (or what they depend on) at the same "
    "moment; nothing was moved. Reload the list and try again."
)
# PostgreSQL's deadlock_detected: it rolled this transaction back to let the other one finish.
_DEADLOCK_SQLSTATE = "40P01"
NO_STATE_ENABLED = gettext_noop("No release state is enabled; an administrator must enable one.")
EDITED_AFTER_SIGNOFF = (
    "Edited after sign-off: the approvals and sign-offs it had passed no longer count; it needs "
    "re-approval and re-test before it moves on."
)
# What was approved and tested: an edit of these after sign-off reopens the gates passed.
# Priority and assignee change who works on it and when, not what it is (docs/GOVERNANCE.md).
SUBSTANTIVE_FIELDS = ("kind", "title", "description", "external_key", "external_url")

POSITION_STEP = 10


class EngineError(Exception):
    """A refused change: nothing was written. `status_code` is the HTTP answer."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MoveNotAllowed(EngineError):
    status_code = 403


class ItemNotFound(EngineError):
    status_code = 404


class StaleItem(EngineError):
    status_code = 409


def states_in_order() -> list[ReleaseStatus]:
    return list(workflow_current().states)


def first_enabled_state() -> ReleaseStatus:
    state = ReleaseStatus.objects.filter(enabled=True).order_by("position", "id").first()
    if state is None:
        raise EngineError(_(NO_STATE_ENABLED))
    return state


def neighbour_states(
    *, state_id: int, states: Sequence[ReleaseStatus]
) -> tuple[ReleaseStatus | None, ReleaseStatus | None]:
    """The previous and next *enabled* states around `state_id` (None at either end)."""
    enabled = [s for s in states if s.enabled]
    ids = [s.id for s in enabled]
    if state_id not in ids:
        return None, None
    index = ids.index(state_id)
    previous = enabled[index - 1] if index > 0 else None
    following = enabled[index + 1] if index + 1 < len(enabled) else None
    return previous, following


_PROJECT_STAGE_SHARED = 'SELECT lifecycle FROM "projects_releaseproject" WHERE id = %s'


def release_lock_writable(*, access: Access) -> None:
    """Refuse (403) to change the items of a released, closed or cancelled release.

    Its stage is read under a share lock, held to the end of the transaction: a release
    being released (which checks its items' readiness under its row lock) or reopened waits
    for this change, and this change waits for it, so neither decides on a stale stage.
    """
    sql = _PROJECT_STAGE_SHARED + (" FOR SHARE" if connection.vendor == "postgresql" else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, [access.project.pk])
        row = cursor.fetchone()
    project = ReleaseProject(code=access.project.code, lifecycle=row[0] if row else "")
    if project.read_only_reason:
        raise MoveNotAllowed(project.read_only_reason)


def item_lock(
    *,
    access: Access,
    item_id: int | None = None,
    number: int | None = None,
    expected_version: int | None = None,
) -> ReleaseItem:
    """Lock an item of this project, named by id or by number, for writing; refuse it if it
    changed since `expected_version` (votes and QA records check their round instead, and pass
    None)."""
    named = {"pk": item_id} if item_id is not None else {"number": number}
    release_lock_writable(access=access)
    try:
        # No join on status: PostgreSQL re-checks a join against the row a concurrent move just
        # changed and would drop it (a false 404 instead of 409). The project never changes,
        # and the caller has it: no join on it either.
        # The change (its content and author) joins safely: an item's change never changes.
        item = (
            ReleaseItem.objects.select_for_update(of=("self",))
            .select_related("change")
            .get(project=access.project, **named)
        )
    except ReleaseItem.DoesNotExist:
        raise ItemNotFound(_(ITEM_NOT_FOUND).format(code=access.project.code)) from None
    item.project = access.project
    if expected_version is not None and item.version != expected_version:
        raise StaleItem(_(STALE).format(key=item.key))
    return item


_COLUMN_BOTTOM = (
    '(SELECT COALESCE(MAX(position), 0) FROM "items_releaseitem"'
    " WHERE project_id = %s AND status_id = %s) + %s"
)
# One lock per column, held to the end of the transaction. Hash collisions only serialise two
# unrelated columns' placements; they never let two placements in one column overlap.
_LOCK_COLUMN = "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))"


def column_bottom_position(*, item: ReleaseItem, status: ReleaseStatus) -> RawSQL:
    """Below the last card of `status`'s column: computed inside the INSERT or UPDATE that
    places the item (Django reads the value back).

    Two transactions placing cards in one column at once would read the same bottom (each
    statement sees what was committed when it began), so the column is locked first: the
    second waits until the first commits, and its INSERT or UPDATE then sees the first card.
    A row lock cannot do it (the bottom card may change, the column may be empty), hence an
    advisory lock on (project, state). SQLite lets one writer at a time: nothing to lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_LOCK_COLUMN, [f"items.column:{item.project_id}:{status.pk}"])
    return RawSQL(_COLUMN_BOTTOM, (item.project_id, status.pk, POSITION_STEP))  # noqa: S611


def _target_state(
    *,
    access: Access,
    item: ReleaseItem,
    states: Sequence[ReleaseStatus],
    direction: str | None,
    to_status_id: int | None,
) -> ReleaseStatus:
    """Where the request points, refused (400) when that is no state an item can be in."""
    if to_status_id is not None:
        if not access.can(MOVE_ANY):
            raise MoveNotAllowed(_(NO_RIGHT_TO_SET_STATE))
        target = next((s for s in states if s.id == to_status_id), None)
        if target is None:
            raise EngineError(_(UNKNOWN_STATE).format(state_id=to_status_id))
        if not target.enabled:
            raise EngineError(_(DISABLED_STATE).format(state=target.name))
        return target
    if direction not in ("next", "prev"):
        raise EngineError(_(BAD_DIRECTION).format(direction=direction))
    current = next(s for s in states if s.id == item.status_id)
    if not current.enabled:
        raise EngineError(_(CURRENT_STATE_DISABLED).format(key=item.key, state=current.name))
    previous, following = neighbour_states(state_id=item.status_id, states=states)
    if direction == "next":
        if following is None:
            raise EngineError(_(PAST_LAST).format(key=item.key, state=current.name))
        return following
    if previous is None:
        raise EngineError(_(PAST_FIRST).format(key=item.key, state=current.name))
    return previous


@transaction.atomic
def item_move(
    *,
    access: Access,
    expected_version: int,
    item_id: int | None = None,
    number: int | None = None,
    direction: Direction | None = None,
    to_status_id: int | None = None,
    comment: str = "",
    emergency: bool = False,
    at: datetime | None = None,
) -> ReleaseItem:
    """Move one item to the next/previous enabled state, or (managers) to a chosen state.

    The transition rules decide (items.policy). An `emergency` move, by a release manager
    with a written justification (`comment`), passes a rule's open gates; it is flagged in the
    journal and the approvals it skipped are owed afterwards.
    `at` back-dates the journal row; only imports and the demo use it, never a view.
    """
    if access.read_only_reason:  # not even an emergency move: a closed release is no gate
        raise MoveNotAllowed(access.read_only_reason)
    if not access.can(MOVE):
        raise MoveNotAllowed(_(NO_RIGHT_TO_MOVE).format(code=access.project.code))
    if emergency and not access.can(MOVE_ANY):
        raise MoveNotAllowed(_(EMERGENCY_ONLY_MANAGERS))
    comment = comment.strip()
    if emergency and not comment:
        raise EngineError(_(EMERGENCY_NEEDS_JUSTIFICATION))
    item = item_lock(
        access=access, item_id=item_id, number=number, expected_version=expected_version
    )
    workflow = workflow_current()
    target = _target_state(
        access=access,
        item=item,
        states=workflow.states,
        direction=direction,
        to_status_id=to_status_id,
    )
    if target.id == item.status_id:
        return item  # a no-op writes nothing
    # Decided on the locked row: the gates' evidence cannot change under us (gates reading
    # other items' rows lock them: for_update).
    policy = MovePolicy(access=access, workflow=workflow, items=[item], for_update=True)
    decision = policy.decide(item, target, chosen=to_status_id is not None, emergency=emergency)
    if not decision.allowed:
        raise MoveNotAllowed(decision.reason)
    source = policy.states[item.status_id]
    if decision.rule and decision.rule.comment_required and not comment:
        raise EngineError(
            _(COMMENT_REQUIRED).format(key=item.key, source=source.name, target=target.name)
        )
    if emergency and not decision.blockers:
        raise EngineError(_(EMERGENCY_NOT_NEEDED).format(key=item.key, target=target.name))
    skipped = decision.blockers
    if emergency:  # stored with the emergency move: in English, as the journal is
        with translation.override("en"):
            english = policy.decide(item, target, chosen=to_status_id is not None, emergency=True)
        skipped = english.blockers
    old_round = item.round
    fields = ["status", "position", "version", "round", "state_entered_by", "updated_at"]
    if item.needs_reapproval and (target.position, target.id) > (source.position, source.id):
        item.needs_reapproval = False  # the reopened gates were passed again (or forced)
        fields.append("needs_reapproval")
    item.status = target
    item.position = column_bottom_position(item=item, status=target)
    item.version += 1
    item.round += 1
    item.state_entered_by = access.user
    item._history_user = access.user
    item._change_reason = comment
    item._journal_kind = ChangeKind.MOVED
    item._journal_from_status_id = source.id
    item._journal_emergency = emergency
    if at is not None:
        item._history_date = at
    item.save(update_fields=fields)
    if emergency:
        # The approvals app records what was skipped, in this transaction (items.gates).
        emergency_move_made.send(
            sender=ReleaseItem,
            access=access,
            item=item,
            need=decision.need,
            round=old_round,
            justification=comment,
            blockers=skipped,
        )
    # Observers (mails) act once this transaction commits: a refused or rolled-back move
    # sends nothing (items.signals).
    item_moved.send(
        sender=ReleaseItem,
        access=access,
        item=item,
        from_state_id=source.id,
        to_state_id=target.id,
        comment=comment,
        emergency=emergency,
    )
    return item


def item_content_edited(*, item: ReleaseItem, changed: Sequence[str]) -> list[str]:
    """Book an edit of `changed` fields on a locked item; returns the fields it set too.

    Every edit starts a new approval round. A substantive edit of an item that has come
    through a gated rule (approvals, tests, sign-off, acceptance) also reopens those gates:
    it may not move on until they are met again, and older test runs no longer count.
    """
    item.version += 1
    item.round += 1  # approvals and sign-offs were given for the content before this edit
    booked = ["version", "round"]
    if not set(changed) & set(SUBSTANTIVE_FIELDS):
        return booked
    workflow = workflow_current()
    states = {s.id: s for s in workflow.states}
    if gates_passed(rules=workflow.rules, states=states, state_id=item.status_id):
        item.needs_reapproval = True
        item.edited_after_signoff_at = timezone.now()
        item._change_reason = EDITED_AFTER_SIGNOFF
        booked += ["needs_reapproval", "edited_after_signoff_at"]
    return booked


def items_move_bulk(
    *,
    access: Access,
    versions: dict[int, int],
    to_status_id: int,
    comment: str = "",
) -> list[ReleaseItem]:
    """Set the state of several items at once: all move, or (on any refusal) none.

    Each bulk move locks its own items first; a gate may then lock what they depend on, which
    another bulk move can hold (its items needing ours). PostgreSQL breaks that cycle by rolling
    one back: that one is told to try again (409), never a server error."""
    try:
        return _items_move_bulk(
            access=access, versions=versions, to_status_id=to_status_id, comment=comment
        )
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == _DEADLOCK_SQLSTATE:
            raise StaleItem(_(BULK_COLLIDED)) from error
        raise


@transaction.atomic
def _items_move_bulk(
    *, access: Access, versions: dict[int, int], to_status_id: int, comment: str
) -> list[ReleaseItem]:
    if not versions:
        raise EngineError(_(NOTHING_SELECTED))
    # One lock order for everyone: every item row (by primary key) before the target column
    # (column_bottom_position), as a single move does, so two bulk moves cannot deadlock.
    list(
        ReleaseItem.objects.select_for_update(of=("self",))
        .filter(project=access.project, pk__in=sorted(versions))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return [
        item_move(
            access=access,
            item_id=item_id,
            expected_version=versions[item_id],
            to_status_id=to_status_id,
            comment=comment,
        )
        for item_id in sorted(versions)
    ]


@transaction.atomic
def item_reorder(
    *, access: Access, item_id: int, expected_version: int, shift: Shift, comment: str = ""
) -> ReleaseItem:
    """Swap an item with its neighbour above or below in its column (both are journaled), or
    send it to the top or bottom of its column in one step (only it is journaled)."""
    if access.read_only_reason:
        raise MoveNotAllowed(access.read_only_reason)
    release_lock_writable(access=access)
    if not access.can(MOVE):
        raise MoveNotAllowed(_(NO_RIGHT_TO_MOVE).format(code=access.project.code))
    if shift not in ("up", "down", "top", "bottom"):
        raise EngineError(_(BAD_DIRECTION).format(direction=shift))
    status_id = (
        ReleaseItem.objects.filter(pk=item_id, project=access.project)
        .values_list("status_id", flat=True)
        .first()
    )
    if status_id is None:
        raise ItemNotFound(_(ITEM_NOT_FOUND).format(code=access.project.code))
    # Lock the whole column in primary-key order: concurrent reorders cannot deadlock.
    column = list(
        ReleaseItem.objects.select_for_update(of=("self",))
        .select_related("project")
        .filter(project=access.project, status_id=status_id)
        .order_by("pk")
    )
    item = next((i for i in column if i.pk == item_id), None)
    if item is None or item.version != expected_version:
        # It left the column (or changed) between the read and the lock.
        key = item.key if item else _("{code} item").format(code=access.project.code)
        raise StaleItem(_(STALE).format(key=key))
    column.sort(key=lambda i: (i.position, i.number))
    index = column.index(item)
    if shift in ("up", "top") and index == 0:
        raise EngineError(_(ALREADY_TOP).format(key=item.key))
    if shift in ("down", "bottom") and index == len(column) - 1:
        raise EngineError(_(ALREADY_BOTTOM).format(key=item.key))
    if shift in ("top", "bottom"):
        edge = column[0].position - POSITION_STEP if shift == "top" else None
        item.position = edge if edge is not None else column[-1].position + POSITION_STEP
        item.version += 1
        item._history_user = access.user
        item._change_reason = comment.strip()
        item._journal_kind = ChangeKind.REORDERED
        item.save(update_fields=["position", "version", "updated_at"])
        return item
    other = column[index - 1] if shift == "up" else column[index + 1]
    item.position, other.position = other.position, item.position
    if item.position == other.position:  # equal positions: break the tie explicitly
        item.position += -1 if shift == "up" else 1
    for row, reason in ((item, comment.strip()), (other, f"Reordered with {item.key}")):
        row.version += 1
        row._history_user = access.user
        row._change_reason = reason
        row._journal_kind = ChangeKind.REORDERED
        row.save(update_fields=["position", "version", "updated_at"])
    return item
