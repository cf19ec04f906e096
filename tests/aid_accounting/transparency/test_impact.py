"""Buyer impact (DESIGN §7 Transparency): the product's rule, an order's impact,
the township's totals, and that none of them shows a household."""

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from aid_accounting.accrual.models import LineAccrual
from aid_accounting.ledger.models import Account, Entry, Transaction
from aid_accounting.payouts import batches
from aid_accounting.periods.close import close_period
from aid_accounting.rules.versions import set_rule
from aid_accounting.transparency import impact
from core.roles import SYSTEM
from shop.orders.ownership import SESSION_KEY
from tests.aid_accounting.factories import HouseholdFactory
from tests.producers.factories import VillageFactory
from tests.township import at, close_and_publish, deliver, refund, sell

pytestmark = pytest.mark.django_db


OCT_SALE, OCT_DELIVERY, NOV_CLOSE = at("2026-10-10"), at("2026-10-12"), at("2026-11-02")


def order_page(client, order):
    session = client.session
    session[SESSION_KEY] = [order.number]
    session.save()
    return client.get(f"/orders/{order.number}/")


def test_product_page_shows_the_rule_in_words(client, tomato, tomato_rule, key_village):
    response = client.get(tomato.product.url)

    assert response.status_code == 200
    assert "每单收入的25%用于姜庄村的脱贫户" in response.text


def test_rule_names_two_villages_and_counts_the_rest(tomato, tomato_rule):
    for name in ("孔庄村", "李庄村", "王庄村"):
        tomato_rule.pool.villages.add(VillageFactory(name=name, code=name))
    tomato_rule.pool.households.add(HouseholdFactory())

    text = impact.rule_text(product=tomato.product, on=OCT_SALE.date())

    assert text == "每单收入的25%用于姜庄村、孔庄村等4个重点村的脱贫户及1户指定帮扶户"


def test_in_english_the_named_villages_are_separated_by_a_comma(tomato, tomato_rule):
    tomato_rule.pool.villages.add(VillageFactory(name="孔庄村", code="kongzhuang"))

    with translation.override("en"):
        text = impact.rule_text(product=tomato.product, on=OCT_SALE.date())

    assert "姜庄村, 孔庄村" in text and "、" not in text


def test_a_product_rule_with_a_fixed_part_overrides_the_producer_rule(tomato, tomato_rule):
    set_rule(
        actor=SYSTEM,
        producer=tomato.product.producer,
        product=tomato.product,
        pool=tomato_rule.pool,
        share_bp=1000,
        fixed_fen_per_unit=50,
        valid_from=tomato_rule.valid_from,
    )

    text = impact.rule_text(product=tomato.product, on=OCT_SALE.date())

    assert text.startswith("每单收入的10%另加每件¥0.50用于")


def test_no_rule_no_sentence(client, bag):
    assert impact.rule_text(product=bag.product) == ""
    assert "用于" not in client.get(bag.product.url).text


def test_order_impact_is_its_accruals_less_reversals(tomato, tomato_rule, staff):
    order = sell([(tomato, 3)], paid_at=OCT_SALE)  # 3 × 3980 × 25% = 2985
    refund(order, staff=staff, line=order.lines.get(), quantity=1)

    result = impact.order_impact(order=order)

    accrual = LineAccrual.objects.get(line__order=order)
    assert accrual.reversed_fen == 995
    assert result.aid_fen == accrual.aid_fen - accrual.reversed_fen == 1990
    [pool] = result.pools
    assert (pool.pool_name, pool.villages, pool.household_count) == (
        "重点村帮扶资金池",
        ["姜庄村"],
        None,
    )


def test_the_order_page_says_net_of_refunds_only_once_something_was_refunded(
    client, tomato, tomato_rule, staff
):
    order = sell([(tomato, 3)], paid_at=OCT_SALE)  # 3 × 3980 × 25% = 2985

    before = order_page(client, order).text
    refund(order, staff=staff, line=order.lines.get(), quantity=1)
    after = order_page(client, order).text

    assert "这一单共有 ¥29.85 计入帮扶资金。" in before and "已扣除退款部分" not in before
    assert "这一单共有 ¥19.90 计入帮扶资金（已扣除退款部分）。" in after
    assert impact.order_impact(order=order).reversed_fen == 995


def test_the_paid_email_says_net_of_refunds_only_once_something_was_refunded(
    tomato, tomato_rule, staff
):
    order = sell([(tomato, 3)], paid_at=OCT_SALE)
    context = {"order": order, "site_url": ""}

    before = render_to_string("shop/email/paid.txt", context)
    refund(order, staff=staff, line=order.lines.get(), quantity=1)
    after = render_to_string("shop/email/paid.txt", context)

    assert "这一单共有 ¥29.85 计入帮扶资金：" in before and "已扣除退款部分" not in before
    assert "这一单共有 ¥19.90 计入帮扶资金（已扣除退款部分）：" in after


