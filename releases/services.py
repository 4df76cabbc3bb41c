"""Writes of the release level: reopening a released, closed or cancelled release."""

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from projects.access import Access
from projects.models import READ_ONLY_STAGES, Lifecycle, ReleaseProject
from projects.roles import MANAGE
from projects.services import ProjectConflict, ProjectError, project_save

REOPEN_NEEDS_REASON = gettext_noop("Say why: reopening {code} needs a reason, for the journal.")
# One whole sentence per stage: a stage's label lowercased into a shared sentence reads
# "in arbeit" in German, whose nouns keep their capital.
NOT_REOPENABLE = {
    Lifecycle.PLANNING: gettext_noop(
        "{code} is in planning: only a released, closed or cancelled release can be reopened."
    ),
    Lifecycle.IN_PROGRESS: gettext_noop(
        "{code} is in progress: only a released, closed or cancelled release can be reopened."
    ),
}
REOPENED = {  # the stage a reopened release goes back to
    Lifecycle.PLANNING: gettext_noop(
        "Reopened {code}: it is in planning again, and its items can change."
    ),
    Lifecycle.IN_PROGRESS: gettext_noop(
        "Reopened {code}: it is in progress again, and its items can change."
    ),
}


class ReopenError(ProjectError):
    pass


@transaction.atomic
def release_reopen(*, access: Access, reason: str) -> ReleaseProject:
    """Reopen a read-only release with a reason, which the journal keeps as the change
    reason. A released or closed release goes back in progress (its release approval still
    stands: it was for leaving planning, which it did; releasing it again asks the release
    gate again); a cancelled one goes back to planning, where its approval is voided
    (approvals) and must be given anew."""
    access.require(MANAGE)
    reason = reason.strip()
    if not reason:
        raise ReopenError(gettext(REOPEN_NEEDS_REASON).format(code=access.project.code))
    # Under this lock, no item change of this release is half done (items.engine
    # release_lock_writable): the reopening and the changes it allows come strictly after.
    project = ReleaseProject.objects.select_for_update().get(pk=access.project.pk)
    if project.lifecycle not in READ_ONLY_STAGES:
        raise ProjectConflict(gettext(NOT_REOPENABLE[project.lifecycle]).format(code=project.code))
    from_stage = project.lifecycle
    project.lifecycle = (
        Lifecycle.PLANNING if from_stage == Lifecycle.CANCELLED else Lifecycle.IN_PROGRESS
    )
    project._change_reason = reason
    project_save(
        project=project,
        from_stage=from_stage,
        by=access.user,
        update_fields=["lifecycle", "updated_at"],
    )
    return project
