"""One change, several releases (1 of 3): the change table and its journal, and a nullable link
from each item to its change. 0009 fills it from the items, 0010 drops the items' content."""

import django.db.models.deletion
import django.utils.timezone
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('items', '0007_release_status_production'),
        ('projects', '0003_text_limits'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalChange',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('change_kind', models.CharField(choices=[('created', 'Created'), ('edited', 'Edited'), ('moved', 'Moved'), ('reordered', 'Reordered'), ('removed', 'Removed')], db_index=True, max_length=12)),
                ('kind', models.CharField(choices=[('change_request', 'Change request'), ('bug', 'Bug'), ('incident', 'Incident'), ('problem', 'Problem'), ('task', 'Task'), ('feature', 'Feature')], default='change_request', max_length=20)),
                ('title', models.CharField(max_length=200)),
                ('description', models.TextField(blank=True, help_text='At most 20,000 characters.', max_length=20000)),
                ('external_key', models.CharField(blank=True, help_text='Key in the tracker, e.g. JIRA-123.', max_length=50, verbose_name='external key')),
                ('external_url', models.URLField(blank=True, verbose_name='external URL')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical change',
                'verbose_name_plural': 'historical changes',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='Change',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('change_request', 'Change request'), ('bug', 'Bug'), ('incident', 'Incident'), ('problem', 'Problem'), ('task', 'Task'), ('feature', 'Feature')], default='change_request', max_length=20)),
                ('title', models.CharField(max_length=200)),
                ('description', models.TextField(blank=True, help_text='At most 20,000 characters.', max_length=20000)),
                ('external_key', models.CharField(blank=True, help_text='Key in the tracker, e.g. JIRA-123.', max_length=50, verbose_name='external key')),
                ('external_url', models.URLField(blank=True, verbose_name='external URL')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('created_by', models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['id'],
            },
        ),
        migrations.AddField(
            model_name='historicalreleaseitem',
            name='change',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='items.change'),
        ),
        migrations.AddField(
            model_name='releaseitem',
            name='change',
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='inclusions', to='items.change'),
        ),
        migrations.AddField(
            model_name='historicalchange',
            name='created_by',
            field=models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='historicalchange',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='change',
            index=models.Index(fields=['external_key'], name='items_chang_externa_829538_idx'),
        ),
    ]
