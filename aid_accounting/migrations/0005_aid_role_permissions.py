"""Permissions for rules, pools, periods, payouts and accruals (DESIGN §8).

Aid officers set rules (a new version is an "add"), keep pools, close
periods and run payout batches; auditors read all of it. Nobody gets change
or delete on what only the services write.
"""

from django.db import migrations

from core.role_grants import grant_permissions, revoke_permissions

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
    grant_permissions(apps, app_label="aid_accounting", grants=GRANTS)


def revoke(apps, schema_editor):
    revoke_permissions(apps, app_label="aid_accounting", grants=GRANTS)


class Migration(migrations.Migration):
    dependencies = [("aid_accounting", "0004_aid_rules_pools_periods_payouts")]

    operations = [migrations.RunPython(grant, revoke)]
