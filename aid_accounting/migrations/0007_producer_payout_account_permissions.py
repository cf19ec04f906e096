"""Permissions for producers' payout accounts (DESIGN §8).

Aid officers add and change them; auditors read them, masked. Nobody deletes
one: a payout batch may still have to export its number.
"""

from django.db import migrations

from core.role_grants import grant_permissions, revoke_permissions

GRANTS = {
    "aid_officer": [
        "add_producerpayoutaccount",
        "change_producerpayoutaccount",
        "view_producerpayoutaccount",
    ],
    "auditor": ["view_producerpayoutaccount"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, app_label="aid_accounting", grants=GRANTS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, app_label="aid_accounting", grants=GRANTS)


class Migration(migrations.Migration):
    dependencies = [("aid_accounting", "0006_producer_payout_accounts")]

    operations = [migrations.RunPython(grant, revoke)]
