"""Writes on release items and release states, other than state moves (see items.engine)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from items.defaults import DEFAULT_STATES, PRODUCTION_STATES
from items.engine import (
    ITEM_NOT_FOUND,
    POSITION_STEP,
    STALE,
    EngineError,
    ItemNotFound,
    MoveNotAllowed,
    StaleItem,
    column_bottom_position,
    first_enabled_state,
    item_content_edited,
    item_lock,
    release_lock_writable,
)
from items.models import CONTENT_FIELDS, Change, ReleaseItem, ReleaseStatus
from items.selectors import change_for_ref
from projects.access import Access
from projects.models import ReleaseProject
from projects.roles import EDIT_ITEMS, MANAGE

# An item's fields as its form knows them: the change's content, then this release's own.
RELEASE_FIELDS = ("priority", "assignee")
ITEM_FIELDS = (*CONTENT_FIELDS, *RELEASE_FIELDS)

NO_SUCH_CHANGE = gettext_noop(
    "There is no change “{ref}” in a release you can see. Give its key in a release "
    "(e.g. PAY-12) or its change id (e.g. CH-7)."
)
ALREADY_INCLUDED = gettext_noop("{change} is already in {code} as {key}.")
CONTENT_SHIPPED = gettext_noop(
    "{change} is part of {code}, which is no longer open: its kind, title, description and "
    "external reference stay as they shipped. Add a new item for further work."
)


class AlreadyIncluded(EngineError):
    status_code = 409


class NoSuchChange(EngineError):
    status_code = 404


def _inclusion_create(
    *,
    access: Access,
    change: Change,
    at: datetime | None,
    fields: dict[str, Any] | None = None,
    reason: str = "",
) -> ReleaseItem:
    """Include `change` in the project: a new key, the first enabled state, the column bottom."""
    state = first_enabled_state()  # refused before a number is taken
    project_id = access.project.pk
    # The counter is not journaled (excluded from history), so a plain UPDATE is right here;
    # the row lock serialises concurrent creations.
    number, stage = (
        ReleaseProject.objects.select_for_update()
        .values_list("next_item_number", "lifecycle")
        .get(pk=project_id)
    )
    # Under the lock a release or reopening takes too: a release is never released mid-add.
    read_only = ReleaseProject(code=access.project.code, lifecycle=stage).read_only_reason
    if read_only:
        raise PermissionDenied(read_only)
    ReleaseProject.objects.filter(pk=project_id).update(next_item_number=F("next_item_number") + 1)
    item = ReleaseItem(project=access.project, number=number, change=change, created_by=access.user)
    for name in RELEASE_FIELDS:
        if fields and name in fields:
            setattr(item, name, fields[name])
    item.status = state
    item.position = column_bottom_position(item=item, status=state)
    item._history_user = access.user
    item._change_reason = reason
    item.created_at = at or timezone.now()
    if at is not None:
        item._history_date = at
    item.save()
    return item


@transaction.atomic
def item_create(
    *, access: Access, fields: dict[str, Any], at: datetime | None = None, reason: str = ""
) -> ReleaseItem:
    """Add a new change to the project, in the first enabled state, at the bottom of its column.

    `at` back-dates the journal rows; only imports and the demo use it, never a view.
    `reason` is the journal rows' reason (an import names itself there).
    """
    access.require(EDIT_ITEMS)
    first_enabled_state()  # refuse before anything is written
    change = Change(created_by=access.user, created_at=at or timezone.now())
    for name in CONTENT_FIELDS:
        if name in fields:
            setattr(change, name, fields[name])
    change._history_user = access.user
    change._change_reason = reason
    if at is not None:
        change._history_date = at
    change.save()
    return _inclusion_create(access=access, change=change, at=at, fields=fields, reason=reason)


@transaction.atomic
def item_include(*, access: Access, ref: str, at: datetime | None = None) -> ReleaseItem:
    """Include an existing change in this release too: a new inclusion with its own key,
    state, position and journal; the change's content is shared, not copied.

    `ref` names the change as the user knows it (PAY-12, CH-7) in a release they can see.
    Refused (409) when the change is already in this release, also when a double submit races
    past the check (the unique index, in a savepoint).
    """
    access.require(MANAGE)
    change = change_for_ref(user=access.user, ref=ref)
    if change is None:
        raise NoSuchChange(_(NO_SUCH_CHANGE).format(ref=ref.strip()[:40]))
    existing = (
        ReleaseItem.objects.filter(project=access.project, change=change)
        .values_list("number", flat=True)
        .first()
    )
    code = access.project.code
    if existing is not None:
        raise AlreadyIncluded(
            _(ALREADY_INCLUDED).format(change=change.key, code=code, key=f"{code}-{existing}")
        )
    try:
        with transaction.atomic():
            return _inclusion_create(
                access=access,
                change=change,
                at=at,
                reason=f"Existing change {change.key} added to {code}",
            )
    except IntegrityError:
        raise AlreadyIncluded(
            _(ALREADY_INCLUDED).format(change=change.key, code=code, key=_("another item"))
        ) from None


def change_content_booked(
    *,
    change: Change,
    changed: Sequence[str],
    user: Any,
    inclusions: list[ReleaseItem],
    origin: ReleaseItem | None = None,
) -> None:
    """Book an edit of the change's content on every (locked) inclusion: each starts a new
    approval round, and each that had passed a gate has its gates reopened (items.engine).

    An inclusion's own journal row is written when it says something (gates reopened);
    otherwise the change's journal row, which every inclusion's journal shows, says it all.
    """
    for inclusion in inclusions:
        if inclusion is origin:
            continue  # its caller saves it with its own fields
        booked = item_content_edited(item=inclusion, changed=changed)
        inclusion._history_user = user
        if "needs_reapproval" not in booked:
            inclusion.skip_history_when_saving = True
        inclusion.save(update_fields=[*booked, "updated_at"])


_STAGES_SHARED = (
    'SELECT code, lifecycle FROM "projects_releaseproject" WHERE id IN ({ids}) ORDER BY id'
)


def change_lock(*, change_id: int) -> tuple[Change, list[ReleaseItem]]:
    """Lock a change, then all its inclusions in primary-key order: two edits of one change,
    from any of its releases, queue on the change row and never deadlock."""
    change = Change.objects.select_for_update().get(pk=change_id)
    inclusions = list(
        ReleaseItem.objects.select_for_update(of=("self",))
        .filter(change_id=change_id)
        .order_by("pk")
    )
    return change, inclusions


def change_shipped_reason(*, change: Change, inclusions: list[ReleaseItem]) -> str:
    """Why the change's content may not change (empty: it may): a release that includes it is
    released, closed or cancelled, and what it shipped must stay as it shipped.

    The releases' stages are read under a share lock held to commit, as every item write does
    (items.engine.release_lock_writable): a release being released waits for this edit.
    """
    ids = sorted({i.project_id for i in inclusions})
    if not ids:
        return ""
    sql = _STAGES_SHARED.format(ids=", ".join(["%s"] * len(ids)))
    if connection.vendor == "postgresql":
        sql += " FOR SHARE"
    with connection.cursor() as cursor:
        cursor.execute(sql, ids)
        stages = cursor.fetchall()
    for code, stage in stages:
        if ReleaseProject(code=code, lifecycle=stage).read_only_reason:
            return _(CONTENT_SHIPPED).format(change=change.key, code=code)
    return ""


@transaction.atomic
def item_update(
    *,
    access: Access,
    item_id: int,
    expected_version: int,
    fields: dict[str, Any],
    reason: str = "",
) -> ReleaseItem:
    """Edit an item: its change's content (for every release that includes it) and its
    priority and assignee in this release. `reason` goes on the journal rows (imports)."""
    access.require(EDIT_ITEMS)
    release_lock_writable(access=access)
    change_id = (
        ReleaseItem.objects.filter(project=access.project, pk=item_id)
        .values_list("change_id", flat=True)
        .first()
    )
    if change_id is None:
        raise ItemNotFound(_(ITEM_NOT_FOUND).format(code=access.project.code))
    change, inclusions = change_lock(change_id=change_id)
    item = next((i for i in inclusions if i.pk == item_id), None)
    if item is None:  # removed between the read and the lock
        raise ItemNotFound(_(ITEM_NOT_FOUND).format(code=access.project.code))
    item.project = access.project
    if item.version != expected_version:
        raise StaleItem(_(STALE).format(key=item.key))
    item.change = change
    content = [
        name for name in CONTENT_FIELDS if name in fields and getattr(change, name) != fields[name]
    ]
    own = [
        name for name in RELEASE_FIELDS if name in fields and getattr(item, name) != fields[name]
    ]
    if not content and not own:
        return item
    if content:
        shipped = change_shipped_reason(change=change, inclusions=inclusions)
        if shipped:
            raise MoveNotAllowed(shipped)
        for name in content:
            setattr(change, name, fields[name])
        change._history_user = access.user
        shared = (
            f"Edited in {item.key}; shared by {len(inclusions)} releases"
            if len(inclusions) > 1
            else ""
        )
        change._change_reason = "; ".join(filter(None, [reason, shared]))
        change.save(update_fields=[*content, "updated_at"])
        change_content_booked(
            change=change, changed=content, user=access.user, inclusions=inclusions, origin=item
        )
    for name in own:
        setattr(item, name, fields[name])
    booked = item_content_edited(item=item, changed=[*content, *own])  # new round; reopened gates
    item._history_user = access.user
    if reason and not getattr(item, "_change_reason", ""):
        item._change_reason = reason
    if not own and "needs_reapproval" not in booked:
        item.skip_history_when_saving = True  # the change's journal row says it all
    item.save(update_fields=[*own, *booked, "updated_at"])
    return item


@transaction.atomic
def item_delete(*, access: Access, item_id: int, expected_version: int, reason: str = "") -> str:
    """Remove an item from its release; its journal stays, ending with a "removed" row. The
    change and its inclusions in other releases stay. Returns its key."""
    access.require(MANAGE)
    item = item_lock(access=access, item_id=item_id, expected_version=expected_version)
    key = item.key
    item._history_user = access.user
    item._change_reason = reason.strip()
    item.delete()
    return key


@dataclass(frozen=True, slots=True)
class SeedResult:
    created: int
    reset: int
    unchanged: int


@transaction.atomic
def status_seed_defaults(
    *, reset: bool = False, actor: AbstractBaseUser | None = None
) -> SeedResult:
    """Create the eight default states; keep an administrator's edits unless `reset`."""
    existing = {s.id: s for s in ReleaseStatus.objects.select_for_update()}
    created = reset_count = 0
    for index, (state_id, name, description) in enumerate(DEFAULT_STATES):
        wanted = {
            "name": name,
            "position": index * POSITION_STEP,
            "enabled": True,
            "description": description,
            "production": state_id in PRODUCTION_STATES,
        }
        state = existing.get(state_id)
        if state is None:
            state = ReleaseStatus(id=state_id, **wanted)
            # A renamed custom state may hold the default name; it wins, we skip.
            if ReleaseStatus.objects.filter(name=name).exclude(id=state_id).exists():
                continue
            created += 1
        elif reset and any(getattr(state, k) != v for k, v in wanted.items()):
            for key, value in wanted.items():
                setattr(state, key, value)
            reset_count += 1
        else:
            continue
        state._history_user = actor
        state._change_reason = "Default release states seeded"
        state.save()
    return SeedResult(
        created=created, reset=reset_count, unchanged=len(DEFAULT_STATES) - created - reset_count
    )
