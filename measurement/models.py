"""The stays table: each time an item sat in a state, derived from the items' journal.

Derived data, not the journal: every row follows from the item journal rows that created,
moved or removed an item (measurement/stays.py computes them), kept in step as those rows are
written (measurement/services.py) and rebuilt by `manage.py kpi_rebuild`. So it is not
journal-shaped (no history_id, no history_date), not append-only and not sealed: the journal
it comes from is. The KPI dashboards read it instead of sorting every journal row.
"""

from django.db import models


class StateStay(models.Model):
    """One stay of an item in a state: from the journal row that created the item there or
    moved it there (`entry_row`, that row's history_id) to the item's next such row, a move or
    its removal (`left_at`; NULL while it still sits there).

    Ids are plain numbers, like the journal's: the stays of a removed item stay, ended by its
    removal, as its journal rows do."""

    entry_row = models.BigIntegerField(primary_key=True)
    item_id = models.IntegerField()
    project_id = models.IntegerField()
    state_id = models.IntegerField()
    from_state_id = models.IntegerField(null=True)  # the state a move left; NULL: created
    moved = models.BooleanField()  # entered by a move (else: created in it)
    emergency = models.BooleanField()  # an emergency move (docs/GOVERNANCE.md)
    entered_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True)
    seconds = models.FloatField(null=True)  # left_at - entered_at; NULL while it goes on

    class Meta:
        # Each read of the dashboards scans one of these, never the table (index-only on
        # PostgreSQL): the percentiles read durations already in order.
        indexes = [
            models.Index(fields=["item_id", "entered_at"], name="stay_item"),
            models.Index(fields=["project_id", "state_id", "seconds"], name="stay_release"),
            models.Index(
                fields=["state_id", "seconds", "project_id"],
                name="stay_state_sorted",
                condition=models.Q(seconds__isnull=False),
            ),
            models.Index(
                fields=["project_id", "item_id", "entered_at"],
                name="stay_created",
                condition=models.Q(moved=False),
            ),
            models.Index(
                fields=["project_id", "state_id", "item_id", "entered_at"],
                name="stay_moved_into",
                condition=models.Q(moved=True),
            ),
            models.Index(
                fields=["project_id", "from_state_id", "state_id", "emergency"],
                name="stay_moves",
                condition=models.Q(moved=True),
            ),
        ]

    def __str__(self) -> str:
        return f"item {self.item_id} in state {self.state_id} from {self.entered_at}"
