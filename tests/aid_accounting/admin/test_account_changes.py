"""The admin of payout account changes and the batch page's recorded accounts (issue #16)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aid_accounting.households.models import PersonalDataAccess
from aid_accounting.payouts.account_changes import request_household_account_change
from aid_accounting.payouts.batches import approve_batch, cancel_batch, draft_batch
from aid_accounting.payouts.models import PayoutAccountChange, PayoutBatch, PayoutRow
from tests.township import add_households, at, close_and_publish, deliver, sell

pytestmark = pytest.mark.django_db

NEW_NUMBER = "6299999999999990000"


def hides(page: str, *values: str) -> bool:
    # Also as JSON would escape it, for values in script data.
    return not any(v in page or json.dumps(v)[1:-1] in page for v in values)


@pytest.fixture
def closed_october(tomato, tomato_rule, beneficiaries):
    order = sell([(tomato, 2)], paid_at=at("2026-10-10"))
    deliver(order, at=at("2026-10-12"))
    # Published at the close: its window ended on 9 November.
    close_and_publish("2026-10", now=at("2026-11-02"))
    return beneficiaries


def test_a_household_change_is_requested_by_one_officer_and_approved_by_another(
    client, aid_officer, second_officer, beneficiaries
):
    household = beneficiaries[0]
    client.force_login(aid_officer)
    url = f"/admin/aid/accounts/household/{household.pk}/request/"

    form_page = client.get(url).text
    client.post(url, {"bank_name": "示例信用社", "bank_account_number": "6299 9999 9999 9990 000"})
    change = PayoutAccountChange.objects.get()
    own = client.post(f"/admin/aid/accounts/changes/{change.pk}/approve/", follow=True).text

    assert "****1234" in form_page and hides(form_page, "6200000000000001234")
    assert "另一位帮扶专员审核" in own
    household.refresh_from_db()
    assert household.bank_account_number == "6200000000000001234"

    client.force_login(second_officer)
    client.post(f"/admin/aid/accounts/changes/{change.pk}/approve/")

    household.refresh_from_db()
    change.refresh_from_db()
    assert (household.bank_account_number, change.decided_by) == (NEW_NUMBER, second_officer)


def test_a_rejected_change_is_not_applied(client, aid_officer, second_officer, beneficiaries):
    change = request_household_account_change(
        household=beneficiaries[0],
        bank_name="示例信用社",
        bank_account_number=NEW_NUMBER,
        actor=aid_officer,
    )
    client.force_login(second_officer)

    client.post(f"/admin/aid/accounts/changes/{change.pk}/reject/")

    change.refresh_from_db()
    beneficiaries[0].refresh_from_db()
    assert change.status == PayoutAccountChange.Status.REJECTED
    assert beneficiaries[0].bank_account_number == "6200000000000001234"


@pytest.mark.parametrize("role", ["aid_officer", "auditor"])
def test_pending_changes_are_listed_with_masks_only(
    client, request, role, aid_officer, beneficiaries
):
    change = request_household_account_change(
        household=beneficiaries[0],
        bank_name="示例信用社",
        bank_account_number=NEW_NUMBER,
        actor=aid_officer,
    )
    user = request.getfixturevalue(role)
    client.force_login(user)

    listing = client.get("/admin/aid_account_changes/?status=pending").text
    page = client.get(f"/admin/aid_account_changes/inspect/{change.pk}/").text

    for text in (listing, page):
        assert "****1234 → ****0000" in text
        assert hides(text, NEW_NUMBER, "6200000000000001234", "孔祥轩")
    assert ("审核通过" in page) is (role == "aid_officer")
    assert not PersonalDataAccess.objects.exists()


def test_auditors_cannot_decide_a_change(client, auditor, aid_officer, beneficiaries):
    change = request_household_account_change(
        household=beneficiaries[0],
        bank_name="示例信用社",
        bank_account_number=NEW_NUMBER,
        actor=aid_officer,
    )
    client.force_login(auditor)

    response = client.post(f"/admin/aid/accounts/changes/{change.pk}/approve/")

    assert (response.status_code, response["Location"]) == (302, "/admin/")
    change.refresh_from_db()
    assert change.status == PayoutAccountChange.Status.PENDING


@pytest.mark.parametrize("role", ["aid_officer", "auditor"])
def test_the_batch_page_shows_each_rows_recorded_account_masked_and_voided_rows(
    client, request, role, aid_officer, second_officer, closed_october
):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    changed = closed_october[0]
    changed.bank_account_number = NEW_NUMBER
    changed.save()
    approve_batch(batch=batch, actor=second_officer)
    client.force_login(request.getfixturevalue(role))

    page = client.get(f"/admin/aid_payout_batches/inspect/{batch.pk}/").text

    assert page.count("****1234") == 3
    assert page.count("孔*轩") >= 3
    assert "已作废：收款账户在起草后已变更" in page
    assert "¥13.27" in page  # the total of the rows that will be paid
    assert hides(page, "6200000000000001234", NEW_NUMBER, "孔祥轩")
    assert not PersonalDataAccess.objects.exists()


def test_approving_tells_the_officer_which_rows_were_voided(
    client, aid_officer, second_officer, closed_october
):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    closed_october[0].bank_account_number = NEW_NUMBER
    closed_october[0].save()
    client.force_login(second_officer)

    page = client.post(f"/admin/aid/payouts/{batch.pk}/approve/", follow=True).text

    assert "1 笔明细的收款账户在起草后已变更，已作废" in page
    assert batch.rows.filter(status=PayoutRow.Status.VOIDED).count() == 1


def test_the_batch_page_costs_the_same_queries_however_many_rows(
    client, aid_officer, closed_october, key_village, tomato, clock, django_assert_num_queries
):
    url = "/admin/aid_payout_batches/inspect/{}/"
    client.force_login(aid_officer)
    clock.set("2026-11-10")
    three = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    client.get(url.format(three.pk))  # the session, the menus' caches
    with CaptureQueriesContext(connection) as counted:
        client.get(url.format(three.pk))
    cancel_batch(batch=three, actor=aid_officer)
    # November: three more households share the pool, and are paid after its notice.
    add_households(key_village, prefix="LGZ-X")
    deliver(sell([(tomato, 2)], paid_at=clock.set("2026-11-12")), at=at("2026-11-13"))
    close_and_publish("2026-11", now=clock.set("2026-12-02"))
    clock.set("2026-12-10")
    six = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    assert six.rows.count() == 6

    with django_assert_num_queries(len(counted.captured_queries)):
        client.get(url.format(six.pk))
