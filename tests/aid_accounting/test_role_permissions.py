import pytest
from django.contrib.auth.models import Group

from producers.roles import AID_OFFICER, AUDITOR

pytestmark = pytest.mark.django_db


def aid_accounting_permissions(group_name: str) -> set[str]:
    return set(
        Group.objects.get(name=group_name)
        .permissions.filter(content_type__app_label="aid_accounting")
        .values_list("codename", flat=True)
    )


def test_aid_officer_keeps_the_register_and_reads_the_ledger():
    assert aid_accounting_permissions(AID_OFFICER) == {
        "add_household",
        "change_household",
        "view_household",
        "view_account",
        "view_transaction",
        "view_entry",
    }


def test_auditor_only_reads():
    assert aid_accounting_permissions(AUDITOR) == {
        "view_household",
        "view_account",
        "view_transaction",
        "view_entry",
        "view_personaldataaccess",
    }
