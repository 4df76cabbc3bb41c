"""Make the journal append-only in PostgreSQL itself: no UPDATE or DELETE of a journal row.

The one UPDATE allowed is PostgreSQL's own SET NULL of history_user_id when a user account is
deleted (Django's on_delete=SET_NULL); every other column must stay as written.
"""

from django.db import migrations

JOURNAL_TABLES = [
    "items_historicalreleaseitem",
    "items_historicalreleasestatus",
    "projects_historicalreleaseproject",
    "projects_historicalreleasemember",
]

FUNCTION = """
CREATE OR REPLACE FUNCTION journal_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.history_user_id IS NULL
       AND (to_jsonb(NEW) - 'history_user_id') = (to_jsonb(OLD) - 'history_user_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The journal is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in JOURNAL_TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER journal_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION journal_refuse_change()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in JOURNAL_TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS journal_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS journal_refuse_change()")


class Migration(migrations.Migration):
    dependencies = [
        ("items", "0001_initial"),
        ("projects", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
