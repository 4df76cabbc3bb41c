# ruff: noqa: S608 -- SQL built from model table names and fixed fragments; values are bound.
"""What the stays table (measurement.models.StateStay) must hold, computed afresh from the
items' journal, and how far the table is from it.

A stay runs from an item's journal row of kind created or moved to its next row of kind
created, moved or removed, ordered by (history_date, history_id): LEAD over each item's rows,
the definition docs/MEASUREMENT.md gives for time in a state. The same SELECT fills one item's
stays as its journal grows (measurement.services), the whole table in `kpi_rebuild`, and the
migration that created it; it runs unchanged on PostgreSQL and SQLite.
"""

from dataclasses import dataclass

from django.db import connection

from items.models import ReleaseItem
from journal.models import ChangeKind
from measurement.models import StateStay
from measurement.sql import seconds_between

ITEM_JOURNAL = ReleaseItem.history.model._meta.db_table
STAYS = StateStay._meta.db_table
COLUMNS = (
    "entry_row, item_id, project_id, state_id, from_state_id, moved, emergency, entered_at,"
    " left_at, seconds"
)
# The journal rows that put an item into a state or take it out of the release.
STATE_KINDS = frozenset({ChangeKind.CREATED, ChangeKind.MOVED, ChangeKind.REMOVED})


def stays_fresh_sql(*, item_id: int | None = None) -> tuple[str, list[object]]:
    """A SELECT of the stays the journal says now, in the order of COLUMNS, with its
    parameters: every item's, or those of the item `item_id`."""
    where = "" if item_id is None else " AND h.id = %s"
    seconds = seconds_between(later="left_at", earlier="history_date")
    sql = (
        "SELECT history_id, id, project_id, status_id, from_status_id, change_kind = %s,"
        f" emergency, history_date, left_at, {seconds} FROM ("
        " SELECT h.history_id, h.id, h.project_id, h.status_id, h.from_status_id,"
        " h.change_kind, h.emergency, h.history_date,"
        " LEAD(h.history_date) OVER (PARTITION BY h.id ORDER BY h.history_date, h.history_id)"
        " AS left_at"
        f" FROM {ITEM_JOURNAL} h WHERE h.change_kind IN (%s, %s, %s){where}) state_rows"
        " WHERE change_kind <> %s"
    )
    kinds = [ChangeKind.CREATED.value, ChangeKind.MOVED.value, ChangeKind.REMOVED.value]
    item = [] if item_id is None else [item_id]
    return sql, [ChangeKind.MOVED.value, *kinds, *item, ChangeKind.REMOVED.value]


@dataclass(frozen=True)
class StaysDifference:
    """Stays the journal says that the table lacks (or holds otherwise), and rows of the table
    the journal does not say."""

    missing: int
    extra: int

    @property
    def none(self) -> bool:
        return not self.missing and not self.extra


def stays_difference() -> StaysDifference:
    """Compare the stays table with a fresh computation from the journal, column by column, in
    one query (EXCEPT both ways)."""
    fresh, params = stays_fresh_sql()
    table = f"SELECT {COLUMNS} FROM {STAYS}"
    sql = (
        f"WITH fresh AS ({fresh}) SELECT"
        f" (SELECT COUNT(*) FROM (SELECT * FROM fresh EXCEPT {table}) missing),"
        f" (SELECT COUNT(*) FROM ({table} EXCEPT SELECT * FROM fresh) extra)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        missing, extra = cursor.fetchone()
    return StaysDifference(missing=int(missing), extra=int(extra))
