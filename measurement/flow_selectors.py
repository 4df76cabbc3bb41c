# ruff: noqa: S608 -- SQL built from model table names and fixed fragments; values are bound.
"""Flow metrics read from the items' journal (docs/MEASUREMENT.md defines each one).

Every function is one SQL query over the journal of the releases given, whatever the number of
journal rows: window functions (LEAD over each item's moves) and aggregates run in the database,
and only aggregated rows (per state, per release, per day) come back. Durations are seconds.
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

ITEM_JOURNAL = ReleaseItem.history.model._meta.db_table
STATES = ReleaseStatus._meta.db_table
APPROVAL_JOURNAL = Approval.history.model._meta.db_table
# The journal rows that put an item into a state (or take it out of the release).
STATE_ROWS = (ChangeKind.CREATED.value, ChangeKind.MOVED.value, ChangeKind.REMOVED.value)


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


def _stays_cte(release_ids: Sequence[int]) -> tuple[str, list[object]]:
    """`stays(item, rel, state, entered, left_at)`: each time an item sat in a state, from the
    journal row that put it there to the next one (a move or its removal) by LEAD; left_at is
    NULL while it still sits there."""
    sql = (
        "moves AS ("
        " SELECT h.id AS item, h.project_id AS rel, h.status_id AS state,"
        " h.change_kind AS kind, h.history_date AS entered,"
        " LEAD(h.history_date) OVER (PARTITION BY h.id ORDER BY h.history_date, h.history_id)"
        " AS left_at"
        f" FROM {ITEM_JOURNAL} h"
        f" WHERE h.project_id IN ({placeholders(release_ids)})"
        f" AND h.change_kind IN ({placeholders(STATE_ROWS)})),"
        " stays AS (SELECT item, rel, state, entered, left_at FROM moves WHERE kind <> %s)"
    )
    return sql, [*release_ids, *STATE_ROWS, ChangeKind.REMOVED.value]


@dataclass
class StateSpreads:
    """Completed stays per state (over all the releases asked about) and per release and
    state."""

    by_state: dict[int, Spread] = field(default_factory=dict)
    by_release: dict[tuple[int, int], Spread] = field(default_factory=dict)


def flow_time_in_state(*, release_ids: Sequence[int], per_release: bool = False) -> StateSpreads:
    """Per state: the completed stays in it (entered, then left by a move or removal) of the
    items of `release_ids`: how many, their median and 85th percentile duration; with
    `per_release`, also per release and state (the same query: UNION ALL over one scan)."""
    result = StateSpreads()
    if not release_ids:
        return result
    stays, params = _stays_cte(release_ids)
    durations = (
        "durations AS (SELECT rel, state,"
        f" {seconds_between(later='left_at', earlier='entered')} AS v"
        " FROM stays WHERE left_at IS NOT NULL)"
    )
    sql = (
        f"WITH {stays}, {durations}"
        f" SELECT NULL, * FROM ({percentile_select(source='durations', groups=['state'])}) s"
    )
    if per_release:
        by_release = percentile_select(source="durations", groups=["rel", "state"])
        sql += f" UNION ALL SELECT * FROM ({by_release}) r"
    for rel, state, *rest in fetch_rows(sql, params):
        if rel is None:
            result.by_state[state] = spread_of(rest)
        else:
            result.by_release[(int(rel), state)] = spread_of(rest)
    return result


def flow_lead_times(*, release_ids: Sequence[int]) -> SpreadsByRelease:
    """Lead time of each item (inclusion) of `release_ids` that reached production: from its
    first journal row (created) to its first move into a production state."""
    if not release_ids:
        return SpreadsByRelease()
    values = (
        "firsts AS ("
        " SELECT h.id AS item, h.project_id AS rel, MIN(h.history_date) AS created,"
        " MIN(CASE WHEN h.change_kind = %s AND s.production THEN h.history_date END) AS shipped"
        f" FROM {ITEM_JOURNAL} h JOIN {STATES} s ON s.id = h.status_id"
        f" WHERE h.project_id IN ({placeholders(release_ids)}) GROUP BY h.id, h.project_id),"
        f" vals AS (SELECT rel, {seconds_between(later='shipped', earlier='created')} AS v"
        " FROM firsts WHERE shipped IS NOT NULL)"
    )
    return spreads_by_release(values, [ChangeKind.MOVED.value, *release_ids])


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
    sql = (
        "SELECT h.project_id, h.from_status_id, COUNT(*),"
        f" SUM(CASE WHEN {backward} THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN h.emergency THEN 1 ELSE 0 END)"
        f" FROM {ITEM_JOURNAL} h JOIN {STATES} t ON t.id = h.status_id"
        f" JOIN {STATES} f ON f.id = h.from_status_id"
        f" WHERE h.change_kind = %s AND h.project_id IN ({placeholders(release_ids)})"
        " GROUP BY h.project_id, h.from_status_id"
    )
    by_release: dict[int, MoveCounts] = defaultdict(MoveCounts)
    by_state: dict[int, MoveCounts] = defaultdict(MoveCounts)
    rows = fetch_rows(sql, [ChangeKind.MOVED.value, *release_ids])
    for rel, state, moves, back, emergency in rows:
        for counts in (by_release[rel], by_state[state], result.total):
            counts.moves += moves
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
    stays, params = _stays_cte([release_id])
    day = "CAST({} AS DATE)" if connection.vendor == "postgresql" else "date({})"
    sql = (
        f"WITH {stays}, events AS ("
        f" SELECT state, {day.format('entered')} AS day, 1 AS delta FROM stays"
        f" UNION ALL SELECT state, {day.format('left_at')}, -1 FROM stays"
        " WHERE left_at IS NOT NULL)"
        " SELECT day, state, SUM(SUM(delta)) OVER (PARTITION BY state ORDER BY day)"
        " FROM events GROUP BY day, state ORDER BY day"
    )
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
