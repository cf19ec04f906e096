"""Producer members work in the portal only: their producers' groups lose the
Wagtail admin's access permission (producers/access.py no longer grants it)."""

from django.db import migrations


def producer_groups(apps):
    codes = apps.get_model("producers", "Producer").objects.values_list("code", flat=True)
    return apps.get_model("auth", "Group").objects.filter(
        name__in=[f"producer-{code}" for code in codes]
    )


def access_admin(apps):
    return apps.get_model("auth", "Permission").objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )


def leave_the_admin(apps, schema_editor):
    permission = access_admin(apps)
    for group in producer_groups(apps):
        group.permissions.remove(permission)


def back_to_the_admin(apps, schema_editor):
    permission = access_admin(apps)
    for group in producer_groups(apps):
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("producers", "0007_member_digest"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
    ]

    operations = [migrations.RunPython(leave_the_admin, back_to_the_admin)]
