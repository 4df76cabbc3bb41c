"""Reads for the release calendar and the iCal feed: the milestones of the releases a user may
see and the freeze windows that apply to them, as one list of events."""

import calendar as stdlib_calendar
import datetime as dt
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext, gettext_noop

from planning.freezes import FreezeOccurrence, freeze_occurrences_of
from planning.models import ACTUAL_FIELDS, FreezeWindow, Milestone, ReleaseSchedule
from projects.models import Lifecycle, ReleaseProject
from projects.selectors import projects_visible_filter, projects_visible_to

# The domain part of every event's UID: a constant, so UIDs survive a change of host name.
UID_DOMAIN = "releasemgmt"

BAD_MONTH = gettext_noop("“{value}” is not a month: use the form 2026-12 (year-month).")
BAD_VIEW = gettext_noop("“{value}” is not a calendar view: use month or list.")

EventKind = Literal["milestone", "go_live", "freeze"]


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """One thing on the calendar: a milestone (a moment), a go-live window or a freeze."""

    uid: str
    kind: EventKind
    title: str
    start: dt.datetime
    end: dt.datetime | None  # None: a moment (a milestone)
    project: ReleaseProject | None  # None: an installation-wide freeze
    cancelled: bool = False
    actual: dt.datetime | None = None  # when the milestone actually happened, if recorded
    revision: int = 0
    detail: str = ""
    modified: dt.datetime | None = None  # when its plan last changed

    @property
    def last(self) -> dt.datetime:
        return self.end or self.start

    def overlaps(self, start: dt.datetime, end: dt.datetime) -> bool:
        """Whether it touches [start, end): a moment inside, or a span overlapping."""
        if self.end is None:
            return start <= self.start < end
        return self.start < end and self.end > start


def _schedules(
    *, user: AbstractBaseUser, start: dt.datetime | None, end: dt.datetime | None
) -> QuerySet[ReleaseSchedule]:
    schedules = ReleaseSchedule.objects.filter(
        project__in=projects_visible_to(user=user)
    ).select_related("project")
    if start is not None and end is not None:
        moment = Q()
        for milestone in (Milestone.DEVELOPMENT_START, Milestone.CODE_FREEZE, Milestone.QA_START):
            moment |= Q(**{f"{milestone}__gte": start, f"{milestone}__lt": end})
        window = Q(go_live_start__lt=end, go_live_end__gt=start)
        schedules = schedules.filter(moment | window)
    return schedules.order_by("project__code")


def _freeze_windows(*, user: AbstractBaseUser) -> QuerySet[FreezeWindow]:
    """Enabled freeze windows: installation-wide ones and those of releases `user` may see."""
    windows = FreezeWindow.objects.filter(enabled=True).select_related("project")
    visible = projects_visible_filter(user=user, field="project")
    if visible:  # Q() for those who see every release: no condition at all
        windows = windows.filter(Q(project__isnull=True) | visible)
    return windows.order_by("pk")


def schedule_events(schedule: ReleaseSchedule) -> list[CalendarEvent]:
    """A schedule's planned milestones as events, UIDs stable across edits (by release and
    milestone). No query: the schedule comes with its project."""
    project = schedule.project
    # A cancelled release's events stay, marked cancelled (clients then strike them out).
    cancelled = project.lifecycle == Lifecycle.CANCELLED
    events = []
    for milestone in (Milestone.DEVELOPMENT_START, Milestone.CODE_FREEZE, Milestone.QA_START):
        when = getattr(schedule, milestone)
        if when is not None:
            events.append(
                CalendarEvent(
                    uid=f"release-{project.pk}-{milestone.replace('_', '-')}@{UID_DOMAIN}",
                    kind="milestone",
                    title=f"{project.code} {milestone.label}",
                    start=when,
                    end=None,
                    project=project,
                    cancelled=cancelled,
                    actual=getattr(schedule, ACTUAL_FIELDS[milestone]),
                    revision=schedule.revision,
                    modified=schedule.updated_at,
                )
            )
    if schedule.go_live_start is not None and schedule.go_live_end is not None:
        events.append(
            CalendarEvent(
                uid=f"release-{project.pk}-go-live@{UID_DOMAIN}",
                kind="go_live",
                title=gettext("{code} Go-live window").format(code=project.code),
                start=schedule.go_live_start,
                end=schedule.go_live_end,
                project=project,
                cancelled=cancelled,
                actual=schedule.went_live_at,
                revision=schedule.revision,
                modified=schedule.updated_at,
            )
        )
    return events


