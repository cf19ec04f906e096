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


def test_township_editors_register_units_in_the_admin(client, staff):
    client.force_login(staff)
    page = client.get("/admin/snippets/shop/buyingunit/add/")
    assert page.status_code == 200
    assert "纳税人识别号" in page.content.decode() and "成员" in page.content.decode()
