"""Aid officers issue units' certificates from the admin and read them; auditors read them."""

from django.db import migrations

from core.role_grants import grant_permissions, revoke_permissions

GRANTS = {
    "aid_officer": ["add_aidcertificate", "view_aidcertificate"],
    "auditor": ["view_aidcertificate"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, app_label="aid_accounting", grants=GRANTS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, app_label="aid_accounting", grants=GRANTS)


class Migration(migrations.Migration):
    dependencies = [("aid_accounting", "0021_aid_certificates")]

    operations = [migrations.RunPython(grant, revoke)]
