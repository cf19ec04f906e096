from django.db import migrations

from core.role_grants import grant_permissions, revoke_permissions

GRANTS = {
    # The township issues 发票 for the producers that have no tax-control device.
    "township_editor": ["view_invoicerequest", "issue_invoice"],
    "auditor": ["view_invoicerequest"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, app_label="shop", grants=GRANTS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, app_label="shop", grants=GRANTS)


class Migration(migrations.Migration):
    dependencies = [("shop", "0025_invoice_requests")]

    operations = [migrations.RunPython(grant, revoke)]
