"""The changes' journal (items.Change, one change in several releases) is append-only like the
others (see 0001), and indexed like the items' (0004) so an item's journal page, which reads its
change's rows too, stays flat however long that journal grows."""

from django.db import migrations

TABLE = "items_historicalchange"


def forwards(apps, schema_editor):
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS journal_change_keyset ON {TABLE} (id, history_date, history_id)"
    )
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
        "FOR EACH ROW EXECUTE FUNCTION journal_refuse_change()"
    )


def backwards(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS journal_change_keyset")
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS journal_append_only ON {TABLE}")


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0005_account_and_access_journal"),
        ("items", "0010_item_content_on_change"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
