"""The workflow revision: a token that every change to the release states or the transition
rules replaces, by trigger, whoever makes it (the admin, a seed command, raw SQL, TRUNCATE).

Tokens are random 128-bit values, so one is never seen twice: not after a rollback (a token
read inside a transaction that rolled back never comes back), and not across databases, dumps
or restores. The row is upserted, so a test run that empties every table gets it back with the
first state it writes. On SQLite, a later migration that rebuilds either table drops its
triggers with it and must create them again; tests/test_workflow_cache.py would catch it.
"""

from django.db import migrations, models

WATCHED = ["items_releasestatus", "items_transitionrule"]

POSTGRESQL_TOKEN = "replace(gen_random_uuid()::text, '-', '')"
SQLITE_TOKEN = "lower(hex(randomblob(16)))"

POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION items_workflow_touch() RETURNS trigger AS $$
BEGIN
    INSERT INTO items_workflowrevision (id, token) VALUES (1, {POSTGRESQL_TOKEN})
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION, params=None)
        schema_editor.execute(
            f"INSERT INTO items_workflowrevision (id, token) VALUES (1, {POSTGRESQL_TOKEN})"
        )
        for table in WATCHED:
            schema_editor.execute(
                f"CREATE TRIGGER items_workflow_touch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION items_workflow_touch()"
            )
    elif vendor == "sqlite":
        schema_editor.execute(
            f"INSERT INTO items_workflowrevision (id, token) VALUES (1, {SQLITE_TOKEN})"
        )
        for table in WATCHED:
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER items_workflow_touch_{table}_{event.lower()} AFTER {event}"
                    f" ON {table} BEGIN INSERT OR REPLACE INTO items_workflowrevision (id, token)"
                    f" VALUES (1, {SQLITE_TOKEN}); END"
                )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in WATCHED:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS items_workflow_touch ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS items_workflow_touch()")
    elif vendor == "sqlite":
        for table in WATCHED:
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS items_workflow_touch_{table}_{event}")


class Migration(migrations.Migration):
    dependencies = [("items", "0003_historicalreleaseitem_emergency_and_more")]

    operations = [
        migrations.CreateModel(
            name="WorkflowRevision",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("token", models.CharField(default="", max_length=32)),
            ],
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
