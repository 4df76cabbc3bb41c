"""Writes on release items and release states, other than state moves (see items.engine)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from items.defaults import DEFAULT_STATES, PRODUCTION_STATES
from items.engine import (
    POSITION_STEP,
    column_bottom_position,
    first_enabled_state,
    item_content_edited,
    item_lock,
)
from items.models import ReleaseItem, ReleaseStatus
from projects.access import Access
from projects.models import ReleaseProject
from projects.roles import EDIT_ITEMS, MANAGE

ITEM_FIELDS = (
    "kind",
    "title",
    "description",
    "external_key",
    "external_url",
    "priority",
    "assignee",
)


@transaction.atomic
def item_create(
    *, access: Access, fields: dict[str, Any], at: datetime | None = None
) -> ReleaseItem:
    """Add an item to the project, in the first enabled state, at the bottom of its column.

    `at` back-dates the journal row; only imports and the demo use it, never a view.
    """
    access.require(EDIT_ITEMS)
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
    item = ReleaseItem(project=access.project, number=number, created_by=access.user)
    for name in ITEM_FIELDS:
        if name in fields:
            setattr(item, name, fields[name])
    item.status = first_enabled_state()
    item.position = column_bottom_position(item=item, status=item.status)
    item._history_user = access.user
    item.created_at = at or timezone.now()
    if at is not None:
        item._history_date = at
    item.save()
    return item


@transaction.atomic
def item_update(
    *, access: Access, item_id: int, expected_version: int, fields: dict[str, Any]
) -> ReleaseItem:
    access.require(EDIT_ITEMS)
    item = item_lock(access=access, item_id=item_id, expected_version=expected_version)
    changed = [
        name for name in ITEM_FIELDS if name in fields and getattr(item, name) != fields[name]
    ]
    if not changed:
        return item
    for name in changed:
        setattr(item, name, fields[name])
    booked = item_content_edited(item=item, changed=changed)  # new round; reopened gates
    item._history_user = access.user
    item.save(update_fields=[*changed, *booked, "updated_at"])
    return item


@transaction.atomic
def item_delete(*, access: Access, item_id: int, expected_version: int, reason: str = "") -> str:
    """Remove an item; its journal stays, ending with a "removed" row. Returns its key."""
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
