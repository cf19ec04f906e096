"""Model permissions of this app for the roles of DESIGN §8.

Aid officers keep the household register and read the ledger; auditors read
the register (masked), the ledger and the personal-data audit log. Nobody gets
change or delete on the ledger: only aid_accounting.ledger writes it.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "aid_officer": [
        "add_household",
        "change_household",
        "view_household",
        "view_account",
        "view_transaction",
        "view_entry",
    ],
    "auditor": [
        "view_household",
        "view_account",
        "view_transaction",
        "view_entry",
        "view_personaldataaccess",
    ],
}


def grant(apps, schema_editor):
    # Permissions are normally created after migrate (post_migrate); create this
    # app's now so they can be granted. The historical app config has no
    # models_module, which create_permissions takes as "no models".
    app_config = apps.get_app_config("aid_accounting")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in GRANTS.items():
        permissions = Permission.objects.filter(
            content_type__app_label="aid_accounting", codename__in=codenames
        )
        if permissions.count() != len(codenames):
            raise RuntimeError(f"missing aid_accounting permissions for {group_name}: {codenames}")
        Group.objects.get(name=group_name).permissions.add(*permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group_name, codenames in GRANTS.items():
        permissions = Permission.objects.filter(
            content_type__app_label="aid_accounting", codename__in=codenames
        )
        Group.objects.get(name=group_name).permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("aid_accounting", "0002_ledger_triggers"),
        ("producers", "0002_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
