"""Writes of release notes: the release manager's introduction, known issues and item
placements, and the version published when the release goes live."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_noop

from items.models import ReleaseItem
from projects.access import Access
from projects.models import READ_ONLY_STAGES, Lifecycle, ReleaseProject
from projects.roles import MANAGE
from projects.services import ProjectConflict, ProjectError
from releases.models import NotesItemPlacement, Placement, PublishedNotes, ReleaseNotes
from releases.notes_selectors import (
    notes_lines,
    notes_markdown,
    notes_published_stamp,
    notes_settings,
    notes_snapshot,
)

NOTES_FROZEN = gettext_noop(
    "The release notes of {code} were published when it went live and are kept as published; "
    "reopen the release to change them."
)
NOTES_STALE = gettext_noop(
    "The release notes of {code} were changed by someone else since you opened them; "
    "reload the page and make your change again."
)
UNKNOWN_ITEM = gettext_noop("Item {item} is not an item of {code}.")
UNKNOWN_PLACEMENT = gettext_noop(
    "“{placement}” is not a place in the notes: choose one from the list."
)
NOTES_SAVED = gettext_noop("Saved the release notes of {code}.")
# Written into the journal as the row's reason: stays in English.
PUBLISHED_REASON = "Published when the release went live"

# Entering these stages from any other is going live (a release may be closed straight away).
LIVE_STAGES = frozenset({Lifecycle.RELEASED, Lifecycle.CLOSED})


class NotesError(ProjectError):
    pass


class NotesFrozen(NotesError):
    status_code = 403


@transaction.atomic
def release_notes_update(
    *,
    access: Access,
    introduction: str,
    known_issues: str,
    placements: dict[int, str],
    revision: int,
) -> ReleaseNotes:
    """Save the release manager's part of the notes. `placements` maps each item id to "" (by
    its kind) or a Placement; items left out keep theirs. `revision` is the one the form was
    rendered with: if the notes changed since, nothing is saved (409)."""
    access.require(MANAGE)
    # Under the project's lock: no go-live publishes the notes halfway through this change.
    project = ReleaseProject.objects.select_for_update().get(pk=access.project.pk)
    if project.lifecycle in READ_ONLY_STAGES:
        raise NotesFrozen(gettext(NOTES_FROZEN).format(code=project.code))
    notes = ReleaseNotes.objects.select_for_update().filter(project=project).first()
    if notes is None:
        notes = ReleaseNotes(project=project)
    if notes.revision != revision:
        raise ProjectConflict(gettext(NOTES_STALE).format(code=project.code))
    for placement in placements.values():
        if placement and placement not in Placement.values:
            raise NotesError(gettext(UNKNOWN_PLACEMENT).format(placement=placement))
    items = set(
        ReleaseItem.objects.filter(project=project, pk__in=placements).values_list("pk", flat=True)
    )
    for item_id in placements:
        if item_id not in items:
            raise NotesError(gettext(UNKNOWN_ITEM).format(item=item_id, code=project.code))
    changed = _placements_save(project=project, placements=placements, user=access.user)
    if (notes.introduction, notes.known_issues) != (introduction, known_issues):
        notes.introduction, notes.known_issues = introduction, known_issues
        changed = True
    if changed or notes.pk is None:
        notes.revision += 1
        notes._history_user = access.user
        notes.save()
    return notes


def _placements_save(
    *, project: ReleaseProject, placements: dict[int, str], user: AbstractBaseUser
) -> bool:
    """Create, change or remove the placement rows (one journal row each); whether any did."""
    existing = {
        row.item_id: row
        for row in NotesItemPlacement.objects.select_for_update().filter(
            project=project, item_id__in=placements
        )
    }
    changed = False
    for item_id, placement in placements.items():
        row = existing.get(item_id)
        if row is not None and row.placement == placement:
            continue
        changed = True
        if row is None:
            row = NotesItemPlacement(project=project, item_id=item_id, placement=placement)
        elif not placement:
            row._history_user = user
            row.delete()
            continue
        row.placement = placement
        row._history_user = user
        row.save()
    return changed


def release_notes_publish(
    *, project: ReleaseProject, user: AbstractBaseUser | None, at: datetime
) -> PublishedNotes:
    """Keep the notes as they are now as the next published version. Called inside the stage
    change that makes the release go live (its project row is locked). Written in English and
    its times in the installation's zone (settings.TIME_ZONE), whoever makes it go live and
    wherever they are: the published document is kept as it was published, one text for all."""
    with translation.override("en"), timezone.override(settings.TIME_ZONE):
        return _notes_publish(project=project, user=user, at=at)


def _notes_publish(
    *, project: ReleaseProject, user: AbstractBaseUser | None, at: datetime
) -> PublishedNotes:
    notes = notes_settings(project=project)
    snapshot: dict[str, Any] = notes_snapshot(
        project=project, notes=notes, lines=notes_lines(project=project)
    )
    last = PublishedNotes.objects.filter(project=project).order_by("-version").first()
    version = last.version + 1 if last else 1
    by = user.get_username() if user is not None else ""
    published = PublishedNotes(
        project=project,
        version=version,
        published_at=at,
        published_by=user,
        published_by_name=by,
        snapshot=snapshot,
        markdown=notes_markdown(
            snapshot=snapshot, stamp=notes_published_stamp(at=at, by=by, version=version)
        ),
    )
    published._history_user = user
    published._history_date = at
    published._change_reason = PUBLISHED_REASON
    published.save()
    return published


def publish_on_go_live(
    sender: Any,
    *,
    project: ReleaseProject,
    from_stage: str,
    to_stage: str,
    by: AbstractBaseUser | None,
    at: datetime,
    **kwargs: Any,
) -> None:
    """projects' stage_changed: a release going live — entering released or closed from
    another stage — publishes its notes, whichever path changed the stage (portal, admin)."""
    if to_stage in LIVE_STAGES and from_stage not in LIVE_STAGES:
        release_notes_publish(project=project, user=by, at=at)
