"""Reads for the release overview: changes as rows, open releases as columns (]po['s cross-tab).

Three queries whatever the number of releases and changes: the visible open releases (with
their schedules), the inclusions of changes in them (with change and state), and the people
the assignee filter offers. The pivot into rows and cells happens here, in Python.
"""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from items.models import Kind, ReleaseItem, change_key
from projects.models import Lifecycle, ReleaseProject
from projects.selectors import projects_visible_to

# Releases whose changes are still moving; released, closed and cancelled ones are history.
OPEN_LIFECYCLES = (Lifecycle.PLANNING, Lifecycle.IN_PROGRESS)
SORTS = {"change": "change", "title": "title", "kind": "kind"}


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


def overview_rows(
    *,
    releases: list[OverviewRelease],
    assignee_scope: list[OverviewRelease],
    kind: str = "",
    assignee_id: int | None = None,
    sort: str = "change",
) -> list[OverviewRow]:
    """One row per change included in at least one of `releases`, a cell per release.

    `assignee_id` keeps the changes whose inclusion in any release of `assignee_scope` (the
    visible open releases) is assigned to that person; `sort` is a key of SORTS, "-" for
    descending."""
    if not releases:
        return []
    inclusions = ReleaseItem.objects.filter(project_id__in=[r.id for r in releases])
    if kind:
        inclusions = inclusions.filter(change__kind=kind)
    if assignee_id is not None:
        inclusions = inclusions.filter(
            change_id__in=ReleaseItem.objects.filter(
                project_id__in=[r.id for r in assignee_scope], assignee_id=assignee_id
            ).values("change_id")
        )
    inclusions = inclusions.select_related("change", "status").only(
        "id", "number", "project_id", "change__id", "change__title", "change__kind", "status__name"
    )
    column = {release.id: index for index, release in enumerate(releases)}
    codes = {release.id: release.code for release in releases}
    kinds = dict(Kind.choices)
    rows: dict[int, OverviewRow] = {}
    for item in inclusions.order_by():
        row = rows.get(item.change_id)
        if row is None:
            change = item.change
            row = rows[item.change_id] = OverviewRow(
                change_id=change.pk,
                key=change_key(change.pk),
                title=change.title,
                kind=change.kind,
                kind_label=kinds.get(change.kind, change.kind),
                cells=[None] * len(releases),
            )
        code = codes[item.project_id]
        row.cells[column[item.project_id]] = OverviewCell(
            key=f"{code}-{item.number}",
            state=item.status.name,
            url=reverse("items:detail", kwargs={"code": code, "number": item.number}),
        )
    descending = sort.startswith("-")
    field = SORTS[sort.removeprefix("-")]
    if field == "title":
        key = lambda row: (row.title.casefold(), row.change_id)  # noqa: E731
    elif field == "kind":
        key = lambda row: (row.kind_label, row.change_id)  # noqa: E731
    else:
        key = lambda row: row.change_id  # noqa: E731
    return sorted(rows.values(), key=key, reverse=descending)
