"""Writes on release projects and their members."""

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.access import Access
from projects.models import (
    CODE_RESERVED,
    READ_ONLY_STAGES,
    Lifecycle,
    ReleaseMember,
    ReleaseProject,
)
from projects.roles import MANAGE, Role
from projects.selectors import project_code_reserved
from projects.signals import stage_changed
from projects.stage_gates import stage_blockers

ALREADY_MEMBER = _("{user} is already a member of {code}.")
CODE_TAKEN = _("The code {code} is already taken by another release project; choose another.")
LAST_MANAGER = _("{code} needs at least one release manager; add another before removing this one.")
MEMBER_NOT_FOUND = _("There is no such member in {code}.")
START_IN_PLANNING = _("{code} must start in planning: leaving it needs approval.")
REOPEN_FIRST = _(
    "{code} is {stage}: a release manager reopens it, with a reason, before its stage changes."
)
NAMED_MANAGER = _(
    "{user} is the named release manager of {code}; "
    "name another release manager on the project first."
)

PROJECT_FIELDS = (
    "name",
    "description",
    "planned_release_date",
    "actual_release_date",
    "release_manager",
    "lifecycle",
)


class ProjectError(Exception):
    """A refused change to a project: nothing was written. `status_code` is the HTTP answer."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MemberError(ProjectError):
    pass


class StageRefused(ProjectError):
    """A refused stage change: approval missing (403), items short of release (400)..."""

    def __init__(self, message: str, status_code: int = 403) -> None:
        super().__init__(message)
        self.status_code = status_code


ReleaseNotApproved = StageRefused  # its older name


class ProjectConflict(ProjectError):
    status_code = 409


class MemberNotFound(MemberError):
    status_code = 404


class MemberConflict(MemberError):
    status_code = 409


def _ensure_manager_membership(
    *, project: ReleaseProject, actor: AbstractBaseUser, at: datetime | None = None
) -> None:
    """The project's named release manager is always a member with that role."""
    member = ReleaseMember.objects.filter(project=project, user=project.release_manager).first()
    if member is None:
        member = ReleaseMember(project=project, user=project.release_manager)
    elif member.role == Role.RELEASE_MANAGER:
        return
    member.role = Role.RELEASE_MANAGER
    member._history_user = actor
    if at is not None:
        member._history_date = at
    member.save()


@transaction.atomic
def project_create(
    *, actor: AbstractBaseUser, code: str, fields: dict[str, Any], at: datetime | None = None
) -> ReleaseProject:
    """Create a project; `at` back-dates its journal rows (imports and the demo only)."""
    if project_code_reserved(code=code):
        raise ProjectConflict(CODE_RESERVED.format(code=code))
    project = ReleaseProject(code=code)
    if fields.get("lifecycle", Lifecycle.PLANNING) != Lifecycle.PLANNING:
        raise ReleaseNotApproved(START_IN_PLANNING.format(code=code))
    for name in PROJECT_FIELDS:
        if name in fields:
            setattr(project, name, fields[name])
    project._history_user = actor
    if at is not None:
        project._history_date = at
    try:
        # A savepoint: the form's check cannot see a code another request is saving right now,
        # the unique index can; losing that race is a 409, and the transaction stays usable.
        with transaction.atomic():
            project.save()
    except IntegrityError:
        if not ReleaseProject.objects.filter(code=code).exists():
            raise
        raise ProjectConflict(CODE_TAKEN.format(code=code)) from None
    _ensure_manager_membership(project=project, actor=actor, at=at)
    return project


