# A release can be cancelled (read-only like a closed one; the calendar shows it struck out).

from django.db import migrations, models

LIFECYCLE = models.CharField(
    choices=[
        ("planning", "Planning"),
        ("in_progress", "In progress"),
        ("released", "Released"),
        ("closed", "Closed"),
        ("cancelled", "Cancelled"),
    ],
    db_index=True,
    default="planning",
    max_length=20,
)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0003_text_limits"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalreleaseproject", name="lifecycle", field=LIFECYCLE
        ),
        migrations.AlterField(model_name="releaseproject", name="lifecycle", field=LIFECYCLE),
    ]
