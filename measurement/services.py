# ruff: noqa: S608 -- SQL built from model table names and fixed fragments; values are bound.
"""Writes of the measurement app: keeping the stays table (measurement.models.StateStay) in
step with the items' journal, and rebuilding it from the journal."""

from typing import Any

from django.db import connection, transaction

from measurement.stays import COLUMNS, STATE_KINDS, STAYS, stays_fresh_sql


def stays_refresh_item(*, item_id: int) -> None:
    """Recompute one item's stays from its journal (two queries over its rows, by index).

    Recomputed rather than patched, so a back-dated row landing between two earlier ones
    (an import) splits the right stay, exactly as a fresh computation would."""
    fresh, params = stays_fresh_sql(item_id=item_id)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {STAYS} WHERE item_id = %s", [item_id])
        cursor.execute(f"INSERT INTO {STAYS} ({COLUMNS}) {fresh}", params)


def stays_on_journal_row(sender: Any, history_instance: Any, **kwargs: Any) -> None:
    """An item's journal row was written (post_create_historical_record, connected in
    MeasurementConfig.ready): a creation, move or removal changes its stays, in the same
    transaction as the row."""
    if history_instance.change_kind in STATE_KINDS:
        stays_refresh_item(item_id=history_instance.id)


@transaction.atomic
def stays_rebuild() -> int:
    """Replace the whole stays table by a fresh computation from the journal; returns the
    number of stays. On PostgreSQL the table is locked against writers meanwhile (moves wait;
    readers go on reading the old rows until the commit)."""
    fresh, params = stays_fresh_sql()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {STAYS} IN EXCLUSIVE MODE")
        cursor.execute(f"DELETE FROM {STAYS}")
        cursor.execute(f"INSERT INTO {STAYS} ({COLUMNS}) {fresh}", params)
        return cursor.rowcount
