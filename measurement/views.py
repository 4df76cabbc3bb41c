"""The release overview page: a thin view over measurement.selectors and measurement.filters."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from items.models import Kind
from measurement.filters import OverviewInputError, overview_filters_parse, overview_sort_links
from measurement.selectors import overview_assignees, overview_releases, overview_rows
from measurement.tables import overview_export_table
from releasemgmt.exports import EXPORT_PARAMETER, table_export_response

# Not carried over by the page and sort links.
RESET_BY_LINKS = ("page", EXPORT_PARAMETER)


@require_GET
def overview_page(request: HttpRequest) -> HttpResponse:
    visible = overview_releases(user=request.user)
    assignees = list(overview_assignees(releases=visible)) if visible else []
    try:
        chosen = overview_filters_parse(
            params=request.GET, releases=visible, assignee_ids={user.pk for user in assignees}
        )
    except OverviewInputError as error:
        return render(request, "400.html", {"message": str(error)}, status=400)
    releases = [r for r in visible if r.code == chosen.release] if chosen.release else visible
    rows = overview_rows(
        releases=releases,
        assignee_scope=visible,
        kind=chosen.kind,
        assignee_id=chosen.assignee_id,
        sort=chosen.sort,
    )
    export = table_export_response(
        request=request,
        table=overview_export_table(releases=releases, rows=rows),
        filename_stem="release-overview",
    )
    if export is not None:
        return export
    # Forgiving like every list: not a number shows the first page, out of range the last.
    page = Paginator(rows, chosen.per_page).get_page(request.GET.get("page"))
    query = request.GET.copy()
    for name in RESET_BY_LINKS:
        query.pop(name, None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
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
        "sorts": overview_sort_links(current=chosen.sort),
    }
    return render(request, "measurement/overview.html", context)
