"""The audit trail (变更记录): rules, periods, payouts, pools and households,
with who changed them; who may read it; what it never shows."""

import json

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from aid_accounting.admin import audit_views
from aid_accounting.households.models import Household
from aid_accounting.payouts.batches import (
    approve_batch,
    draft_batch,
    export_bank_csv,
    mark_row_paid,
)
from aid_accounting.payouts.models import PayoutBatch, PayoutRow
from aid_accounting.periods.close import close_period
from core.history_baseline import HISTORY_STARTED, record_existing_rows
from core.roles import BUYER, PRODUCER_MEMBER, SYSTEM
from tests.aid_accounting.factories import HouseholdFactory, ProducerPayoutAccountFactory
from tests.factories import UserFactory
from tests.producers.factories import VillageFactory
from tests.township import at, close_and_publish, deliver, sell

pytestmark = pytest.mark.django_db

TRAIL = "/admin/aid/audit/"


@pytest.fixture
def october_sold(tomato, tomato_rule, beneficiaries):
    order = sell([(tomato, 2)], paid_at=at("2026-10-10"))
    deliver(order, at=at("2026-10-12"))
    return order


def trail(client, **filters) -> str:
    response = client.get(TRAIL, filters)
    assert response.status_code == 200
    return response.text


def test_a_rule_edit_appears_with_the_officer_who_made_it(client, aid_officer, tomato_rule):
    client.force_login(aid_officer)

    client.post(
        f"/admin/aid/rules/{tomato_rule.pk}/new-version/",
        {
            "producer": tomato_rule.producer_id,
            "pool": tomato_rule.pool_id,
            "share_percent": "30",
            "fixed_per_unit": "0",
            "valid_from": "2026-06-01",
        },
    )

    page = trail(client, model="aidrule")
    assert "officer" in page
    # The new version starts with its terms; the old one is closed the day before.
    assert "比例（基点）：3000" in page
    assert "失效日期：— → 2026-05-31" in page
    assert "被新版本接替" in page
    superseded = tomato_rule.history.order_by("-history_date").first()
    assert superseded.history_user == aid_officer


def test_a_period_closed_by_an_officer_shows_the_officer(
    client, aid_officer, auditor, october_sold
):
    close_period(period="2026-10", actor=aid_officer, now=at("2026-11-02"))
    client.force_login(auditor)

    page = trail(client, model="accountingperiod")

    assert "officer" in page
    assert "状态：未结算 → 已结算" in page


def test_a_period_closed_by_the_schedule_says_so(client, auditor, october_sold):
    close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-02"))
    client.force_login(auditor)

    page = trail(client, model="accountingperiod")

    assert "系统" in page
    assert "定时任务或命令自动结算" in page


def test_a_batch_approval_appears_with_the_second_officer(
    client, aid_officer, second_officer, october_sold
):
    close_and_publish("2026-10", now=at("2026-11-02"))
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    client.force_login(second_officer)

    client.post(f"/admin/aid/payouts/{batch.pk}/approve/")

    record = batch.history.order_by("-history_date").first()
    assert (record.history_user, record.status) == (second_officer, PayoutBatch.Status.APPROVED)
    page = trail(client, model="payoutbatch", user=second_officer.pk)
    assert "officer2" in page
    assert "状态：草稿 → 已审核" in page
    assert "审核人：— → officer2" in page
    # The draft, by the first officer, is filtered out by the user filter.
    assert "新建" not in page


def test_payout_rows_and_the_completed_batch_carry_the_officer(
    aid_officer, second_officer, october_sold
):
    close_and_publish("2026-10", now=at("2026-11-02"))
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)
    assert {r.history_user for r in PayoutRow.history.filter(batch_id=batch.pk)} == {aid_officer}
    approve_batch(batch=batch, actor=second_officer)
    export_bank_csv(batch=batch, actor=aid_officer)
    for row in batch.rows.all():
        mark_row_paid(row=row, actor=aid_officer)

    last = batch.history.order_by("-history_date").first()
    assert (last.status, last.history_user) == (PayoutBatch.Status.COMPLETED, aid_officer)
    paid = PayoutRow.history.filter(batch_id=batch.pk, status=PayoutRow.Status.PAID)
    assert paid.count() == 3
    assert {r.history_user for r in paid} == {aid_officer}


def test_a_pools_villages_are_in_its_history(client, aid_officer, aid_pool):
    other = VillageFactory(name="孔庄村", code="kongzhuang")
    client.force_login(aid_officer)

    client.post(
        f"/admin/aid_pools/edit/{aid_pool.pk}/",
        {
            "name": aid_pool.name,
            "villages": [v.pk for v in aid_pool.villages.all()] + [other.pk],
            "households": [],
            "weighting": aid_pool.weighting,
        },
    )

    assert "受益重点村：姜庄村 → 姜庄村、孔庄村" in trail(client, model="aidpool")


