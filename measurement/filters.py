"""The release overview's and the KPI dashboards' filters from the query string, checked.

A value the overview cannot honour is refused with a message saying what to choose (the page
answers 400 and shows nothing), rather than ignored: a filtered export that silently ignored a
mistyped filter would pass for the filtered one.
"""

from dataclasses import dataclass

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from items.models import Kind
from measurement.kpi_selectors import WINDOW_DEFAULT
from measurement.periods import GRAINS, YEARS, Period, period_parse
from measurement.selectors import SORTS, OverviewRelease
from releasemgmt.pagination import BAD_PER_PAGE, PER_PAGE_MAX, WHOLE_NUMBER

PER_PAGE = 100
# The user's own input is echoed cut short.
ECHOED = 20
BAD_KIND = _('Unknown kind "{value}": choose one of {choices}.')
BAD_ASSIGNEE = _('Unknown assignee "{value}": choose a member of a release shown.')
BAD_RELEASE = _('No open release "{value}" that you may see: choose one of the releases shown.')
BAD_SORT = _('Cannot sort by "{value}": sort by {choices} (a leading "-" sorts descending).')


class OverviewInputError(ValueError):
    """A filter, sort or page size a page cannot honour; the message says why."""


@dataclass(frozen=True)
class OverviewFilters:
    kind: str = ""
    assignee_id: int | None = None
    release: str = ""
    sort: str = "change"
    per_page: int = PER_PAGE


def overview_filters_parse(
    *, params: QueryDict, releases: list[OverviewRelease], assignee_ids: set[int]
) -> OverviewFilters:
    """The filters `params` ask for, checked against the releases and assignees offered."""
    kind = params.get("kind", "")
    if kind and kind not in Kind.values:
        raise OverviewInputError(
            BAD_KIND.format(value=kind[:ECHOED], choices=", ".join(Kind.values))
        )
    assignee_id = None
    asked = params.get("assignee", "")
    if asked:
        if not WHOLE_NUMBER.fullmatch(asked) or int(asked) not in assignee_ids:
            raise OverviewInputError(BAD_ASSIGNEE.format(value=asked[:ECHOED]))
        assignee_id = int(asked)
    release = params.get("release", "")
    if release and release not in {r.code for r in releases}:
        raise OverviewInputError(BAD_RELEASE.format(value=release[:ECHOED]))
    sort = params.get("sort", "") or "change"
    if sort.removeprefix("-") not in SORTS:
        raise OverviewInputError(BAD_SORT.format(value=sort[:ECHOED], choices=", ".join(SORTS)))
    per_page = PER_PAGE
    asked = params.get("per_page")
    if asked is not None:
        if not (WHOLE_NUMBER.fullmatch(asked) and 1 <= int(asked) <= PER_PAGE_MAX):
            raise OverviewInputError(BAD_PER_PAGE.format(max=PER_PAGE_MAX, default=PER_PAGE))
        per_page = int(asked)
    return OverviewFilters(
        kind=kind, assignee_id=assignee_id, release=release, sort=sort, per_page=per_page
    )


def overview_sort_links(*, current: str) -> dict[str, dict[str, str | None]]:
    """Per sortable column: the sort its header link asks for next, and its aria-sort."""
    links: dict[str, dict[str, str | None]] = {}
    for name in SORTS:
        if current == name:
            links[name] = {"next": f"-{name}", "aria": "ascending"}
        elif current == f"-{name}":
            links[name] = {"next": name, "aria": "descending"}
        else:
            links[name] = {"next": name, "aria": None}
    return links


# --- The KPI dashboards ------------------------------------------------------------------------

WINDOW_MAX = 365
BAD_PERIOD = _(
    'Unknown period "{value}": give a year (2026), a quarter (2026-Q2) or a month (2026-05), '
    "years {first} to {last}."
)
BAD_GRAIN = _('Cannot group by "{value}": choose one of {choices}.')
BAD_WINDOW = _(
    'Unknown window "{value}": the days after go-live in which a ticket counts as caused by the '
    "release are a whole number from 1 to {max}."
)
BAD_TABLE = _('No table "{value}" to export here: choose one of {choices}.')


@dataclass(frozen=True)
class KpiFilters:
    period: Period | None = None  # None: every release, whenever it went live
    by: str = "quarter"
    window_days: int = WINDOW_DEFAULT


def kpi_filters_parse(*, params: QueryDict) -> KpiFilters:
    """The period, the grouping of the trends and the caused-ticket window `params` ask for."""
    period = None
    asked = params.get("period", "")
    if asked:
        period = period_parse(asked)
        if period is None:
            raise OverviewInputError(
                BAD_PERIOD.format(value=asked[:ECHOED], first=YEARS[0], last=YEARS[1])
            )
    by = params.get("by", "") or "quarter"
    if by not in GRAINS:
        raise OverviewInputError(BAD_GRAIN.format(value=by[:ECHOED], choices=", ".join(GRAINS)))
    window_days = WINDOW_DEFAULT
    asked = params.get("window")
    if asked is not None:
        if not (WHOLE_NUMBER.fullmatch(asked) and 1 <= int(asked) <= WINDOW_MAX):
            raise OverviewInputError(BAD_WINDOW.format(value=asked[:ECHOED], max=WINDOW_MAX))
        window_days = int(asked)
    return KpiFilters(period=period, by=by, window_days=window_days)


def kpi_export_table_parse(*, params: QueryDict, names: list[str]) -> str:
    """Which of the page's tables an export asks for (`table`)."""
    asked = params.get("table", "")
    if asked not in names:
        raise OverviewInputError(BAD_TABLE.format(value=asked[:ECHOED], choices=", ".join(names)))
    return asked
