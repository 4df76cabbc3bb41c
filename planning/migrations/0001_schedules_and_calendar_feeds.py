"""Release schedules and calendar feeds; their journal is append-only like the others
(journal/migrations/0001_append_only.py installs the trigger function)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from journal.append_only import append_only

JOURNAL_TABLES = ["planning_historicalreleaseschedule", "planning_historicalcalendarfeed"]



class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('projects', '0003_text_limits'),
        ('journal', '0001_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='CalendarFeed',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token_hash', models.CharField(max_length=64, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='calendar_feed', to=settings.AUTH_USER_MODEL)),
            ],
        ),
        migrations.CreateModel(
            name='HistoricalCalendarFeed',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('change_kind', models.CharField(choices=[('created', 'Created'), ('edited', 'Edited'), ('moved', 'Moved'), ('reordered', 'Reordered'), ('removed', 'Removed')], db_index=True, max_length=12)),
                ('created_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical calendar feed',
                'verbose_name_plural': 'historical calendar feeds',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalReleaseSchedule',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('change_kind', models.CharField(choices=[('created', 'Created'), ('edited', 'Edited'), ('moved', 'Moved'), ('reordered', 'Reordered'), ('removed', 'Removed')], db_index=True, max_length=12)),
                ('development_start', models.DateTimeField(blank=True, null=True, verbose_name='development start')),
                ('code_freeze', models.DateTimeField(blank=True, null=True, verbose_name='code freeze')),
                ('qa_start', models.DateTimeField(blank=True, null=True, verbose_name='QA start')),
                ('go_live_start', models.DateTimeField(blank=True, null=True, verbose_name='go-live window start')),
                ('go_live_end', models.DateTimeField(blank=True, null=True, verbose_name='go-live window end')),
                ('development_started_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='development started')),
                ('code_frozen_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='code freeze happened')),
                ('qa_started_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='QA started')),
                ('went_live_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='went live')),
                ('revision', models.PositiveIntegerField(default=0, editable=False)),
                ('updated_at', models.DateTimeField(blank=True, editable=False)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('project', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='projects.releaseproject')),
            ],
            options={
                'verbose_name': 'historical release schedule',
                'verbose_name_plural': 'historical release schedules',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='ReleaseSchedule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('development_start', models.DateTimeField(blank=True, null=True, verbose_name='development start')),
                ('code_freeze', models.DateTimeField(blank=True, null=True, verbose_name='code freeze')),
                ('qa_start', models.DateTimeField(blank=True, null=True, verbose_name='QA start')),
                ('go_live_start', models.DateTimeField(blank=True, null=True, verbose_name='go-live window start')),
                ('go_live_end', models.DateTimeField(blank=True, null=True, verbose_name='go-live window end')),
                ('development_started_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='development started')),
                ('code_frozen_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='code freeze happened')),
                ('qa_started_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='QA started')),
                ('went_live_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='went live')),
                ('revision', models.PositiveIntegerField(default=0, editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('project', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='schedule', to='projects.releaseproject')),
            ],
            options={
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('go_live_end__isnull', True), ('go_live_start__isnull', True)), ('go_live_end__gt', models.F('go_live_start')), _connector='OR'), name='go_live_window_ends_after_it_starts')],
            },
        ),
        append_only(*JOURNAL_TABLES),
    ]