# Who may read it ----------------------------------------------------------------


def test_an_auditor_reads_the_trail_and_its_menu(client, auditor):
    client.force_login(auditor)

    assert client.get(TRAIL).status_code == 200
    # The sidebar's menu is JSON, with the Chinese escaped.
    assert json.dumps("变更记录") in client.get("/admin/").text


@pytest.mark.parametrize("role", [PRODUCER_MEMBER, BUYER])
def test_producer_members_and_buyers_cannot_read_it(client, role, household):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=role))
    client.force_login(user)

    response = client.get(TRAIL)

    assert response.status_code in (302, 403)
    assert household.registration_number not in response.text


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(TRAIL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_each_objects_own_page_links_to_its_trail(
    client, aid_officer, second_officer, household, october_sold
):
    period = close_and_publish("2026-10", now=at("2026-11-02")).period
    batch = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=second_officer)
    rule = october_sold.lines.get().aid_accrual.rule
    account = ProducerPayoutAccountFactory()
    client.force_login(aid_officer)

    for url, source, pk in (
        ("/admin/households/inspect/{}/", "household", household.pk),
        ("/admin/aid_rules/inspect/{}/", "aidrule", rule.pk),
        ("/admin/aid_pools/inspect/{}/", "aidpool", rule.pool_id),
        ("/admin/aid_periods/inspect/{}/", "accountingperiod", period.pk),
        ("/admin/aid_payout_batches/inspect/{}/", "payoutbatch", batch.pk),
        ("/admin/aid_producer_payout_accounts/inspect/{}/", "producerpayoutaccount", account.pk),
    ):
        page = client.get(url.format(pk)).text
        assert audit_views.object_url(source, pk).replace("&", "&amp;") in page, url


# What it never shows ------------------------------------------------------------

PERSONAL_VALUES = ["11010519491231002X", "19900001234", "6200000000000001234", "示例农村商业银行"]


def test_personal_fields_never_appear(client, aid_officer, auditor):
    household = HouseholdFactory(head_name="孔祥轩")
    client.force_login(aid_officer)
    client.post(
        f"/admin/households/edit/{household.pk}/",
        {
            "registration_number": household.registration_number,
            "head_name": "孔祥宇",
            "member_count": 4,
            "village": household.village_id,
            "kind": household.kind,
            "status": household.status,
            "helper_cadre": household.helper_cadre,
        },
    )
    household.refresh_from_db()
    household.phone = "19900005678"
    household.id_number = "110105194912310037"
    household.save()
    account = ProducerPayoutAccountFactory(holder_name="王小明", bank_name="示例信用社")
    account.bank_account_number = "62000000000990002"
    account.save()

    for user in (aid_officer, auditor):
        client.force_login(user)
        page = trail(client)
        assert "家庭人口：3 → 4" in page
        for value in [*PERSONAL_VALUES, "19900005678", "110105194912310037", "62000000000990"]:
            assert value not in page
        for label in ("身份证号码", "联系电话", "银行账号"):
            assert label not in page
        # Names are masked, as in the listings.
        assert "孔祥宇" not in page and "孔祥轩" not in page
        assert "王小明" not in page


def test_the_history_tables_have_no_personal_columns():
    for model, personal in (
        (Household, Household.PERSONAL_FIELDS),
        (apps.get_model("aid_accounting", "ProducerPayoutAccount"), ("bank_account_number",)),
    ):
        columns = {field.name for field in model.history.model._meta.fields}
        assert not columns & set(personal)


# Filters, pages, and history for rows made before it -------------------------------


def test_the_trail_is_paginated_newest_first(client, auditor):
    households = [HouseholdFactory() for _ in range(audit_views.PER_PAGE + 5)]
    client.force_login(auditor)

    first = trail(client, model="household")
    second = trail(client, model="household", p=2)

    assert "第 1 页，共 2 页" in first
    assert households[-1].registration_number in first
    assert households[0].registration_number not in first
    assert households[0].registration_number in second


def test_rows_made_before_the_history_get_a_starting_record(aid_pool):
    aid_pool.history.all().delete()

    record_existing_rows(apps, app_label="aid_accounting", model_names=["AidPool"])

    record = aid_pool.history.get()
    assert (record.history_type, record.history_change_reason) == ("+", HISTORY_STARTED)
    assert [link.village for link in record.villages.all()] == list(aid_pool.villages.all())
