"""The auditor role (projects/auditors.py): its permission, and the group an administrator adds
auditors to. A group of that name that already exists is left as it is, never given the
permission: whoever is in it was not put there to audit."""

from django.db import migrations

GROUP = "Auditors (all releases, read-only)"
CODENAME = "audit_all_releases"
NAME = "Can read every release, its journal and evidence (auditor)"


def auditors_group_create(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(
        app_label="projects", model="releaseproject"
    )
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=CODENAME, defaults={"name": NAME}
    )
    group, created = Group.objects.get_or_create(name=GROUP)
    if created:
        group.permissions.add(permission)


def auditors_group_delete(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_lifecycle_cancelled"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="releaseproject",
            options={
                "ordering": ["code"],
                "permissions": [("audit_all_releases", NAME)],
            },
        ),
        migrations.RunPython(auditors_group_create, auditors_group_delete),
    ]
