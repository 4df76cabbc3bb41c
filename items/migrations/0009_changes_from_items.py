"""One change, several releases (2 of 3): one change per existing item, with its content and the
history of its content.

Every item the journal knows, live or removed, gets a change whose id is the item's id, holding
the item's latest content; a live item links to it. The items' journal rows keep their content
columns until 0010 drops them, so their content history is carried over first: one change
journal row per content change (the first row, then every row whose kind, title, description or
external reference differs from the row before), with the same date, user, reason and client
address. The append-only trigger refuses UPDATE and DELETE on journal rows; this only INSERTs
into the change journal, and 0010 only drops columns (DDL, which the trigger does not see).

Old item journal rows have no change id (the column is new, and filling it would be an UPDATE):
their change is the one with the item's id — journal.selectors relies on that.

Backwards, the live items get their change's content back; the content history of the item
journal is not restored (its columns come back empty).
"""

from django.db import migrations

CONTENT = ("kind", "title", "description", "external_key", "external_url")
BATCH = 1000


def _content(row) -> tuple:
    return tuple(getattr(row, name) for name in CONTENT)


def forwards(apps, schema_editor):
    Item = apps.get_model("items", "ReleaseItem")
    ItemHistory = apps.get_model("items", "HistoricalReleaseItem")
    Change = apps.get_model("items", "Change")
    ChangeHistory = apps.get_model("items", "HistoricalChange")

    live = {item.pk: item for item in Item.objects.all()}
    changes: dict[int, object] = {}
    updated: dict[int, object] = {}
    journal: list = []
    last: dict[int, tuple] = {}
    latest: dict[int, object] = {}
    rows = ItemHistory.objects.order_by("id", "history_date", "history_id")
    for row in rows.iterator(chunk_size=BATCH):
        latest[row.id] = row
        content = _content(row)
        if row.id in last and (content == last[row.id] or row.history_type == "-"):
            continue  # a move, reorder, priority edit or removal: not about the content
        first = row.id not in last
        last[row.id] = content
        journal.append(
            ChangeHistory(
                id=row.id,
                **dict(zip(CONTENT, content, strict=True)),
                created_by_id=row.created_by_id,
                created_at=row.created_at,
                updated_at=row.updated_at,
                history_date=row.history_date,
                history_user_id=row.history_user_id,
                history_change_reason=row.history_change_reason,
                history_type="+" if first else "~",
                ip_address=row.ip_address,
                change_kind="created" if first else "edited",
            )
        )
    for item_id in sorted(live.keys() | latest.keys()):
        source = live.get(item_id) or latest[item_id]
        updated[item_id] = source.updated_at
        changes[item_id] = Change(
            id=item_id,
            **dict(zip(CONTENT, _content(source), strict=True)),
            created_by_id=source.created_by_id,
            created_at=source.created_at,
            updated_at=source.updated_at,
        )
    Change.objects.bulk_create(changes.values(), batch_size=BATCH)
    ChangeHistory.objects.bulk_create(journal, batch_size=BATCH)
    for item_id in live:
        Item.objects.filter(pk=item_id).update(change_id=item_id)
    for change_id, when in updated.items():
        # bulk_create stamped auto_now: the change was last updated when its item was.
        Change.objects.filter(pk=change_id).update(updated_at=when)
    if changes and schema_editor.connection.vendor == "postgresql":
        # Explicit ids: the next new change must be numbered after them.
        schema_editor.execute(
            "SELECT setval(pg_get_serial_sequence('items_change', 'id'), "
            "(SELECT MAX(id) FROM items_change))"
        )


def backwards(apps, schema_editor):
    Item = apps.get_model("items", "ReleaseItem")
    for item in Item.objects.select_related("change"):
        Item.objects.filter(pk=item.pk).update(
            **{name: getattr(item.change, name) for name in CONTENT}
        )


class Migration(migrations.Migration):
    dependencies = [("items", "0008_change_model")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
