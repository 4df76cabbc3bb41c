"""Freeze windows: when they occur (one pure function), and the reads the pages, the calendar
and the freeze gate make of them.

Every occurrence is a half-open interval [start, end): at its start the freeze is in force,
at its end it is over. A recurring window's times are wall-clock times in its own time zone,
converted to UTC one occurrence at a time, so "Friday 16:00 Europe/Zurich" is 15:00 UTC in
winter and 14:00 UTC in summer. A wall time a DST change skips (02:30 on the spring-forward
Sunday) is read with the offset before the change (it becomes 03:30); one it repeats is read
as its first pass.
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from planning.models import FreezeKind, FreezeWindow
from projects.models import ReleaseProject

UTC = dt.UTC
WEEK = dt.timedelta(days=7)
# How far ahead the banner looks for the next freeze (a weekly window always occurs sooner).
NEXT_FREEZE_HORIZON = dt.timedelta(days=400)

IN_FORCE = gettext_noop("Freeze “{name}” in force until {until}: no moves into production states.")
NEXT_STARTS = gettext_noop("Next freeze “{name}” starts {start} (until {until}).")


@dataclass(frozen=True, slots=True)
class FreezeOccurrence:
    """One occurrence of a freeze window: [start, end) in UTC, with what names it."""

    window_id: int
    name: str
    start: dt.datetime
    end: dt.datetime
    time_zone: str
    project_id: int | None  # None: installation-wide
    scope: str  # "installation-wide" or the release's code
    reason: str = ""

    def open_at(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end

    def local(self, moment: dt.datetime) -> str:
        """`moment` as the window's own wall-clock time, with the zone named."""
        zone = zoneinfo.ZoneInfo(self.time_zone)
        return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} {self.time_zone}"


def _wall(day: dt.date, time: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """A wall-clock time in `zone` as a UTC moment (see the module's note on DST gaps)."""
    return dt.datetime.combine(day, time, tzinfo=zone).astimezone(UTC)


def _spans(window: FreezeWindow, start: dt.datetime, end: dt.datetime):
    """(start, end) of each occurrence of `window` that can overlap [start, end), in UTC."""
    if window.kind == FreezeKind.ONE_OFF:
        yield window.starts_at.astimezone(UTC), window.ends_at.astimezone(UTC)
        return
    zone = zoneinfo.ZoneInfo(window.time_zone)
    if window.kind == FreezeKind.WEEKLY:
        days = (window.end_weekday - window.start_weekday) % 7
        if days == 0 and window.end_time <= window.start_time:
            days = 7  # Monday 08:00 to Monday 07:00: ends the next week
        # An occurrence lasts at most a week: one that began up to a week before `start`
        # may still be running.
        day = (start - WEEK).astimezone(zone).date()
        day += dt.timedelta(days=(window.start_weekday - day.weekday()) % 7)
        last = end.astimezone(zone).date()
        while day <= last:
            yield (
                _wall(day, window.start_time, zone),
                _wall(day + dt.timedelta(days=days), window.end_time, zone),
            )
            day += WEEK
        return
    # Annual: an occurrence lasts at most a year, so one from the year before may be running.
    crosses_new_year = (window.end_month, window.end_day, window.end_time) <= (
        window.start_month,
        window.start_day,
        window.start_time,
    )
    for year in range(start.astimezone(zone).year - 1, end.astimezone(zone).year + 1):
        end_year = year + 1 if crosses_new_year else year
        yield (
            _wall(dt.date(year, window.start_month, window.start_day), window.start_time, zone),
            _wall(dt.date(end_year, window.end_month, window.end_day), window.end_time, zone),
        )


def freeze_occurrences(
    window: FreezeWindow, *, start: dt.datetime, end: dt.datetime
) -> list[FreezeOccurrence]:
    """The occurrences of `window` that overlap [start, end), in time order. Pure: no query
    (the window's project must be loaded for an occurrence to name a release's scope)."""
    scope = window.project.code if window.project_id else "installation-wide"
    return [
        FreezeOccurrence(
            window_id=window.pk,
            name=window.name,
            start=s,
            end=e,
            time_zone=window.time_zone,
            project_id=window.project_id,
            scope=scope,
            reason=window.reason,
        )
        for s, e in _spans(window, start, end)
        if s < end and e > start
    ]


def freeze_windows_for(*, projects: Iterable[ReleaseProject | int]) -> QuerySet[FreezeWindow]:
    """The enabled windows that apply to any of `projects`: installation-wide ones and theirs."""
    ids = [p if isinstance(p, int) else p.pk for p in projects]
    return (
        FreezeWindow.objects.filter(enabled=True)
        .filter(Q(project__isnull=True) | Q(project_id__in=ids))
        .select_related("project")
        .order_by("pk")
    )


def freeze_occurrences_of(
    windows: Iterable[FreezeWindow], *, start: dt.datetime, end: dt.datetime
) -> list[FreezeOccurrence]:
    """Every occurrence of `windows` overlapping [start, end), by start time. No query."""
    found = [o for w in windows for o in freeze_occurrences(w, start=start, end=end)]
    return sorted(found, key=lambda o: (o.start, o.end, o.window_id))


def freeze_windows_between(
    *, start: dt.datetime, end: dt.datetime, projects: Iterable[ReleaseProject | int]
) -> list[FreezeOccurrence]:
    """The freeze occurrences overlapping [start, end) that apply to any of `projects`
    (installation-wide windows included), by start time: one query. For the calendar."""
    return freeze_occurrences_of(freeze_windows_for(projects=projects), start=start, end=end)


def freezes_open_at(windows: Iterable[FreezeWindow], *, at: dt.datetime) -> list[FreezeOccurrence]:
    """The occurrences of `windows` in force at `at`. No query."""
    found = freeze_occurrences_of(windows, start=at, end=at + dt.timedelta(microseconds=1))
    return [o for o in found if o.open_at(at)]


def freeze_next(windows: Iterable[FreezeWindow], *, after: dt.datetime) -> FreezeOccurrence | None:
    """The first occurrence of `windows` starting after `after`, within a year. No query."""
    upcoming = [
        o
        for o in freeze_occurrences_of(windows, start=after, end=after + NEXT_FREEZE_HORIZON)
        if o.start > after
    ]
    return upcoming[0] if upcoming else None


@dataclass(frozen=True, slots=True)
class FreezeBanner:
    """What the board and the release page say about freezes: those in force, the next one."""

    open: tuple[FreezeOccurrence, ...]
    next: FreezeOccurrence | None

    @property
    def messages(self) -> list[str]:
        said = [gettext(IN_FORCE).format(name=o.name, until=o.local(o.end)) for o in self.open]
        if self.next is not None:
            o = self.next
            said.append(
                gettext(NEXT_STARTS).format(
                    name=o.name, start=o.local(o.start), until=o.local(o.end)
                )
            )
        return said


def freeze_banner(
    *,
    project: ReleaseProject,
    at: dt.datetime | None = None,
    windows: list[FreezeWindow] | None = None,
) -> FreezeBanner:
    """The freezes in force for `project` now (or `at`) and the next one to start: one query,
    none when the caller has the windows already (the board's freeze gate loaded them)."""
    at = at or timezone.now()
    if windows is None:
        windows = list(freeze_windows_for(projects=[project]))
    return FreezeBanner(
        open=tuple(freezes_open_at(windows, at=at)), next=freeze_next(windows, after=at)
    )
