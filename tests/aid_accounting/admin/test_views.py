"""The aid accounting admin: who sees what, and the actions that call the services."""

import json

import pytest

from aid_accounting.households.models import PersonalDataAccess
from aid_accounting.payouts.batches import approve_batch, draft_batch
from aid_accounting.payouts.models import PayoutBatch
from aid_accounting.periods.models import AccountingPeriod
from aid_accounting.rules.models import AidRule
from tests.township import at, close_and_publish, deliver, sell

pytestmark = pytest.mark.django_db

LISTINGS = [
    "/admin/aid_rules/",
    "/admin/aid_pools/",
    "/admin/aid_periods/",
    "/admin/aid_payout_batches/",
    "/admin/aid_transactions/",
    "/admin/aid_entries/",
    "/admin/aid_accounts/",
]


def refused(response) -> bool:
    # Wagtail turns PermissionDenied in admin views into a redirect to the dashboard.
    return response.status_code == 302 and response["Location"] == "/admin/"


@pytest.fixture
def closed_october(tomato, tomato_rule, beneficiaries):
    order = sell([(tomato, 2)], paid_at=at("2026-10-10"))
    deliver(order, at=at("2026-10-12"))
    return close_and_publish("2026-10", now=at("2026-11-02")).period


@pytest.mark.parametrize("url", LISTINGS)
@pytest.mark.parametrize("role", ["aid_officer", "auditor"])
def test_aid_officers_and_auditors_can_read_every_listing(
    client, request, role, url, closed_october
):
    client.force_login(request.getfixturevalue(role))

    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    ["/admin/aid_transactions/new/", "/admin/aid_entries/new/", "/admin/aid_rules/new/"],
)
def test_nobody_writes_the_ledger_or_rules_through_generic_forms(client, aid_officer, url):
    client.force_login(aid_officer)

    assert refused(client.get(url))


def test_an_aid_officer_sets_a_rule_through_the_service(client, aid_officer, tomato, aid_pool):
    client.force_login(aid_officer)

    response = client.post(
        "/admin/aid/rules/set/",
        {
            "producer": tomato.product.producer_id,
            "pool": aid_pool.pk,
            "share_percent": "12.5",
            "fixed_per_unit": "0.30",
            "valid_from": "2026-01-01",
        },
    )

    assert response.status_code == 302
    rule = AidRule.objects.get()
    assert (rule.share_bp, rule.fixed_fen_per_unit, rule.created_by) == (1250, 30, aid_officer)


def test_a_rule_over_100_percent_is_refused_in_the_form(client, aid_officer, tomato, aid_pool):
    client.force_login(aid_officer)

    response = client.post(
        "/admin/aid/rules/set/",
        {
            "producer": tomato.product.producer_id,
            "pool": aid_pool.pk,
            "share_percent": "100.01",
            "valid_from": "2026-01-01",
        },
    )

    assert response.status_code == 200
    assert not AidRule.objects.exists()


def test_an_aid_officer_closes_a_period_from_the_admin(client, aid_officer, tomato, tomato_rule):
    client.force_login(aid_officer)

    response = client.post("/admin/aid/periods/close/", {"period": "2026-01"})

    period = AccountingPeriod.objects.get(code="2026-01")
    assert response.status_code == 302
    assert (period.status, period.closed_by) == (AccountingPeriod.Status.CLOSED, aid_officer)


def test_a_future_period_is_refused_in_the_form(client, aid_officer):
    client.force_login(aid_officer)

    response = client.post("/admin/aid/periods/close/", {"period": "2999-01"})

    assert response.status_code == 200
    assert "尚未结束" in response.text
    assert not AccountingPeriod.objects.exists()


def test_auditors_cannot_close_periods(client, auditor):
    client.force_login(auditor)

    response = client.post("/admin/aid/periods/close/", {"period": "2026-01"})

    assert refused(response)
    assert not AccountingPeriod.objects.exists()


def test_auditors_see_no_payout_actions(client, auditor, aid_officer, closed_october):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    client.force_login(auditor)

    page = client.get(f"/admin/aid_payout_batches/inspect/{batch.pk}/").text

    assert "审核通过" not in page
    assert refused(client.post(f"/admin/aid/payouts/{batch.pk}/approve/"))


def test_the_bank_file_downloads_with_full_numbers_and_an_audit_row(
    client, aid_officer, second_officer, closed_october
):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    approve_batch(batch=batch, actor=second_officer)
    client.force_login(second_officer)

    response = client.post(f"/admin/aid/payouts/{batch.pk}/export/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "6200000000000001234" in response.content.decode("utf-8-sig")
    exported = PersonalDataAccess.objects.filter(purpose="export")
    assert exported.count() == 3
    assert {access.reason for access in exported} == {f"付款批次 {batch.pk} 的银行付款文件"}


def test_the_drafter_approving_sees_the_four_eyes_error(client, aid_officer, closed_october):
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    client.force_login(aid_officer)

    response = client.post(f"/admin/aid/payouts/{batch.pk}/approve/", follow=True)

    assert "另一位帮扶专员" in response.text
    batch.refresh_from_db()
    assert batch.status == PayoutBatch.Status.DRAFT


@pytest.mark.parametrize("role", ["aid_officer", "auditor"])
def test_the_household_page_shows_its_sales_with_masks_only(
    client, request, role, closed_october, beneficiaries
):
    household = beneficiaries[0]
    client.force_login(request.getfixturevalue(role))

    page = client.get(f"/admin/households/inspect/{household.pk}/").text

    assert "2026-10 共收到 ¥6.63" in page
    assert "大棚番茄 · 5斤装 × 2" in page
    assert "孔*轩" in page
    for full_value in ["孔祥轩", "19900001234", "6200000000000001234", "11010519491231002X"]:
        assert full_value not in page
        assert json.dumps(full_value)[1:-1] not in page


def test_the_period_page_shows_its_seal_and_the_sealed_balances(client, auditor, closed_october):
    seal = closed_october.seal
    client.force_login(auditor)

    page = client.get(f"/admin/aid_periods/inspect/{closed_october.pk}/").text

    assert seal.seal_hash in page and seal.balances_hash in page
    for code, _fen in seal.balances:
        assert f"<td>{code}</td>" in page


def test_the_transaction_page_shows_its_place_in_the_chain(client, auditor, closed_october):
    posting = closed_october.distributions.get().transaction
    client.force_login(auditor)

    page = client.get(f"/admin/aid_transactions/inspect/{posting.pk}/").text

    assert posting.chain_hash in page and posting.previous_hash in page
