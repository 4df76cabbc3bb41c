"""The journal's append-only trigger, for any app's journal tables.

Migration journal/0001 creates `journal_refuse_change()`; a migration that adds journal tables
puts them under it with `append_only("app_historicalthing", ...)` among its operations.
PostgreSQL only: SQLite has no such protection (docs/EVIDENCE.md).
"""

from django.db import migrations


def append_only(*tables: str) -> migrations.RunPython:
    """An operation that makes `tables` refuse UPDATE and DELETE (and undoes it on reverse)."""

    def forwards(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(
                f"CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION journal_refuse_change()"
            )

    def backwards(apps, schema_editor) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS journal_append_only ON {table}")

    return migrations.RunPython(forwards, backwards, elidable=False)
