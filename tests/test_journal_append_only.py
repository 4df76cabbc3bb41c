"""The journal can be added to but never rewritten, even by SQL that bypasses Django."""

import pytest
from django.db import DatabaseError, transaction

from items import engine
from items.models import ReleaseItem


@pytest.fixture
def moved_item(postgres, team):
    item = team.item()
    engine.item_move(
        access=team.access(team.developer),
        item_id=item.pk,
        expected_version=item.version,
        direction="next",
        comment="Ready",
    )
    return item


def test_a_journal_row_cannot_be_updated(moved_item):
    row = ReleaseItem.history.filter(id=moved_item.pk).latest("history_date")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ReleaseItem.history.filter(history_id=row.history_id).update(
            history_change_reason="Nothing to see"
        )
    row.refresh_from_db()
    assert row.history_change_reason == "Ready"


def test_a_journal_row_cannot_be_deleted(moved_item):
    rows = ReleaseItem.history.filter(id=moved_item.pk)
    before = rows.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rows.delete()
    assert rows.count() == before


def test_deleting_a_user_keeps_their_journal_rows(moved_item, team):
    rows = ReleaseItem.history.filter(id=moved_item.pk, history_user=team.developer)
    history_ids = list(rows.values_list("history_id", flat=True))
    ReleaseItem.objects.filter(assignee=team.developer).update(assignee=None)
    team.developer.release_memberships.all().delete()
    team.developer.delete()
    kept = ReleaseItem.history.filter(history_id__in=history_ids)
    assert kept.count() == len(history_ids)
    assert set(kept.values_list("history_user_id", flat=True)) == {None}
