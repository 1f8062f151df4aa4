"""The roles see the decision register; editors add and change decisions (issue 14)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen here: the groups as this migration leaves them, whatever mergers.roles says later.
GRANTS = {
    "editors": ["view_decision", "add_decision", "change_decision"],
    "leaders": ["view_decision"],
    "analysts": ["view_decision"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for codename in codenames:
            group.permissions.add(Permission.objects.get(content_type__app_label="mergers", codename=codename))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=list(GRANTS)):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="mergers", codename__in=GRANTS[group.name])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("mergers", "0009_decision_replaces_free_text"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
