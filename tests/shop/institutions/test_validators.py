import pytest
from django.core.exceptions import ValidationError

from shop.institutions.validators import normalize_tax_number, validate_tax_number
from tests.shop.factories import BuyingUnitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("number", ["91371581MA3C00000X", "123", "", "91371581MA3C00000R1"])
def test_a_wrong_unified_social_credit_code_is_refused_in_chinese(number):
    with pytest.raises(ValidationError, match="统一社会信用代码"):
        validate_tax_number(number)


def test_a_right_one_passes_typed_with_spaces_and_lower_case():
    validate_tax_number(normalize_tax_number("9137 1581 ma3c 0000 0r"))


def test_the_admin_form_of_a_unit_checks_it():
    unit = BuyingUnitFactory.build(tax_number="91371581MA3C00000X")
    with pytest.raises(ValidationError) as refused:
        unit.full_clean()
    assert "tax_number" in refused.value.message_dict


@pytest.mark.parametrize(
    ("tax_number", "created"), [("91371581MA3C00000R", True), ("91371581MA3C00000X", False)]
)
def test_township_editors_register_units_with_members_in_the_admin(
    client, staff, tax_number, created
):
    from shop.institutions.models import BuyingUnit
    from tests.factories import UserFactory
    from tests.producers.test_admin import empty_formset

    client.force_login(staff)
    assert client.get("/admin/snippets/shop/buyingunit/add/").status_code == 200
    manager = UserFactory()
    response = client.post(
        "/admin/snippets/shop/buyingunit/add/",
        {
            "name": "临清市总工会",
            "kind": "union",
            "invoice_title": "临清市总工会",
            "tax_number": tax_number,
            "is_active": "on",
            **empty_formset("memberships"),
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-user": str(manager.pk),
            "memberships-0-role": "manager",
            "memberships-0-ORDER": "1",
        },
    )
    if created:
        assert response.status_code == 302
        unit = BuyingUnit.objects.get()
        assert unit.memberships.get().user == manager
    else:
        assert "统一社会信用代码" in response.content.decode()
        assert not BuyingUnit.objects.exists()
