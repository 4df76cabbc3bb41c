"""Reads for the release overview: changes as rows, open releases as columns (]po['s cross-tab).

Four queries whatever the number of releases and changes: the visible open releases (with
their schedules), the people the assignee filter offers, the number of changes matching the
filters, and the inclusions of one page of those changes (paged and sorted in SQL) with change
and state. Only that page is pivoted into rows and cells, here, in Python.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, F, OrderBy, QuerySet, Value, When
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from items.models import Change, Kind, ReleaseItem, change_key
from projects.models import Lifecycle, ReleaseProject
from projects.selectors import projects_visible_to

# Releases whose changes are still moving; released, closed and cancelled ones are history.
OPEN_LIFECYCLES = (Lifecycle.PLANNING, Lifecycle.IN_PROGRESS)
SORTS = {"change": "change", "title": "title", "kind": "kind"}
# Any valid item number: the cell URLs are this reversed URL with the number swapped in.
URL_NUMBER = 987654321


@dataclass(frozen=True)
class OverviewRelease:
    """A column: an open release, headed by its planned release date and code."""

    id: int
    code: str
    name: str
    planned: date | None
    url: str

    @property
    def label(self) -> str:
        return f"{self.code} ({self.planned.isoformat() if self.planned else 'no date'})"


@dataclass(frozen=True)
class OverviewCell:
    """A change's inclusion in one release: its key there and its state."""

    key: str
    state: str
    url: str


@dataclass
class OverviewRow:
    change_id: int
    key: str
    title: str
    kind: str
    kind_label: str
    cells: list[OverviewCell | None]


def release_planned_date(*, project: ReleaseProject) -> date | None:
    """When the release is planned to go live: the schedule's go-live window start if it is
    planned (the finer plan), else the project's planned release date."""
    schedule = getattr(project, "schedule", None)
    if schedule is not None and schedule.go_live_start is not None:
        return timezone.localdate(schedule.go_live_start)
    return project.planned_release_date


def overview_releases(*, user: AbstractBaseUser) -> list[OverviewRelease]:
    """The open releases the user may see, by planned date (undated last), then code."""
    projects = projects_visible_to(user=user).filter(lifecycle__in=OPEN_LIFECYCLES)
    projects = projects.select_related("schedule")
    releases = [
        OverviewRelease(
            id=project.pk,
            code=project.code,
            name=project.name,
            planned=release_planned_date(project=project),
            url=reverse("projects:detail", kwargs={"code": project.code}),
        )
        for project in projects.only(
            "id", "code", "name", "planned_release_date", "schedule__go_live_start"
        )
    ]
    releases.sort(key=lambda r: (r.planned is None, r.planned or date.min, r.code))
    return releases


def overview_assignees(*, releases: list[OverviewRelease]) -> QuerySet:
    """Whom the assignee filter offers: the members of the releases shown."""
    return (
        get_user_model()
        .objects.filter(release_memberships__project_id__in=[r.id for r in releases])
        .distinct()
        .order_by("username")
        .only("id", "username", "first_name", "last_name")
    )


def _sort_order(sort: str, *, via: str = "") -> list[OrderBy]:
    """The SQL order of the rows for `sort` (a key of SORTS, "-" for descending), on the change
    reached through `via` ("" from Change itself, "change__" from an inclusion): ties broken by
    the change id, so a page is the same slice whichever query reads it."""
    descending = sort.startswith("-")
    field = SORTS[sort.removeprefix("-")]
    keys: list = []
    if field == "title":
        keys.append(Lower(f"{via}title"))
    elif field == "kind":
        # By the label shown, not the stored value.
        labels = [
            When(**{f"{via}kind": value}, then=Value(str(label))) for value, label in Kind.choices
        ]
        keys.append(Case(*labels, default=F(f"{via}kind")))
    keys.append(F(f"{via}id"))
    return [key.desc() if descending else key.asc() for key in keys]


def overview_changes(
    *,
    releases: list[OverviewRelease],
    assignee_scope: list[OverviewRelease],
    kind: str = "",
    assignee_id: int | None = None,
    sort: str = "change",
) -> QuerySet:
    """The ids of the changes shown as rows, filtered and sorted in SQL: the ones included in at
    least one of `releases`. A page of rows is a slice of it (LIMIT/OFFSET), its count the row
    count.

    `assignee_id` keeps the changes whose inclusion in any release of `assignee_scope` (the
    visible open releases) is assigned to that person; `sort` is a key of SORTS, "-" for
    descending."""
    if not releases:
        return Change.objects.none().values_list("id", flat=True)
    changes = Change.objects.filter(
        id__in=ReleaseItem.objects.filter(project_id__in=[r.id for r in releases]).values(
            "change_id"
        )
    )
    if kind:
        changes = changes.filter(kind=kind)
    if assignee_id is not None:
        changes = changes.filter(
            id__in=ReleaseItem.objects.filter(
                project_id__in=[r.id for r in assignee_scope], assignee_id=assignee_id
            ).values("change_id")
        )
    return changes.order_by(*_sort_order(sort)).values_list("id", flat=True)


def _item_url_parts(code: str) -> tuple[str, str]:
    """The item page's URL in release `code` around its number, reversed once per column."""
    url = reverse("items:detail", kwargs={"code": code, "number": URL_NUMBER})
    head, _, tail = url.rpartition(str(URL_NUMBER))
    return head, tail


def overview_rows(
    *, releases: list[OverviewRelease], changes: QuerySet, sort: str = "change"
) -> list[OverviewRow]:
    """The rows of `changes` (overview_changes, or a page of it) in its order, a cell per release.

    One query: the inclusions of those changes in `releases` with their change and state, as
    plain values, sorted like `changes` (the same `sort`)."""
    if not releases:
        return []
    inclusions = (
        ReleaseItem.objects.filter(project_id__in=[r.id for r in releases], change_id__in=changes)
        .order_by(*_sort_order(sort, via="change__"))
        .values_list(
            "change_id", "project_id", "number", "change__title", "change__kind", "status__name"
        )
    )
    column = {release.id: index for index, release in enumerate(releases)}
    codes = {release.id: release.code for release in releases}
    urls = {release.id: _item_url_parts(release.code) for release in releases}
    kinds = dict(Kind.choices)
    width = len(releases)
    rows: list[OverviewRow] = []
    row = None
    for change_id, project_id, number, title, kind, state in inclusions:
        if row is None or row.change_id != change_id:
            row = OverviewRow(
                change_id=change_id,
                key=change_key(change_id),
                title=title,
                kind=kind,
                kind_label=kinds.get(kind, kind),
                cells=[None] * width,
            )
            rows.append(row)
        head, tail = urls[project_id]
        row.cells[column[project_id]] = OverviewCell(
            key=f"{codes[project_id]}-{number}", state=state, url=f"{head}{number}{tail}"
        )
    return rows
