"""The release overview and the KPI dashboards: thin views over the measurement selectors."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_GET

from items.models import Kind
from measurement.dashboards import Dashboard
from measurement.filters import (
    WINDOW_MAX,
    OverviewInputError,
    kpi_export_table_parse,
    kpi_filters_parse,
    overview_filters_parse,
    overview_sort_links,
)
from measurement.kpi_cache import kpi_dashboard_installation_cached, kpi_dashboard_release_cached
from measurement.periods import GRAINS
from measurement.selectors import (
    overview_assignees,
    overview_changes,
    overview_releases,
    overview_rows,
)
from measurement.tables import kpi_export_table, overview_export_table
from projects.access import project_access
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
    changes = overview_changes(
        releases=releases,
        assignee_scope=visible,
        kind=chosen.kind,
        assignee_id=chosen.assignee_id,
        sort=chosen.sort,
    )
    if EXPORT_PARAMETER in request.GET:
        # Every row matching the filters, not one page.
        rows = overview_rows(releases=releases, changes=changes, sort=chosen.sort)
        return table_export_response(
            request=request,
            table=overview_export_table(releases=releases, rows=rows),
            filename_stem="release-overview",
        )
    # Forgiving like every list: not a number shows the first page, out of range the last.
    # The paginator counts the changes in SQL; only the page's slice of them is loaded.
    page = Paginator(changes, chosen.per_page).get_page(request.GET.get("page"))
    rows = overview_rows(releases=releases, changes=page.object_list, sort=chosen.sort)
    query = request.GET.copy()
    for name in RESET_BY_LINKS:
        query.pop(name, None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    context = {
        "releases": releases,
        "visible_releases": visible,
        "page": page,
        "rows": rows,
        "row_count": page.paginator.count,
        "kinds": Kind.choices,
        "assignees": assignees,
        "chosen": chosen,
        "query": query.urlencode(),
        "sort_query": sort_query.urlencode(),
        "sorts": overview_sort_links(current=chosen.sort),
    }
    return render(request, "measurement/overview.html", context)


# --- The KPI dashboards ------------------------------------------------------------------------


def _kpi_export(request: HttpRequest, dashboard: Dashboard, stem: str) -> HttpResponse:
    """The CSV (or XLSX) of the dashboard table `table` names, through the one export path."""
    names = [table.name for table in dashboard.all_tables]
    try:
        name = kpi_export_table_parse(params=request.GET, names=names)
    except OverviewInputError as error:
        return render(request, "400.html", {"message": str(error)}, status=400)
    return table_export_response(
        request=request,
        table=kpi_export_table(table=dashboard.table(name)),
        filename_stem=f"{stem}-{name}",
    )


def _query_without_export(request: HttpRequest) -> str:
    query = request.GET.copy()
    for name in (EXPORT_PARAMETER, "table"):
        query.pop(name, None)
    return query.urlencode()


@require_GET
def kpi_page(request: HttpRequest) -> HttpResponse:
    """The installation-wide KPI dashboard, over the releases the user may see."""
    try:
        chosen = kpi_filters_parse(params=request.GET)
    except OverviewInputError as error:
        return render(request, "400.html", {"message": str(error)}, status=400)
    if EXPORT_PARAMETER in request.GET:
        with translation.override("en"):  # an export's headers are English: machines read them
            cached = kpi_dashboard_installation_cached(user=request.user, filters=chosen)
            return _kpi_export(request, cached.dashboard, "kpis")
    cached = kpi_dashboard_installation_cached(user=request.user, filters=chosen)
    dashboard = cached.dashboard
    context = {
        "dashboard": dashboard,
        "computed": cached,
        "chosen": chosen,
        "grains": GRAINS,
        "query": _query_without_export(request),
        "window_max": WINDOW_MAX,
    }
    return render(request, "measurement/kpis.html", context)


@require_GET
def release_kpi_page(request: HttpRequest, code: str) -> HttpResponse:
    """One release's KPI dashboard (outsiders 404, through projects.access)."""
    access = project_access(user=request.user, code=code)
    try:
        chosen = kpi_filters_parse(params=request.GET)
    except OverviewInputError as error:
        return render(request, "400.html", {"message": str(error)}, status=400)
    project = access.project
    if EXPORT_PARAMETER in request.GET:
        with translation.override("en"):  # an export's headers are English: machines read them
            cached = kpi_dashboard_release_cached(
                user=request.user, project=project, filters=chosen
            )
            return _kpi_export(request, cached.dashboard, f"kpis-{project.code}")
    cached = kpi_dashboard_release_cached(user=request.user, project=project, filters=chosen)
    dashboard = cached.dashboard
    context = {
        "project": project,
        "access": access,
        "dashboard": dashboard,
        "computed": cached,
        "chosen": chosen,
        "query": _query_without_export(request),
        "window_max": WINDOW_MAX,
    }
    return render(request, "measurement/release_kpis.html", context)
