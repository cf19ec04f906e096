"""Township editors keep the members' mobile numbers (the portal log-in);
editors, aid officers and auditors read the portal's activity record."""

from django.db import migrations

from core.role_grants import grant_permissions, revoke_permissions

GRANTS = {
    "township_editor": [
        "add_memberprofile",
        "change_memberprofile",
        "view_memberprofile",
        "view_portalactivity",
    ],
    "aid_officer": ["view_portalactivity"],
    "auditor": ["view_portalactivity"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, app_label="producers", grants=GRANTS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, app_label="producers", grants=GRANTS)


class Migration(migrations.Migration):
    dependencies = [("producers", "0005_portal_accounts")]

    operations = [migrations.RunPython(grant, revoke)]
