import pytest
from django.contrib.auth.models import Group

from core.roles import AID_OFFICER, AUDITOR

pytestmark = pytest.mark.django_db


def aid_accounting_permissions(group_name: str) -> set[str]:
    return set(
        Group.objects.get(name=group_name)
        .permissions.filter(content_type__app_label="aid_accounting")
        .values_list("codename", flat=True)
    )


def test_aid_officer_keeps_register_rules_pools_periods_and_payouts_and_reads_the_ledger():
    assert aid_accounting_permissions(AID_OFFICER) == {
        "add_household",
        "change_household",
        "view_household",
        "view_account",
        "view_transaction",
        "view_entry",
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
        "view_producerpayoutaccount",
        "add_payoutaccountchange",
        "view_payoutaccountchange",
        "add_notice",
        "view_notice",
        "view_noticerow",
        "view_noticeobjection",
        "add_aidcertificate",
        "view_aidcertificate",
    }


def test_auditor_only_reads():
    permissions = aid_accounting_permissions(AUDITOR)

    assert permissions == {
        "view_household",
        "view_account",
        "view_transaction",
        "view_entry",
        "view_personaldataaccess",
        "view_aidpool",
        "view_aidrule",
        "view_accountingperiod",
        "view_lineaccrual",
        "view_aidreversal",
        "view_pooldistribution",
        "view_payoutbatch",
        "view_payoutrow",
        "view_producerpayoutaccount",
        "view_payoutaccountchange",
        "view_notice",
        "view_noticerow",
        "view_aidcertificate",
    }
    assert all(codename.startswith("view_") for codename in permissions)