def freeze_event(occurrence: FreezeOccurrence, project: ReleaseProject | None) -> CalendarEvent:
    # Named by the window and the day it starts on in its own zone: a window moved by some
    # hours updates its occurrences in calendars instead of replacing them.
    day = occurrence.start.astimezone(ZoneInfo(occurrence.time_zone)).date()
    return CalendarEvent(
        uid=f"freeze-{occurrence.window_id}-{day:%Y%m%d}@{UID_DOMAIN}",
        kind="freeze",
        title=(
            gettext("Freeze: {name} ({scope})").format(name=occurrence.name, scope=occurrence.scope)
            if project is not None
            else gettext("Freeze: {name}").format(name=occurrence.name)
        ),
        start=occurrence.start,
        end=occurrence.end,
        project=project,
        detail=occurrence.reason,
    )


def calendar_events(
    *, user: AbstractBaseUser, start: dt.datetime, end: dt.datetime, all_milestones: bool = False
) -> list[CalendarEvent]:
    """The events touching [start, end) for `user`, by start: milestones and go-live windows of
    the releases they may see, and the freeze windows that apply to them. Two queries.

    With `all_milestones` (the iCal feed) every planned milestone is included, whenever it is;
    [start, end) then bounds only the occurrences of recurring freeze windows."""
    schedules = _schedules(
        user=user, start=None if all_milestones else start, end=None if all_milestones else end
    )
    events = [
        event
        for schedule in schedules
        for event in schedule_events(schedule)
        if all_milestones or event.overlaps(start, end)
    ]
    windows = list(_freeze_windows(user=user))
    projects = {w.pk: w.project for w in windows}
    events += [
        freeze_event(o, projects[o.window_id])
        for o in freeze_occurrences_of(windows, start=start, end=end)
    ]
    return sorted(events, key=lambda e: (e.start, e.title))


@dataclass(frozen=True, slots=True)
class CalendarDay:
    date: dt.date
    in_month: bool
    today: bool
    events: tuple[CalendarEvent, ...]


@dataclass(frozen=True, slots=True)
class CalendarMonth:
    first: dt.date  # the first day of the month shown
    weeks: tuple[tuple[CalendarDay, ...], ...]  # Monday to Sunday
    events: tuple[CalendarEvent, ...]  # every event touching the month, by start
    previous: dt.date
    next: dt.date

    @property
    def weekday_names(self) -> list[str]:
        return [WEEKDAYS[day] for day in range(7)]  # Monday first, in the active language


def month_parse(value: str | None, *, today: dt.date) -> dt.date:
    """The first day of the month `?month=2026-12` names (this month when absent); ValueError
    with BAD_MONTH otherwise."""
    if not value:
        return today.replace(day=1)
    try:
        year, month = value.split("-")
        if len(year) != 4 or len(month) != 2:
            raise ValueError(value)
        first = dt.date(int(year), int(month), 1)
    except ValueError:
        raise ValueError(gettext(BAD_MONTH).format(value=value[:20])) from None
    if first.year < 1970 or first.year > 9998:
        raise ValueError(gettext(BAD_MONTH).format(value=value[:20]))
    return first


def calendar_month(*, user: AbstractBaseUser, first: dt.date) -> CalendarMonth:
    """The month starting at `first` as weeks of days (in the current time zone), each with the
    events touching it. Two queries (calendar_events)."""
    zone = timezone.get_current_timezone()
    grid = stdlib_calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    previous_month = (first - dt.timedelta(days=1)).replace(day=1)

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=zone)

    start, end = midnight(grid[0][0]), midnight(grid[-1][-1] + dt.timedelta(days=1))
    events = calendar_events(user=user, start=start, end=end)
    today = timezone.localdate()
    weeks = tuple(
        tuple(
            CalendarDay(
                date=day,
                in_month=day.month == first.month,
                today=day == today,
                events=tuple(
                    e
                    for e in events
                    if e.overlaps(midnight(day), midnight(day + dt.timedelta(days=1)))
                ),
            )
            for day in week
        )
        for week in grid
    )
    month_start, month_end = midnight(first), midnight(next_month)
    return CalendarMonth(
        first=first,
        weeks=weeks,
        events=tuple(e for e in events if e.overlaps(month_start, month_end)),
        previous=previous_month,
        next=next_month,
    )
