"""Model permissions of this app for the roles of DESIGN §8.

Aid officers keep the household register and read the ledger; auditors read
the register (masked), the ledger and the personal-data audit log. Nobody gets
change or delete on the ledger: only aid_accounting.ledger.posting writes it.
"""

from django.db import migrations

from core.role_grants import grant_permissions, revoke_permissions

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
    grant_permissions(apps, app_label="aid_accounting", grants=GRANTS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, app_label="aid_accounting", grants=GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("aid_accounting", "0002_ledger_triggers"),
        ("producers", "0002_roles"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
