# ruff: noqa: S608 -- SQL built from model table names and fixed fragments; values are bound.
"""Flow metrics read from the items' journal (docs/MEASUREMENT.md defines each one).

Every function is one SQL query over the releases given, whatever the number of journal rows.
Time in state, lead time, moves and the cumulative flow read the stays table
(measurement.models.StateStay: the journal's creations, moves and removals already paired by
LEAD, kept in step as the journal is written), so no page sorts the whole journal; the approval
waits read the journal itself. Aggregates and percentiles run in the database, and only
aggregated rows (per state, per release, per day) come back. Durations are seconds.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection

from approvals.models import Approval
from items.models import ReleaseItem, ReleaseStatus
from journal.models import ChangeKind
from measurement.sql import (
    Spread,
    SpreadsByRelease,
    fetch_rows,
    percentile_select,
    placeholders,
    seconds_between,
    spread_of,
    spreads_by_release,
)
from measurement.stays import STAYS

ITEM_JOURNAL = ReleaseItem.history.model._meta.db_table
STATES = ReleaseStatus._meta.db_table
APPROVAL_JOURNAL = Approval.history.model._meta.db_table


@dataclass
class MoveCounts:
    moves: int = 0
    backward: int = 0
    emergency: int = 0


@dataclass
class FlowMoves:
    """Moves, backward moves (rework) and emergency moves, per release and per state left."""

    by_release: dict[int, MoveCounts] = field(default_factory=dict)
    by_state: dict[int, MoveCounts] = field(default_factory=dict)
    total: MoveCounts = field(default_factory=MoveCounts)


@dataclass
class StateSpreads:
    """Completed stays per state (over all the releases asked about) and per release and
    state."""

    by_state: dict[int, Spread] = field(default_factory=dict)
    by_release: dict[tuple[int, int], Spread] = field(default_factory=dict)


def flow_time_in_state(*, release_ids: Sequence[int], per_release: bool = False) -> StateSpreads:
    """Per state: the completed stays in it (entered, then left by a move or removal) of the
    items of `release_ids`: how many, their median and 85th percentile duration; with
    `per_release`, also per release and state (the same query, UNION ALL: each part reads an
    index of the stays table in its own order)."""
    result = StateSpreads()
    if not release_ids:
        return result
    durations = (
        f"(SELECT project_id AS rel, state_id AS state, seconds AS v FROM {STAYS}"
        f" WHERE seconds IS NOT NULL AND project_id IN ({placeholders(release_ids)})) durations"
    )
    sql = f"SELECT NULL, * FROM ({percentile_select(source=durations, groups=['state'])}) s"
    params = [*release_ids]
    if per_release:
        by_release = percentile_select(source=durations, groups=["rel", "state"])
        sql += f" UNION ALL SELECT * FROM ({by_release}) r"
        params += release_ids
    for rel, state, *rest in fetch_rows(sql, params):
        if rel is None:
            result.by_state[state] = spread_of(rest)
        else:
            result.by_release[(int(rel), state)] = spread_of(rest)
    return result


def flow_lead_times(*, release_ids: Sequence[int]) -> SpreadsByRelease:
    """Lead time of each item (inclusion) of `release_ids` that reached production: from the
    journal row that created it (its first stay) to its first move into a production state."""
    if not release_ids:
        return SpreadsByRelease()
    shipped = "MIN(t.entered_at)"
    ids = placeholders(release_ids)
    values = (
        f"vals AS (SELECT c.project_id AS rel,"
        f" {seconds_between(later=shipped, earlier='c.entered_at')} AS v"
        f" FROM {STAYS} c JOIN {STAYS} t ON t.item_id = c.item_id AND t.moved"
        f" JOIN {STATES} s ON s.id = t.state_id AND s.production"
        f" WHERE NOT c.moved AND c.project_id IN ({ids}) AND t.project_id IN ({ids})"
        " GROUP BY c.item_id, c.project_id, c.entered_at)"
    )
    return spreads_by_release(values, [*release_ids, *release_ids])


def flow_approval_waits(*, release_ids: Sequence[int]) -> SpreadsByRelease:
    """Per vote on an item of `release_ids`: from the item's last entry into the state the vote
    is about leaving (its journal row) to the vote (the approval's first journal row)."""
    if not release_ids:
        return SpreadsByRelease()
    values = (
        "waits AS ("
        " SELECT a.history_id AS vote, h.project_id AS rel, a.history_date AS voted,"
        " MAX(h.history_date) AS waiting_since"
        f" FROM {APPROVAL_JOURNAL} a JOIN {ITEM_JOURNAL} h ON h.id = a.item_id"
        " AND h.status_id = a.from_state_id AND h.history_date <= a.history_date"
        " AND h.change_kind IN (%s, %s)"
        f" WHERE a.history_type = '+' AND h.project_id IN ({placeholders(release_ids)})"
        " GROUP BY a.history_id, h.project_id, a.history_date),"
        f" vals AS (SELECT rel, {seconds_between(later='voted', earlier='waiting_since')} AS v"
        " FROM waits)"
    )
    params = [ChangeKind.CREATED.value, ChangeKind.MOVED.value, *release_ids]
    return spreads_by_release(values, params)


def flow_moves(*, release_ids: Sequence[int]) -> FlowMoves:
    """The moves of the items of `release_ids`: all, backward (to a state earlier in the
    board's order, by position then id: rework) and emergency ones, per release and per state
    they left."""
    result = FlowMoves()
    if not release_ids:
        return result
    backward = "(t.position < f.position OR (t.position = f.position AND t.id < f.id))"
    # Counted per (release, from, to) on the stays' index first; the states join those few.
    sql = (
        "SELECT m.project_id, m.from_state_id, SUM(m.n),"
        f" SUM(CASE WHEN {backward} THEN m.n ELSE 0 END), SUM(m.emergency)"
        " FROM (SELECT project_id, from_state_id, state_id, COUNT(*) AS n,"
        " SUM(CASE WHEN emergency THEN 1 ELSE 0 END) AS emergency"
        f" FROM {STAYS} WHERE moved AND project_id IN ({placeholders(release_ids)})"
        " GROUP BY project_id, from_state_id, state_id) m"
        f" JOIN {STATES} t ON t.id = m.state_id JOIN {STATES} f ON f.id = m.from_state_id"
        " GROUP BY m.project_id, m.from_state_id"
    )
    by_release: dict[int, MoveCounts] = defaultdict(MoveCounts)
    by_state: dict[int, MoveCounts] = defaultdict(MoveCounts)
    rows = fetch_rows(sql, [*release_ids])
    for rel, state, moves, back, emergency in rows:
        for counts in (by_release[rel], by_state[state], result.total):
            counts.moves += int(moves)
            counts.backward += int(back or 0)
            counts.emergency += int(emergency or 0)
    result.by_release, result.by_state = dict(by_release), dict(by_state)
    return result


@dataclass(frozen=True)
class FlowDay:
    """How many items of the release sat in each state at the end of one (UTC) day."""

    day: date
    counts: dict[int, int]


def flow_cumulative(*, release_id: int, until: date | None = None) -> list[FlowDay]:
    """The release's cumulative flow: per day from its first journal row to `until` (None: its
    last journal row's day), the items in each state at the day's end. The database sums each
    day's entries and exits per state (a running SUM over the days); days without a change
    repeat the day before."""
    day = "CAST({} AS DATE)" if connection.vendor == "postgresql" else "date({})"
    # Each day's entries and exits per state, counted apart (each an index range of the
    # release's stays), then summed and run through the days.
    sql = (
        "WITH events AS ("
        f" SELECT state_id AS state, {day.format('entered_at')} AS day, COUNT(*) AS delta"
        f" FROM {STAYS} WHERE project_id = %s GROUP BY state_id, {day.format('entered_at')}"
        f" UNION ALL SELECT state_id, {day.format('left_at')}, -COUNT(*)"
        f" FROM {STAYS} WHERE project_id = %s AND left_at IS NOT NULL"
        f" GROUP BY state_id, {day.format('left_at')})"
        " SELECT day, state, SUM(SUM(delta)) OVER (PARTITION BY state ORDER BY day)"
        " FROM events GROUP BY day, state ORDER BY day"
    )
    params = [release_id, release_id]
    changes: dict[date, dict[int, int]] = defaultdict(dict)
    for raw_day, state, running in fetch_rows(sql, params):
        changes[_as_date(raw_day)][state] = int(running)
    if not changes:
        return []
    days: list[FlowDay] = []
    current: dict[int, int] = {}
    first = min(changes)
    last = max(changes) if until is None else max(until, max(changes))
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        today = date.fromordinal(ordinal)
        current = {**current, **changes.get(today, {})}
        days.append(FlowDay(day=today, counts=current))
    return days


def _as_date(value: date | datetime | str) -> date:
    """SQLite returns the day as text, PostgreSQL as a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)
