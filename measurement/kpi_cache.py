# ruff: noqa: S608 -- SQL built from model table names and a queryset's own SQL; values are bound.
"""The KPI dashboards' numbers, kept in Django's cache and exact at every view.

A dashboard's numbers follow only from the journal (and the rows derived from it) and from which
releases the reader may see. So each view first reads, in one cheap query, the journals' high-water
marks (the largest row id of each table the dashboards read: primary keys, an index's last entry)
and the ids of the releases the reader sees. Any new journal row, ticket, vote or stay raises a
mark, so the key changes and the next view recomputes: never stale. Readers who see the same
releases in the same language and time zone share an entry; an entry is never served for another
visible set (the set's digest is in the key), nor in another language (its titles and headers are
words), nor in another zone (its periods and trends group by the reader's local date).
The cache is settings' default (per process unless CACHES says otherwise).
"""

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.utils import timezone, translation

from approvals.models import Approval
from helpdesk.models import Ticket
from items.models import ReleaseItem, ReleaseStatus
from measurement.dashboards import Dashboard, kpi_dashboard_installation, kpi_dashboard_release
from measurement.filters import KpiFilters
from measurement.models import StateStay
from measurement.sql import fetch_rows
from projects.models import ReleaseProject
from projects.selectors import projects_visible_to, user_sees_every_release

# What the dashboards read: each table's largest id moves with every row written to it.
MARKED = (
    (ReleaseItem.history.model._meta.db_table, "history_id"),  # moves, items added, removed
    (ReleaseProject.history.model._meta.db_table, "history_id"),  # go-lives, lifecycle, names
    (Ticket.history.model._meta.db_table, "history_id"),  # tickets opened, resolved, linked
    (Approval.history.model._meta.db_table, "history_id"),  # approval votes
    (ReleaseStatus.history.model._meta.db_table, "history_id"),  # the workflow's states
    (StateStay._meta.db_table, "entry_row"),  # the stays (kpi_rebuild rewrites them)
)
PROJECTS = ReleaseProject._meta.db_table
# Bump when the Dashboard's shape changes, so a running process never serves an old shape.
VERSION = 2
TIMEOUT = 3600


@dataclass(frozen=True)
class KpiReading:
    """The journals' high-water marks and the reader's visible releases (None: all)."""

    marks: tuple[int, ...]
    visible_ids: tuple[int, ...] | None

    @property
    def journal_row(self) -> int:
        """The items' journal's last row: what the page says it counted up to."""
        return self.marks[0]

    def key(self, *, kind: str, filters: KpiFilters, scope: str = "") -> str:
        if self.visible_ids is None:
            seen = "all"
        else:
            seen = hashlib.sha256(",".join(map(str, self.visible_ids)).encode()).hexdigest()
        period = filters.period.label if filters.period else ""
        # Today in the key: the trends and an open release's flow run to today.
        parts = [
            f"v{VERSION}",
            kind,
            scope,
            period,
            filters.by,
            str(filters.window_days),
            seen,
            *map(str, self.marks),
            timezone.localdate().isoformat(),
            # The dashboards group by the reader's local date: one entry per zone.
            timezone.get_current_timezone_name(),
            translation.get_language() or "",
        ]
        return "kpis:" + hashlib.sha256("|".join(parts).encode()).hexdigest()


def kpi_reading(*, user: AbstractBaseUser | None) -> KpiReading:
    """The marks, and (for a `user` who does not see every release) the ids they see, in one
    query; `user` None: the marks only (a release's own dashboard, its access checked)."""
    marks = ", ".join(f"(SELECT MAX({column}) FROM {table})" for table, column in MARKED)
    if user is None or user_sees_every_release(user=user):
        (row,) = fetch_rows(f"SELECT {marks}", [])
        return KpiReading(marks=tuple(v or 0 for v in row), visible_ids=None)
    visible, params = projects_visible_to(user=user).values("pk").query.sql_with_params()
    # A row per visible release (one with NULL when none), the marks repeated on each.
    rows = fetch_rows(
        f"SELECT {marks}, v.id FROM (SELECT 1 AS one) m LEFT JOIN"
        f" (SELECT p.id FROM {PROJECTS} p WHERE p.id IN ({visible})) v ON 1 = 1",
        list(params),
    )
    count = len(MARKED)
    ids = sorted(row[count] for row in rows if row[count] is not None)
    return KpiReading(marks=tuple(v or 0 for v in rows[0][:count]), visible_ids=tuple(ids))


@dataclass(frozen=True)
class CachedDashboard:
    dashboard: Dashboard
    computed_at: dt.datetime  # shown in each reader's own time zone
    journal_row: int


def kpi_dashboard_cached(
    *, key: str, reading: KpiReading, compute: Callable[[], Dashboard]
) -> CachedDashboard:
    """The entry under `key`, computed by `compute` on a miss."""
    entry = cache.get(key)
    if entry is None:
        entry = CachedDashboard(
            dashboard=compute(),
            computed_at=timezone.now(),
            journal_row=reading.journal_row,
        )
        cache.set(key, entry, TIMEOUT)
    return entry


def kpi_dashboard_installation_cached(
    *, user: AbstractBaseUser, filters: KpiFilters
) -> CachedDashboard:
    """The installation-wide dashboard, from the cache while no journal has grown."""
    reading = kpi_reading(user=user)
    return kpi_dashboard_cached(
        key=reading.key(kind="installation", filters=filters),
        reading=reading,
        compute=lambda: kpi_dashboard_installation(user=user, filters=filters),
    )


def kpi_dashboard_release_cached(
    *, user: AbstractBaseUser, project: ReleaseProject, filters: KpiFilters
) -> CachedDashboard:
    """One release's dashboard, from the cache while no journal has grown; the caller has
    checked the user's access to `project` (its numbers do not depend on who reads them)."""
    reading = kpi_reading(user=None)
    return kpi_dashboard_cached(
        key=reading.key(kind="release", filters=filters, scope=str(project.pk)),
        reading=reading,
        compute=lambda: kpi_dashboard_release(user=user, project=project, filters=filters),
    )
