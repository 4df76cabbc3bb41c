"""The release overview page: a thin view over measurement.selectors."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from items.models import Kind
from measurement.selectors import (
    SORTS,
    overview_assignees,
    overview_releases,
    overview_rows,
)
from measurement.tables import overview_export_table
from releasemgmt.exports import table_export_response
from releasemgmt.pagination import BAD_PER_PAGE, PER_PAGE_MAX, WHOLE_NUMBER

PER_PAGE = 100
# The user's own input is echoed cut short.
ECHOED = 20
BAD_KIND = 'Unknown kind "{value}": choose one of {choices}.'
BAD_ASSIGNEE = 'Unknown assignee "{value}": choose a member of a release shown.'
BAD_RELEASE = 'No open release "{value}" that you may see: choose one of the releases shown.'
BAD_SORT = 'Cannot sort by "{value}": sort by {choices} (a leading "-" sorts descending).'


class OverviewInputError(ValueError):
    pass


def _filters(request: HttpRequest, releases: list, assignees: list) -> dict:
    """The filters the request asks for, checked; raises OverviewInputError on a bad one."""
    kind = request.GET.get("kind", "")
    if kind and kind not in Kind.values:
        raise OverviewInputError(
            BAD_KIND.format(value=kind[:ECHOED], choices=", ".join(Kind.values))
        )
    assignee_id = None
    asked = request.GET.get("assignee", "")
    if asked:
        ids = {user.pk for user in assignees}
        if not WHOLE_NUMBER.fullmatch(asked) or int(asked) not in ids:
            raise OverviewInputError(BAD_ASSIGNEE.format(value=asked[:ECHOED]))
        assignee_id = int(asked)
    release = request.GET.get("release", "")
    if release and release not in {r.code for r in releases}:
        raise OverviewInputError(BAD_RELEASE.format(value=release[:ECHOED]))
    sort = request.GET.get("sort", "") or "change"
    if sort.removeprefix("-") not in SORTS:
        raise OverviewInputError(BAD_SORT.format(value=sort[:ECHOED], choices=", ".join(SORTS)))
    per_page = PER_PAGE
    asked = request.GET.get("per_page")
    if asked is not None:
        if not (WHOLE_NUMBER.fullmatch(asked) and 1 <= int(asked) <= PER_PAGE_MAX):
            raise OverviewInputError(BAD_PER_PAGE.format(max=PER_PAGE_MAX, default=PER_PAGE))
        per_page = int(asked)
    return {
        "kind": kind,
        "assignee_id": assignee_id,
        "release": release,
        "sort": sort,
        "per_page": per_page,
    }


@require_GET
def overview_page(request: HttpRequest) -> HttpResponse:
    visible = overview_releases(user=request.user)
    assignees = list(overview_assignees(releases=visible)) if visible else []
    try:
        chosen = _filters(request, visible, assignees)
    except OverviewInputError as error:
        return render(request, "400.html", {"message": str(error)}, status=400)
    releases = [r for r in visible if r.code == chosen["release"]] if chosen["release"] else visible
    rows = overview_rows(
        releases=releases,
        assignee_scope=visible,
        kind=chosen["kind"],
        assignee_id=chosen["assignee_id"],
        sort=chosen["sort"],
    )
    export = table_export_response(
        request=request,
        table=overview_export_table(releases=releases, rows=rows),
        filename_stem="release-overview",
    )
    if export is not None:
        return export
    paginator = Paginator(rows, chosen["per_page"])
    # Forgiving like every list (releasemgmt.pagination): not a number shows the first page,
    # out of range the last.
    try:
        page = paginator.page(request.GET.get("page", "1"))
    except PageNotAnInteger:
        page = paginator.page(1)
    except EmptyPage:
        page = paginator.page(paginator.num_pages)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("_export", None)
    sort_query = request.GET.copy()
    for name in ("sort", "page", "_export"):
        sort_query.pop(name, None)
    context = {
        "releases": releases,
        "visible_releases": visible,
        "page": page,
        "row_count": len(rows),
        "kinds": Kind.choices,
        "assignees": assignees,
        "chosen": chosen,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "sorts": _sort_links(chosen["sort"]),
    }
    return render(request, "measurement/overview.html", context)


def _sort_links(current: str) -> dict[str, dict[str, str | None]]:
    """Per sortable column: the sort its header link asks for, and its aria-sort."""
    links = {}
    for name in SORTS:
        if current == name:
            links[name] = {"next": f"-{name}", "aria": "ascending"}
        elif current == f"-{name}":
            links[name] = {"next": name, "aria": "descending"}
        else:
            links[name] = {"next": name, "aria": None}
    return links
