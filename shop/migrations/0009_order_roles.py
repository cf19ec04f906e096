from django.db import migrations

from core.role_grants import grant_permissions, revoke_permissions

GRANTS = {
    # The township editors run the shop: orders, refunds, offline sales.
    "township_editor": ["view_order", "refund_order", "record_offline_payment"],
    "aid_officer": ["view_order"],
    "auditor": ["view_order"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, app_label="shop", grants=GRANTS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, app_label="shop", grants=GRANTS)


class Migration(migrations.Migration):
    dependencies = [("shop", "0008_order_permissions")]

    operations = [migrations.RunPython(grant, revoke)]
