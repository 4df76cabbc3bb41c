"""Release notes: the release manager's introduction, known issues and item placements, and the
versions published at go-live. Their journals are append-only like the others
(journal/migrations/0001_append_only.py installs the trigger function), and so are the published
versions themselves: a published version is never changed or deleted (the one update allowed is
the database's own SET NULL of published_by when an account is deleted)."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from journal.append_only import append_only

JOURNAL_TABLES = [
    "releases_historicalreleasenotes",
    "releases_historicalnotesitemplacement",
    "releases_historicalpublishednotes",
]

PUBLISHED_FUNCTION = """
CREATE OR REPLACE FUNCTION release_notes_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.published_by_id IS NULL
       AND (to_jsonb(NEW) - 'published_by_id') = (to_jsonb(OLD) - 'published_by_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'Published release notes are kept as published: % on % refused',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def published_notes_kept(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(PUBLISHED_FUNCTION, params=None)
    schema_editor.execute(
        "CREATE TRIGGER published_notes_append_only BEFORE UPDATE OR DELETE "
        "ON releases_publishednotes FOR EACH ROW EXECUTE FUNCTION release_notes_refuse_change()"
    )


def published_notes_kept_undo(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS published_notes_append_only ON releases_publishednotes"
    )
    schema_editor.execute("DROP FUNCTION IF EXISTS release_notes_refuse_change()")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('items', '0007_release_status_production'),
        ('projects', '0004_lifecycle_cancelled'),
        ('journal', '0001_append_only'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalNotesItemPlacement',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('change_kind', models.CharField(choices=[('created', 'Created'), ('edited', 'Edited'), ('moved', 'Moved'), ('reordered', 'Reordered'), ('removed', 'Removed')], db_index=True, max_length=12)),
                ('placement', models.CharField(choices=[('hidden', 'Hidden from the notes'), ('known_issue', 'Listed as a known issue')], max_length=12)),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='items.releaseitem')),
                ('project', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='projects.releaseproject')),
            ],
            options={
                'verbose_name': 'historical notes item placement',
                'verbose_name_plural': 'historical notes item placements',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalPublishedNotes',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('change_kind', models.CharField(choices=[('created', 'Created'), ('edited', 'Edited'), ('moved', 'Moved'), ('reordered', 'Reordered'), ('removed', 'Removed')], db_index=True, max_length=12)),
                ('version', models.PositiveIntegerField()),
                ('published_at', models.DateTimeField()),
                ('published_by_name', models.CharField(blank=True, max_length=150)),
                ('markdown', models.TextField()),
                ('snapshot', models.JSONField()),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.TextField(null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('project', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='projects.releaseproject')),
                ('published_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'historical published release notes',
                'verbose_name_plural': 'historical published release notes',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='HistoricalReleaseNotes',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                ('change_kind', models.CharField(choices=[('created', 'Created'), ('edited', 'Edited'), ('moved', 'Moved'), ('reordered', 'Reordered'), ('removed', 'Removed')], db_index=True, max_length=12)),
                ('introduction', models.TextField(blank=True, help_text='At most 5,000 characters.', max_length=5000)),
                ('known_issues', models.TextField(blank=True, help_text='Known issues that are not items of the release. At most 5,000 characters.', max_length=5000, verbose_name='known issues')),
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
                'verbose_name': 'historical release notes',
                'verbose_name_plural': 'historical release notes',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.CreateModel(
            name='ReleaseNotes',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('introduction', models.TextField(blank=True, help_text='At most 5,000 characters.', max_length=5000)),
                ('known_issues', models.TextField(blank=True, help_text='Known issues that are not items of the release. At most 5,000 characters.', max_length=5000, verbose_name='known issues')),
                ('revision', models.PositiveIntegerField(default=0, editable=False)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('project', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='release_notes', to='projects.releaseproject')),
            ],
            options={
                'verbose_name': 'release notes',
                'verbose_name_plural': 'release notes',
            },
        ),
        migrations.CreateModel(
            name='NotesItemPlacement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('placement', models.CharField(choices=[('hidden', 'Hidden from the notes'), ('known_issue', 'Listed as a known issue')], max_length=12)),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='items.releaseitem')),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='projects.releaseproject')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('project', 'item'), name='unique_notes_placement')],
            },
        ),
        migrations.CreateModel(
            name='PublishedNotes',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('version', models.PositiveIntegerField()),
                ('published_at', models.DateTimeField()),
                ('published_by_name', models.CharField(blank=True, max_length=150)),
                ('markdown', models.TextField()),
                ('snapshot', models.JSONField()),
                ('project', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='published_notes', to='projects.releaseproject')),
                ('published_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'published release notes',
                'verbose_name_plural': 'published release notes',
                'ordering': ['project', '-version'],
                'constraints': [models.UniqueConstraint(fields=('project', 'version'), name='unique_notes_version')],
            },
        ),
        append_only(*JOURNAL_TABLES),
        migrations.RunPython(published_notes_kept, published_notes_kept_undo, elidable=False),
    ]
