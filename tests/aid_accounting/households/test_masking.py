import pytest

from aid_accounting.households.masking import (
    mask_bank_account,
    mask_id_number,
    mask_name,
    mask_phone,
)


@pytest.mark.parametrize(
    ("name", "masked"),
    [("孔祥轩", "孔*轩"), ("张三", "张*"), ("欧阳娜娜", "欧**娜"), ("王", "*"), ("", "")],
)
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize(
    ("id_number", "masked"),
    [("11010519491231002X", "110***********002X"), ("1234567", "*******"), ("", "")],
)
def test_mask_id_number_keeps_the_first_three_and_last_four(id_number, masked):
    assert mask_id_number(id_number) == masked


@pytest.mark.parametrize(
    ("phone", "masked"), [("13800001234", "138****1234"), ("1234", "****"), ("", "")]
)
def test_mask_phone_keeps_the_first_three_and_last_four(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize(
    ("account_number", "masked"),
    [("6222020200112233445", "****3445"), ("6222 0202 0011 2233", "****2233"), ("123", "***")],
)
def test_mask_bank_account_shows_only_the_last_four(account_number, masked):
    assert mask_bank_account(account_number) == masked
