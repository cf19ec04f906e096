from django.db import migrations

from core.role_grants import grant_permissions, revoke_permissions

GRANTS = {
    # The township editors register the units that buy in bulk.
    "township_editor": [
        "view_buyingunit",
        "add_buyingunit",
        "change_buyingunit",
        "view_unitmembership",
        "add_unitmembership",
        "change_unitmembership",
        "delete_unitmembership",
    ],
    "auditor": ["view_buyingunit", "view_unitmembership"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, app_label="shop", grants=GRANTS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, app_label="shop", grants=GRANTS)


class Migration(migrations.Migration):
    dependencies = [("shop", "0023_buying_unit_admin")]

    operations = [migrations.RunPython(grant, revoke)]
