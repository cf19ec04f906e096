import pytest
from django.core.exceptions import PermissionDenied

from aid_accounting.households.models import PersonalDataAccess
from aid_accounting.households.personal_data import reveal_personal_data
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_aid_officer_sees_the_full_values(aid_officer, household):
    revealed = reveal_personal_data(
        user=aid_officer, household=household, fields=["id_number", "phone"], purpose="view"
    )

    assert revealed == {"id_number": "11010519491231002X", "phone": "19900001234"}


def test_each_reveal_is_written_to_the_audit_log(aid_officer, household):
    reveal_personal_data(
        user=aid_officer,
        household=household,
        fields=["bank_name", "bank_account_number"],
        purpose=PersonalDataAccess.Purpose.EXPORT,
    )

    access = PersonalDataAccess.objects.get()
    assert (access.user, access.household, access.fields, access.purpose) == (
        aid_officer,
        household,
        ["bank_name", "bank_account_number"],
        "export",
    )


def test_auditor_is_refused_and_nothing_is_logged(auditor, household):
    with pytest.raises(PermissionDenied):
        reveal_personal_data(user=auditor, household=household, fields=["phone"], purpose="view")

    assert not PersonalDataAccess.objects.exists()


def test_superuser_without_the_aid_officer_role_is_refused(household):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)

    with pytest.raises(PermissionDenied):
        reveal_personal_data(user=admin, household=household, fields=["phone"], purpose="view")


def test_deactivated_aid_officer_is_refused(aid_officer, household):
    aid_officer.is_active = False

    with pytest.raises(PermissionDenied):
        reveal_personal_data(
            user=aid_officer, household=household, fields=["phone"], purpose="view"
        )


@pytest.mark.parametrize("fields", [[], ["head_name"], ["phone", "password"]])
def test_only_personal_fields_can_be_revealed(aid_officer, household, fields):
    with pytest.raises(ValueError, match="subset"):
        reveal_personal_data(user=aid_officer, household=household, fields=fields, purpose="view")

    assert not PersonalDataAccess.objects.exists()
