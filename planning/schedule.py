"""A release's schedule: reading it, planning it (its release manager) and recording the actual
dates of its milestones as the system observes them (docs/PLANNING.md)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext, gettext_noop

from planning.models import ACTUAL_FIELDS, Milestone, ReleaseSchedule
from projects.access import Access
from projects.models import ReleaseProject
from projects.roles import MANAGE

PLANNED_FIELDS: tuple[str, ...] = tuple(Milestone.values)

OUT_OF_ORDER = gettext_noop("{later} must not be before {earlier} ({when}).")
GO_LIVE_EMPTY = gettext_noop("The go-live window must end after it starts.")
GO_LIVE_HALF = gettext_noop("Give both the start and the end of the go-live window, or neither.")


class ScheduleInvalid(Exception):
    """A refused schedule: nothing was written. `errors` maps a milestone to its message."""

    status_code = 400

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def schedule_problems(*, planned: dict[str, datetime | None]) -> dict[str, str]:
    """What is wrong with these planned dates, by milestone: each milestone given must not come
    before the one given before it, and the go-live window is both ends or none, end after
    start. Milestones left empty are simply not planned yet."""
    problems: dict[str, str] = {}
    start, end = planned.get(Milestone.GO_LIVE_START), planned.get(Milestone.GO_LIVE_END)
    if (start is None) != (end is None):
        problems[Milestone.GO_LIVE_END if end is None else Milestone.GO_LIVE_START] = gettext(
            GO_LIVE_HALF
        )
    elif start is not None and end <= start:
        problems[Milestone.GO_LIVE_END] = gettext(GO_LIVE_EMPTY)
    earlier: Milestone | None = None
    for milestone in Milestone:
        when = planned.get(milestone)
        if when is None or milestone in problems:
            continue
        if earlier is not None and when < planned[earlier]:
            # English writes the earlier one in lower case; German nouns keep their capital.
            earlier_name = str(earlier.label)
            if (translation.get_language() or "en").startswith("en"):
                earlier_name = earlier_name.lower()
            problems[milestone] = gettext(OUT_OF_ORDER).format(
                later=milestone.label,
                earlier=earlier_name,
                when=planned[earlier].strftime("%Y-%m-%d %H:%M %Z"),
            )
        else:
            earlier = milestone
    return problems


def schedule_for_project(*, project: ReleaseProject) -> ReleaseSchedule:
    """The project's schedule; an unsaved empty one when nothing is planned or recorded yet."""
    return ReleaseSchedule.objects.filter(project=project).first() or ReleaseSchedule(
        project=project
    )


@transaction.atomic
def schedule_update(
    *, access: Access, planned: dict[str, datetime | None]
) -> ReleaseSchedule | None:
    """Plan the release's milestones (release managers). Journaled; each change bumps the
    revision, which calendar clients read as the events' SEQUENCE. None if nothing changed."""
    access.require(MANAGE)
    problems = schedule_problems(planned=planned)
    if problems:
        raise ScheduleInvalid(problems)

    def plan(schedule: ReleaseSchedule) -> bool:
        changed = [f for f in PLANNED_FIELDS if f in planned and getattr(schedule, f) != planned[f]]
        for name in changed:
            setattr(schedule, name, planned[name])
        schedule.revision += 1
        schedule._history_user = access.user
        return bool(changed)

    return _schedule_change(project_id=access.project.pk, change=plan)


@transaction.atomic
def schedule_record_actual(
    *, project_id: int, milestone: Milestone, at: datetime
) -> ReleaseSchedule | None:
    """Record when a milestone actually happened, the first time only (a release reopened or
    re-planned keeps the date it first happened). Journaled as a change by the system."""
    field = ACTUAL_FIELDS[milestone]

    def record(schedule: ReleaseSchedule) -> bool:
        if getattr(schedule, field) is not None:
            return False
        setattr(schedule, field, at)
        with translation.override("en"):  # the journal keeps English
            schedule._change_reason = f"{milestone.label}: recorded by the system"
        return True

    return _schedule_change(project_id=project_id, change=record)


def _schedule_change(
    *, project_id: int, change: Callable[[ReleaseSchedule], bool]
) -> ReleaseSchedule | None:
    """Apply `change` to the locked schedule (a new one if there is none yet) and save it if
    it says it changed something; None otherwise."""
    for attempt in (1, 2):
        schedule = ReleaseSchedule.objects.select_for_update().filter(project_id=project_id).first()
        schedule = schedule or ReleaseSchedule(project_id=project_id)
        if not change(schedule):
            return None
        try:
            # Two first saves at once: the one-to-one's unique index lets one in; the other
            # rolls back to here, and its second attempt finds and locks that row.
            with transaction.atomic():
                schedule.save()
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        return schedule
    return None  # pragma: no cover - the loop returns or raises


@dataclass(frozen=True, slots=True)
class MilestoneRow:
    """One line of a schedule panel: a milestone, when it is planned, when it happened."""

    milestone: Milestone
    planned: datetime | None
    actual: datetime | None


def schedule_rows(*, schedule: ReleaseSchedule) -> list[MilestoneRow]:
    return [
        MilestoneRow(
            milestone=m,
            planned=getattr(schedule, m.value),
            actual=getattr(schedule, ACTUAL_FIELDS[m]) if m in ACTUAL_FIELDS else None,
        )
        for m in Milestone
    ]


def schedule_rows_for_project(*, project: ReleaseProject) -> list[MilestoneRow]:
    """The schedule panel of the release page. One query."""
    return schedule_rows(schedule=schedule_for_project(project=project))
