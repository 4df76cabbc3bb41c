"""The journal of rules, approvals and QA evidence is append-only too (see 0001)."""

from django.db import migrations

JOURNAL_TABLES = [
    "items_historicaltransitionrule",
    "approvals_historicalapproval",
    "approvals_historicalreleaseapproval",
    "approvals_historicalemergencymove",
    "qa_historicaltestcase",
    "qa_historicaltestrun",
    "qa_historicalqasignoff",
    "qa_historicalacceptancedecision",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
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


class Migration(migrations.Migration):
    dependencies = [
        ("journal", "0002_keyset_indexes"),
        ("items", "0003_historicalreleaseitem_emergency_and_more"),
        ("approvals", "0001_initial"),
        ("qa", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
