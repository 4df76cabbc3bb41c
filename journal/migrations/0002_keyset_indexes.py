"""An index that keeps a project journal page's cost flat however deep its cursor points.

A project's item rows by (project, date, id): a page reads just its own rows, instead of
walking the history-date index past the newer rows of every other project (docs/PERFORMANCE.md).
Plain SQL, like 0001, because django-simple-history builds the historical models' Meta itself.
"""

from django.db import migrations

INDEXES = [
    ("journal_item_project_keyset", "items_historicalreleaseitem", "project_id"),
]


def forwards(apps, schema_editor):
    for name, table, scope in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({scope}, history_date, history_id)"
        )


def backwards(apps, schema_editor):
    for name, _table, _scope in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("journal", "0001_append_only")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