def test_order_page_shows_pool_villages_then_households_after_close(
    client, tomato, tomato_rule, beneficiaries, aid_officer, second_officer
):
    order = sell([(tomato, 2)], paid_at=OCT_SALE)
    deliver(order, at=OCT_DELIVERY)

    before = order_page(client, order).text
    assert "¥19.90" in before and "姜庄村" in before
    assert "户脱贫户" not in before

    close_and_publish("2026-10", now=NOV_CLOSE)
    after = order_page(client, order).text
    assert "2026-11-02 结算，分给 3 户脱贫户" in after
    assert "已付款到户" not in after

    batch = batches.draft_batch(kind="household", actor=aid_officer)
    batches.approve_batch(batch=batch, actor=second_officer)
    batches.export_bank_csv(batch=batch, actor=aid_officer)
    for row in batch.rows.all():
        batches.mark_row_paid(row=row, actor=aid_officer)
    assert impact.order_impact(order=order).pools[0].paid_on == timezone.localdate()


def test_paid_email_carries_the_impact(tomato, tomato_rule):
    order = sell([(tomato, 2)], paid_at=OCT_SALE)

    body = render_to_string("shop/email/paid.txt", {"order": order, "site_url": ""})

    assert "这一单共有 ¥19.90 计入帮扶资金" in body
    assert "重点村帮扶资金池（姜庄村） ¥19.90" in body


def test_order_page_queries_do_not_grow_with_lines(tomato, bag, tomato_rule):
    set_rule(
        actor=SYSTEM,
        producer=bag.product.producer,
        pool=tomato_rule.pool,
        share_bp=1000,
        valid_from=tomato_rule.valid_from,
    )
    small = sell([(tomato, 1)], paid_at=OCT_SALE)
    big = sell([(tomato, 2), (bag, 3)], paid_at=OCT_SALE)
    deliver(small, at=OCT_DELIVERY)
    deliver(big, at=OCT_DELIVERY)
    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    counts = []
    for order in (small, big):
        with CaptureQueriesContext(connection) as queries:
            impact.order_impact(order=order)
        counts.append(len(queries))

    assert counts[0] == counts[1] <= 5


def test_home_summary_equals_the_ledger(client, tomato, tomato_rule, beneficiaries, staff):
    first = sell([(tomato, 2)], paid_at=OCT_SALE)
    second = sell([(tomato, 1)], paid_at=OCT_SALE)
    deliver(first, at=OCT_DELIVERY)
    deliver(second, at=OCT_DELIVERY)
    refund(second, staff=staff)
    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    summary = impact.township_impact()

    pool = Entry.objects.filter(account__owner_type=Account.OwnerType.POOL)
    households = Entry.objects.filter(
        account__owner_type=Account.OwnerType.HOUSEHOLD,
        transaction__kind=Transaction.Kind.DISTRIBUTION,
    )
    accrued = -sum(
        e.amount_fen for e in pool.exclude(transaction__kind=Transaction.Kind.DISTRIBUTION)
    )
    assert summary.accrued_fen == accrued == 1990
    assert summary.distributed_fen == -sum(e.amount_fen for e in households) == 1990
    assert (summary.village_count, summary.household_count) == (1, 3)
    page = client.get("/").text
    assert "帮扶成效" in page and "¥19.90" in page


def test_home_counts_only_the_key_villages_reached(
    client, tomato, tomato_rule, aid_pool, beneficiaries
):
    # A household the pool names, of a poor village that is not a key one, is
    # a household reached, but its village is not a key village.
    poor = VillageFactory(name="杨庄村", code="yangzhuang", is_key_village=False)
    aid_pool.households.add(HouseholdFactory(registration_number="LGZ-Y-1", village=poor))
    order = sell([(tomato, 2)], paid_at=OCT_SALE)
    deliver(order, at=OCT_DELIVERY)
    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    summary = impact.township_impact()

    assert (summary.village_count, summary.household_count) == (1, 4)
    page = client.get("/").text
    assert "惠及重点村</dt><dd>1 个" in page


def test_no_household_data_on_public_pages(client, tomato, tomato_rule, beneficiaries, key_village):
    HouseholdFactory(village=key_village, head_name="赵大明", phone="19911112222")
    order = sell([(tomato, 2)], paid_at=OCT_SALE)
    deliver(order, at=OCT_DELIVERY)
    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    pages = [
        client.get(tomato.product.url).text,
        order_page(client, order).text,
        client.get("/").text,
        client.get("/open-data/").content.decode(),
        client.get("/open-data/?format=csv").content.decode("utf-8-sig"),
        render_to_string("shop/email/paid.txt", {"order": order, "site_url": ""}),
    ]

    secrets = {"孔祥轩", "赵大明", "11010519491231002X", "19900001234", "19911112222"}
    secrets |= {"6200000000000001234", "LGZ-J-1", "LGZ-J-2", "LGZ-J-3"}
    for page in pages:
        assert not [secret for secret in secrets if secret in page]
