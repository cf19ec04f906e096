"""A household's copy of what is held about it (PIPL art. 45): posted by an aid
officer from the household's page with a purpose, logged, never stored by a
cache, and holding the register in full, its allocations, payouts, account
changes and the log of who saw its data."""

import io

import pytest
from django.contrib.messages import get_messages
from openpyxl import load_workbook

from aid_accounting.households.models import Household, PersonalDataAccess
from aid_accounting.households.personal_data import reveal_personal_data
from aid_accounting.privacy.subject_access import XLSX_CONTENT_TYPE
from tests.security.test_no_store import assert_no_store

pytestmark = pytest.mark.django_db

PURPOSE = "户主本人申请查阅其个人信息"


@pytest.fixture
def paid_household(township, second_officer):
    """LGZ-J-3, credited in October and paid in November; another officer once looked
    up its phone."""
    household = Household.objects.get(registration_number="LGZ-J-3")
    reveal_personal_data(
        user=second_officer, household=household, fields=["phone"], purpose="view", reason="回访"
    )
    return household


def url(household: Household) -> str:
    return f"/admin/aid/households/{household.pk}/personal-data/"


def sheets(response) -> dict[str, list[tuple]]:
    workbook = load_workbook(io.BytesIO(response.content))
    return {
        sheet.title: list(sheet.iter_rows(min_row=2, values_only=True))
        for sheet in workbook.worksheets
    }


def test_the_copy_holds_what_is_kept_about_the_household(client, aid_officer, paid_household):
    client.force_login(aid_officer)

    response = client.post(url(paid_household), {"purpose": PURPOSE})

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        f'attachment; filename="household-{paid_household.pk}-personal-data.xlsx"'
    )
    assert_no_store(response)
    book = sheets(response)
    register = dict(book["登记信息"])
    assert register["户主"] == "孔祥轩"
    assert register["身份证号码"] == "11010519491231002X"
    assert register["联系电话"] == "19900001234"
    assert register["银行账号"] == "6200000000000001234"
    assert register["应付余额（元）"] == 0
    assert [(period, amount) for period, _pool, amount, _at in book["每月分配"]] == [
        ("2026-10", 6.64)
    ]
    assert [(amount, status) for _b, _d, amount, _acct, status, _s, _r in book["付款"]] == [
        (6.64, "已付款")
    ]
    accesses = [
        (user, purpose, fields, reason)
        for _at, user, purpose, fields, reason in book["个人信息查看记录"]
    ]
    # The bank file that paid it, the phone looked up, and this copy.
    assert accesses[0][:3] == ("officer", "导出", "开户银行、银行账号")
    assert accesses[1:] == [
        ("officer2", "查看", "联系电话", "回访"),
        ("officer", "导出", "身份证号码、联系电话、开户银行、银行账号", PURPOSE),
    ]


def test_the_export_is_logged_with_its_purpose(client, aid_officer, household):
    client.force_login(aid_officer)

    client.post(url(household), {"purpose": PURPOSE})

    access = PersonalDataAccess.objects.get(household=household)
    assert (access.user, access.purpose, access.reason) == (
        aid_officer,
        PersonalDataAccess.Purpose.EXPORT,
        PURPOSE,
    )
    assert access.fields == list(Household.PERSONAL_FIELDS)


def test_the_copy_needs_a_purpose(client, aid_officer, household):
    client.force_login(aid_officer)

    response = client.post(url(household), {"purpose": "  "})

    assert response.status_code == 302
    assert response["Location"] == f"/admin/households/inspect/{household.pk}/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "导出个人信息副本，请先写明用途。"
    ]
    assert not PersonalDataAccess.objects.exists()


def test_the_copy_is_posted_only(client, aid_officer, household):
    client.force_login(aid_officer)

    response = client.get(url(household), {"purpose": PURPOSE})

    assert response.status_code == 405
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize("role", ["auditor", "staff"])
def test_only_aid_officers_get_a_copy(client, request, role, household):
    client.force_login(request.getfixturevalue(role))

    response = client.post(url(household), {"purpose": PURPOSE})

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert not PersonalDataAccess.objects.exists()


def test_the_household_page_offers_the_copy_to_aid_officers_only(
    client, aid_officer, auditor, household
):
    page = f"/admin/households/inspect/{household.pk}/"
    client.force_login(aid_officer)
    assert url(household) in client.get(page).text

    client.force_login(auditor)
    assert url(household) not in client.get(page).text


def test_a_name_that_looks_like_a_formula_stays_text(client, aid_officer, household):
    Household.objects.filter(pk=household.pk).update(head_name="=HYPERLINK(1)")
    client.force_login(aid_officer)

    response = client.post(url(household), {"purpose": PURPOSE})

    assert dict(sheets(response)["登记信息"])["户主"] == "'=HYPERLINK(1)"
