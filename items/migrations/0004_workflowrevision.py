"""The workflow revision: a token that every change to the release states or the transition
rules replaces, by trigger, whoever makes it (the admin, a seed command, raw SQL, TRUNCATE).

PostgreSQL draws tokens from a sequence, whose numbers are never handed out twice, not even
after a rollback: a token seen inside a transaction that rolled back never comes back. SQLite
(the demo) draws random 63-bit tokens. The row is upserted, so a test run that empties every
table gets it back with the first state it writes.
"""

from django.db import migrations, models

WATCHED = ["items_releasestatus", "items_transitionrule"]

POSTGRESQL = [
    "CREATE SEQUENCE items_workflow_token",
    """
CREATE FUNCTION items_workflow_touch() RETURNS trigger AS $$
BEGIN
    INSERT INTO items_workflowrevision (id, token) VALUES (1, nextval('items_workflow_token'))
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",
    "INSERT INTO items_workflowrevision (id, token) VALUES (1, nextval('items_workflow_token'))",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for statement in POSTGRESQL:
            schema_editor.execute(statement, params=None)
        for table in WATCHED:
            schema_editor.execute(
                f"CREATE TRIGGER items_workflow_touch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE"
                f" ON {table} FOR EACH STATEMENT EXECUTE FUNCTION items_workflow_touch()"
            )
    elif vendor == "sqlite":
        schema_editor.execute(
            "INSERT INTO items_workflowrevision (id, token) VALUES (1, abs(random()))"
        )
        for table in WATCHED:
            for event in ("INSERT", "UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER items_workflow_touch_{table}_{event.lower()} AFTER {event}"
                    f" ON {table} BEGIN INSERT OR REPLACE INTO items_workflowrevision (id, token)"
                    " VALUES (1, abs(random())); END"
                )


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in WATCHED:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS items_workflow_touch ON {table}")
        schema_editor.execute("DROP FUNCTION IF EXISTS items_workflow_touch()")
        schema_editor.execute("DROP SEQUENCE IF EXISTS items_workflow_token")
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
                ("token", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
