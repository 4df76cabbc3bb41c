# ruff: noqa: S608 -- SQL built from model table names and fixed fragments; values are bound.
"""The four process KPIs and the DORA measures, per release (docs/MEASUREMENT.md defines each).

One query reads every visible release with its go-live, its change items, the help-desk tickets
it caused within the window after go-live and those it fixed; one more the restore times of the
incidents it caused. Counting, grouping and percentiles run in the database.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils.dateparse import parse_datetime

from helpdesk.models import Ticket, TicketKind
from items.models import ReleaseItem
from measurement.sql import (
    SpreadsByRelease,
    fetch_rows,
    placeholders,
    seconds_between,
    spreads_by_release,
)
from projects.models import Lifecycle, ReleaseProject
from projects.selectors import projects_visible_to, user_sees_every_release

DAY = 86400
WINDOW_DEFAULT = 30
EARLIEST = datetime.min.replace(tzinfo=UTC)
PROJECTS = ReleaseProject._meta.db_table
PROJECT_JOURNAL = ReleaseProject.history.model._meta.db_table
ITEMS = ReleaseItem._meta.db_table
TICKETS = Ticket._meta.db_table


@dataclass(frozen=True)
class ReleaseKpis:
    """One release and its KPIs; the ticket counts are None before it went live."""

    id: int
    code: str
    name: str
    lifecycle: str
    went_live: datetime | None
    items: int
    caused: int | None
    caused_incidents: int | None
    fixed: int

    @property
    def ratio(self) -> float | None:
        """New versus fixed: tickets caused / tickets fixed; None (not defined) when it fixed
        none or has not gone live."""
        if self.caused is None or not self.fixed:
            return None
        return self.caused / self.fixed


def _go_live_sql() -> str:
    """Per release, the first journal row where its lifecycle is "released"."""
    return (
        f"SELECT id AS rel, MIN(history_date) AS live FROM {PROJECT_JOURNAL}"
        " WHERE lifecycle = %s GROUP BY id"
    )


def _in_window(at: str) -> str:
    """SQL: `at` falls in [go-live, go-live + window); the window (seconds) is its parameter."""
    after = seconds_between(later=at, earlier="g.live")
    return f"{after} >= 0 AND {after} < %s"


def kpi_releases(
    *, user: AbstractBaseUser, window_days: int, release_id: int | None = None
) -> list[ReleaseKpis]:
    """Every release the user may see (projects.selectors.projects_visible_to) with its KPIs, in one
    query, by go-live (not yet live last), then code. `release_id`: only that release, whose
    access the caller has checked (projects.access)."""
    window = window_days * DAY
    tickets_caused = (
        f"(SELECT COUNT(*) FROM {TICKETS} t WHERE t.caused_by_release_id = p.id"
        f" AND g.live IS NOT NULL AND {_in_window('t.opened_at')}{{kind}})"
    )
    sql = (
        "SELECT p.id, p.code, p.name, p.lifecycle, g.live,"
        f" (SELECT COUNT(*) FROM {ITEMS} i WHERE i.project_id = p.id),"
        f" {tickets_caused.format(kind='')},"
        f" {tickets_caused.format(kind=' AND t.kind = %s')},"
        f" (SELECT COUNT(*) FROM {TICKETS} t WHERE t.fixed_by_change_id IN"
        f" (SELECT i.change_id FROM {ITEMS} i WHERE i.project_id = p.id))"
        f" FROM {PROJECTS} p LEFT JOIN ({_go_live_sql()}) g ON g.rel = p.id"
    )
    # In the order of the text: the columns' windows and kind, then the go-live's stage.
    params: list[object] = [window, window, TicketKind.INCIDENT.value, Lifecycle.RELEASED.value]
    if release_id is not None:
        sql += " WHERE p.id = %s"
        params.append(release_id)
    elif not user_sees_every_release(user=user):
        # The one rule of who sees which release (projects.selectors), as a subquery.
        visible, visible_params = (
            projects_visible_to(user=user).values("pk").query.sql_with_params()
        )
        sql += f" WHERE p.id IN ({visible})"
        params.extend(visible_params)
    releases = [
        ReleaseKpis(
            id=row[0],
            code=row[1],
            name=row[2],
            lifecycle=row[3],
            went_live=_as_datetime(row[4]),
            items=row[5],
            caused=row[6] if row[4] is not None else None,
            caused_incidents=row[7] if row[4] is not None else None,
            fixed=row[8],
        )
        for row in fetch_rows(sql, params)
    ]
    releases.sort(key=lambda r: (r.went_live is None, r.went_live or EARLIEST, r.code))
    return releases


def kpi_restore_times(*, release_ids: Sequence[int], window_days: int) -> SpreadsByRelease:
    """Time to restore: from opening to resolution of each resolved incident a release of
    `release_ids` caused (opened within the window after its go-live)."""
    if not release_ids:
        return SpreadsByRelease()
    values = (
        f"g AS ({_go_live_sql()}),"
        f" vals AS (SELECT t.caused_by_release_id AS rel,"
        f" {seconds_between(later='t.resolved_at', earlier='t.opened_at')} AS v"
        f" FROM {TICKETS} t JOIN g ON g.rel = t.caused_by_release_id"
        f" WHERE t.caused_by_release_id IN ({placeholders(release_ids)}) AND t.kind = %s"
        f" AND t.resolved_at IS NOT NULL AND {_in_window('t.opened_at')})"
    )
    params = [Lifecycle.RELEASED.value, *release_ids, TicketKind.INCIDENT.value]
    params.append(window_days * DAY)
    return spreads_by_release(values, params)


def _as_datetime(value: datetime | str | None) -> datetime | None:
    """SQLite returns a raw aggregate's datetime as text (UTC)."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = parse_datetime(value)
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
