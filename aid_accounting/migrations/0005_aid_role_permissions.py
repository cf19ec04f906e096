"""Permissions for rules, pools, periods, payouts and accruals (DESIGN §8).

Aid officers set rules (a new version is an "add"), keep pools, close
periods and run payout batches; auditors read all of it. Nobody gets change
or delete on what only the services write.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "aid_officer": [
        "add_aidpool",
        "change_aidpool",
        "view_aidpool",
        "add_aidrule",
        "view_aidrule",
        "view_accountingperiod",
        "close_accountingperiod",
        "view_lineaccrual",
        "view_aidreversal",
        "view_pooldistribution",
        "add_payoutbatch",
        "view_payoutbatch",
        "view_payoutrow",
    ],
    "auditor": [
        "view_aidpool",
        "view_aidrule",
        "view_accountingperiod",
        "view_lineaccrual",
        "view_aidreversal",
        "view_pooldistribution",
        "view_payoutbatch",
        "view_payoutrow",
    ],
}


def grant(apps, schema_editor):
    # As in 0003: create this app's permissions now so they can be granted.
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
    dependencies = [("aid_accounting", "0004_aid_rules_pools_periods_payouts")]

    operations = [migrations.RunPython(grant, revoke)]
