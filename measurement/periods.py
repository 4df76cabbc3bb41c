"""Calendar periods (year, quarter, month) for the KPI dashboards: the period a go-live falls in,
the periods between two dates, and the period a filter names ("2026", "2026-Q2", "2026-05")."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

GRAINS = ("year", "quarter", "month")
YEARS = (1900, 2999)
PERIOD_PATTERN = re.compile(r"(?P<year>\d{4})(?:-Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?")


@dataclass(frozen=True, order=True)
class Period:
    """[start, end) in local dates; `label` as the filter spells it."""

    start: date
    end: date
    label: str

    def holds(self, moment: datetime) -> bool:
        return self.start <= timezone.localdate(moment) < self.end


def _next_month(year: int, month: int, months: int) -> date:
    index = year * 12 + month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_containing(*, day: date, grain: str) -> Period:
    """The year, quarter or month (`grain`) that holds `day`."""
    if grain == "year":
        return Period(date(day.year, 1, 1), date(day.year + 1, 1, 1), f"{day.year}")
    if grain == "quarter":
        quarter = (day.month - 1) // 3 + 1
        start = date(day.year, 3 * quarter - 2, 1)
        return Period(start, _next_month(day.year, start.month, 3), f"{day.year}-Q{quarter}")
    start = date(day.year, day.month, 1)
    return Period(start, _next_month(day.year, day.month, 1), f"{day.year}-{day.month:02d}")


def periods_between(*, first: date, last: date, grain: str) -> list[Period]:
    """Every period of `grain` from the one holding `first` to the one holding `last`, empty
    ones included (a trend line must show the periods nothing went live in)."""
    periods = [period_containing(day=first, grain=grain)]
    while periods[-1].end <= last:
        periods.append(period_containing(day=periods[-1].end, grain=grain))
    return periods


def period_parse(text: str) -> Period | None:
    """The period `text` names ("2026", "2026-Q2", "2026-05"), or None if it names none."""
    match = PERIOD_PATTERN.fullmatch(text)
    if match is None or not YEARS[0] <= int(match["year"]) <= YEARS[1]:
        return None
    year = int(match["year"])
    if match["quarter"]:
        return period_containing(day=date(year, 3 * int(match["quarter"]) - 2, 1), grain="quarter")
    if match["month"]:
        return period_containing(day=date(year, int(match["month"]), 1), grain="month")
    return period_containing(day=date(year, 1, 1), grain="year")
