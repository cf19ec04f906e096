import pytest
from django.db import IntegrityError, transaction

from aid_accounting.households.models import Household
from tests.aid_accounting.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "status", "eligible"),
    [
        (Household.Kind.REGISTERED_POOR, Household.Status.ACTIVE, True),
        (Household.Kind.REGISTERED_POOR, Household.Status.LIFTED_OUT, True),
        (Household.Kind.MONITORED, Household.Status.ACTIVE, True),
        (Household.Kind.MONITORED, Household.Status.RISK_ELIMINATED, False),
        (Household.Kind.REGISTERED_POOR, Household.Status.REMOVED, False),
    ],
)
def test_eligibility_follows_status(kind, status, eligible):
    household = HouseholdFactory(kind=kind, status=status)

    assert Household.objects.eligible().filter(pk=household.pk).exists() is eligible


def test_household_needs_at_least_one_member():
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdFactory(member_count=0)


def test_only_registered_poor_households_are_lifted_out():
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdFactory(kind=Household.Kind.MONITORED, status=Household.Status.LIFTED_OUT)


def test_only_monitored_households_have_their_risk_eliminated():
    with pytest.raises(IntegrityError), transaction.atomic():
        HouseholdFactory(
            kind=Household.Kind.REGISTERED_POOR, status=Household.Status.RISK_ELIMINATED
        )


def test_status_changes_are_kept_in_the_history(household):
    household.status = Household.Status.REMOVED
    household.save()

    assert list(household.history.order_by("history_date").values_list("status", flat=True)) == [
        "lifted_out",
        "removed",
    ]


def test_str_shows_the_masked_name(household):
    assert str(household) == f"{household.registration_number} 孔*轩"


def test_masked_properties(household):
    assert (
        household.masked_head_name,
        household.masked_id_number,
        household.masked_phone,
        household.masked_bank_account,
    ) == ("孔*轩", "110***********002X", "199****1234", "****1234")
