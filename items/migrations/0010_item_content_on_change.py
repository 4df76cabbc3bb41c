"""One change, several releases (3 of 3): every item links its change; the content columns leave
the items and their journal (0009 carried them, and their history, over to the changes)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('items', '0009_changes_from_items'),
    ]

    operations = [
        migrations.AlterField(
            model_name='releaseitem',
            name='change',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='inclusions', to='items.change'),
        ),
        migrations.AddConstraint(
            model_name='releaseitem',
            constraint=models.UniqueConstraint(fields=('project', 'change'), name='unique_change_per_release'),
        ),
        migrations.RemoveField(
            model_name='historicalreleaseitem',
            name='description',
        ),
        migrations.RemoveField(
            model_name='historicalreleaseitem',
            name='external_key',
        ),
        migrations.RemoveField(
            model_name='historicalreleaseitem',
            name='external_url',
        ),
        migrations.RemoveField(
            model_name='historicalreleaseitem',
            name='kind',
        ),
        migrations.RemoveField(
            model_name='historicalreleaseitem',
            name='title',
        ),
        migrations.RemoveField(
            model_name='releaseitem',
            name='description',
        ),
        migrations.RemoveField(
            model_name='releaseitem',
            name='external_key',
        ),
        migrations.RemoveField(
            model_name='releaseitem',
            name='external_url',
        ),
        migrations.RemoveField(
            model_name='releaseitem',
            name='kind',
        ),
        migrations.RemoveField(
            model_name='releaseitem',
            name='title',
        ),
    ]
