"""The stays table, derived from the items' journal (measurement/models.py), filled from the
journal as it stands: the SELECT of measurement/stays.py as of this migration, frozen here."""

from django.db import migrations, models

BACKFILL = """
INSERT INTO measurement_statestay
    (entry_row, item_id, project_id, state_id, from_state_id, moved, emergency, entered_at,
     left_at, seconds)
SELECT history_id, id, project_id, status_id, from_status_id, change_kind = 'moved', emergency,
    history_date, left_at, {seconds}
FROM (
    SELECT h.history_id, h.id, h.project_id, h.status_id, h.from_status_id, h.change_kind,
        h.emergency, h.history_date,
        LEAD(h.history_date) OVER (PARTITION BY h.id ORDER BY h.history_date, h.history_id)
            AS left_at
    FROM items_historicalreleaseitem h
    WHERE h.change_kind IN ('created', 'moved', 'removed')
) state_rows
WHERE change_kind <> 'removed'
"""
SECONDS = {
    "postgresql": "EXTRACT(EPOCH FROM (left_at - history_date))",
    "sqlite": "((julianday(left_at) - julianday(history_date)) * 86400.0)",
}


def backfill(apps, schema_editor):
    seconds = SECONDS[schema_editor.connection.vendor]
    schema_editor.execute(BACKFILL.format(seconds=seconds))


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("items", "0010_item_content_on_change"),
    ]

    operations = [
        migrations.CreateModel(
            name="StateStay",
            fields=[
                ("entry_row", models.BigIntegerField(primary_key=True, serialize=False)),
                ("item_id", models.IntegerField()),
                ("project_id", models.IntegerField()),
                ("state_id", models.IntegerField()),
                ("from_state_id", models.IntegerField(null=True)),
                ("moved", models.BooleanField()),
                ("emergency", models.BooleanField()),
                ("entered_at", models.DateTimeField()),
                ("left_at", models.DateTimeField(null=True)),
                ("seconds", models.FloatField(null=True)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["item_id", "entered_at"], name="stay_item"),
                    models.Index(
                        fields=["project_id", "state_id", "seconds"], name="stay_release"
                    ),
                    models.Index(
                        condition=models.Q(("seconds__isnull", False)),
                        fields=["state_id", "project_id", "seconds"],
                        name="stay_state_done",
                    ),
                    models.Index(
                        condition=models.Q(("moved", False)),
                        fields=["project_id", "item_id", "entered_at"],
                        name="stay_created",
                    ),
                    models.Index(
                        condition=models.Q(("moved", True)),
                        fields=["project_id", "state_id", "item_id", "entered_at"],
                        name="stay_moved_into",
                    ),
                    models.Index(
                        condition=models.Q(("moved", True)),
                        fields=["project_id", "from_state_id", "state_id", "emergency"],
                        name="stay_moves",
                    ),
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