def project_stage_refusal(*, project: ReleaseProject, to_stage: str) -> ProjectError | None:
    """Why `project` may not move to `to_stage` now (None: it may). A released, closed or
    cancelled release changes stage only by being reopened (releases app), except that a
    released one may be closed; every other change asks the registered stage gates
    (management approval, readiness). The service calls it on the locked row, the admin's
    form before saving."""
    if project.lifecycle in READ_ONLY_STAGES and (project.lifecycle, to_stage) != (
        Lifecycle.RELEASED,
        Lifecycle.CLOSED,
    ):
        stage = Lifecycle(project.lifecycle).label.lower()
        return StageRefused(REOPEN_FIRST.format(code=project.code, stage=stage), 400)
    blockers, status = stage_blockers(project=project, to_stage=to_stage)
    if blockers:
        # str(): a gate may word its blockers lazily (in the reader's language).
        return StageRefused(" ".join(str(blocker) for blocker in blockers), status)
    return None


@transaction.atomic
def project_save(
    *,
    project: ReleaseProject,
    from_stage: str,
    by: AbstractBaseUser | None,
    update_fields: list[str] | None = None,
) -> None:
    """Save an existing `project` whose stage was `from_stage` (read from its locked row): the
    one place a stage changes, so that each app's reaction (stage_changed) happens once per
    change, whichever path made it. The caller has checked the change (project_stage_refusal)."""
    # The receivers date their reactions by the journal row, back-dated or not.
    back_dated = getattr(project, "_history_date", None)
    at = project._history_date = back_dated or timezone.now()
    project._history_user = by
    project.save(update_fields=update_fields)
    if back_dated is None:
        del project._history_date  # a later save of this instance is dated when it happens
    if project.lifecycle != from_stage:
        stage_changed.send(
            sender=ReleaseProject,
            project=project,
            from_stage=from_stage,
            to_stage=project.lifecycle,
            by=by,
            at=at,
        )


@transaction.atomic
def project_update(*, access: Access, fields: dict[str, Any]) -> ReleaseProject:
    access.require(MANAGE)
    project = ReleaseProject.objects.select_for_update().get(pk=access.project.pk)
    changed = [n for n in PROJECT_FIELDS if n in fields and getattr(project, n) != fields[n]]
    if not changed:
        return project
    if "lifecycle" in changed:
        refusal = project_stage_refusal(project=project, to_stage=fields["lifecycle"])
        if refusal is not None:
            raise refusal
    from_stage = project.lifecycle
    for name in changed:
        setattr(project, name, fields[name])
    project_save(
        project=project,
        from_stage=from_stage,
        by=access.user,
        update_fields=[*changed, "updated_at"],
    )
    _ensure_manager_membership(project=project, actor=access.user)
    return project


@transaction.atomic
def project_add_member(
    *, access: Access, user: AbstractBaseUser, role: str, at: datetime | None = None
) -> ReleaseMember:
    access.require(MANAGE)
    already = MemberConflict(ALREADY_MEMBER.format(user=user, code=access.project.code))
    if ReleaseMember.objects.filter(project=access.project, user=user).exists():
        raise already
    member = ReleaseMember(project=access.project, user=user, role=role)
    member._history_user = access.user
    if at is not None:
        member._history_date = at
    try:
        # The check above cannot see a double submit still in flight; the unique index can.
        with transaction.atomic():
            member.save()
    except IntegrityError:
        if not ReleaseMember.objects.filter(project=access.project, user=user).exists():
            raise
        raise already from None
    return member


@transaction.atomic
def project_remove_member(*, access: Access, member_id: int) -> None:
    access.require(MANAGE)
    project = ReleaseProject.objects.select_for_update().get(pk=access.project.pk)
    member = ReleaseMember.objects.filter(project=project, pk=member_id).first()
    if member is None:
        raise MemberNotFound(MEMBER_NOT_FOUND.format(code=project.code))
    managers = ReleaseMember.objects.filter(project=project, role=Role.RELEASE_MANAGER)
    if member.role == Role.RELEASE_MANAGER and managers.count() == 1:
        raise MemberError(LAST_MANAGER.format(code=project.code))
    if member.user_id == project.release_manager_id:
        raise MemberError(NAMED_MANAGER.format(user=member.user, code=project.code))
    member._history_user = access.user
    member.delete()
