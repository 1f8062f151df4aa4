"""Create the groups editors, leaders and analysts with their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# The roles as this migration made them, frozen: later models (the decision register, 0008)
# get their permissions from their own migrations, once their tables exist.
DATA_MODELS = [
    "districts.province",
    "districts.district",
    "mergers.agencytype",
    "mergers.agency",
    "mergers.programme",
    "mergers.merger",
    "mergers.mergerstage",
    "mergers.headcountrecord",
]
EDITABLE_MODELS = [
    "mergers.agency",
    "mergers.programme",
    "mergers.merger",
    "mergers.mergerstage",
    "mergers.headcountrecord",
]


def role_permissions() -> dict[str, list[tuple[str, str]]]:
    view = [(m.split(".")[0], f"view_{m.split('.')[1]}") for m in DATA_MODELS]
    write = [(m.split(".")[0], f"{action}_{m.split('.')[1]}") for m in EDITABLE_MODELS for action in ("add", "change")]
    return {"editors": view + write, "leaders": list(view), "analysts": list(view)}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, perms in role_permissions().items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in perms:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(role_permissions())).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("districts", "0001_initial"),
        ("mergers", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
