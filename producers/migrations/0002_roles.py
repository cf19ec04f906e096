from django.db import migrations

ROLES = ["buyer", "producer_member", "township_editor", "aid_officer", "auditor"]
STAFF_ROLES = ["township_editor", "aid_officer", "auditor"]


def create_roles(apps, schema_editor):
    """The roles of DESIGN §8 as groups. Each app grants its own model
    permissions to these groups in its own migrations."""
    Group = apps.get_model("auth.Group")
    Permission = apps.get_model("auth.Permission")
    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        if name in STAFF_ROLES:
            group.permissions.add(access_admin)


def remove_roles(apps, schema_editor):
    apps.get_model("auth.Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("producers", "0001_initial"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
