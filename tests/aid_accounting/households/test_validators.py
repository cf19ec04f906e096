import pytest
from django.core.exceptions import ValidationError

from aid_accounting.households.validators import id_number_check_character, validate_id_number


@pytest.mark.parametrize("id_number", ["11010519491231002X", "440524188001010014"])
def test_published_sample_id_numbers_are_valid(id_number):
    assert id_number_check_character(id_number[:17]) == id_number[17]
    validate_id_number(id_number)


@pytest.mark.parametrize(
    "id_number", ["110105194912310021", "11010519491231002x", "1101051949123100", "abc"]
)
def test_invalid_id_numbers_are_refused_without_echoing_them(id_number):
    with pytest.raises(ValidationError) as error:
        validate_id_number(id_number)

    assert id_number not in str(error.value)
