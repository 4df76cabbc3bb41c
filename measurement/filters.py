"""The release overview's filters, sorting and page size from the query string, checked.

A value the overview cannot honour is refused with a message saying what to choose (the page
answers 400 and shows nothing), rather than ignored: a filtered export that silently ignored a
mistyped filter would pass for the filtered one.
"""

from dataclasses import dataclass

from django.http import QueryDict

from items.models import Kind
from measurement.selectors import SORTS, OverviewRelease
from releasemgmt.pagination import BAD_PER_PAGE, PER_PAGE_MAX, WHOLE_NUMBER

PER_PAGE = 100
# The user's own input is echoed cut short.
ECHOED = 20
BAD_KIND = 'Unknown kind "{value}": choose one of {choices}.'
BAD_ASSIGNEE = 'Unknown assignee "{value}": choose a member of a release shown.'
BAD_RELEASE = 'No open release "{value}" that you may see: choose one of the releases shown.'
BAD_SORT = 'Cannot sort by "{value}": sort by {choices} (a leading "-" sorts descending).'


class OverviewInputError(ValueError):
    """A filter, sort or page size the overview cannot honour; the message says why."""


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
