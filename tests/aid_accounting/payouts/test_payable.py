"""What a payout batch may pay, and what it holds and why (payouts.payable)."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from aid_accounting.exceptions import NoticeError, PayoutError
from aid_accounting.households.models import Household
from aid_accounting.ledger.kinds import AccountOwnerType
from aid_accounting.ledger.posting import balance, lock_accounts, producer_account
from aid_accounting.notices.models import Notice, NoticeObjection
from aid_accounting.notices.publication import resolve_objection, submit_objection
from aid_accounting.payouts.batches import draft_batch
from aid_accounting.payouts.models import PayoutBatch, PayoutHold, RemovedHouseholdDecision
from aid_accounting.payouts.payable import decide_removed_household, payability
from aid_accounting.payouts.statements import monthly_statement
from aid_accounting.periods.close import close_period
from core.roles import SYSTEM
from tests.aid_accounting.factories import household_account
from tests.township import (
    add_households,
    add_member,
    at,
    close_and_publish,
    deliver,
    pay_out,
    publish_notices,
    refund,
    sell,
)

pytestmark = pytest.mark.django_db

HOUSEHOLD = PayoutBatch.Kind.HOUSEHOLD
PRODUCER = PayoutBatch.Kind.PRODUCER
Reason = PayoutHold.Reason


def holds(batch: PayoutBatch) -> list[tuple[str, str, int, int | None]]:
    return [
        (hold.payee_label, hold.reason, hold.amount_fen, hold.eligible_fen)
        for hold in batch.holds.order_by("account__code", "reason")
    ]


# Producers: only what can no longer come back ------------------------------------


def test_a_producer_is_not_paid_for_an_order_not_yet_shipped(
    clock, tomato, tomato_producer, aid_officer
):
    sell([(tomato, 2)], paid_at=clock.set("2026-10-10"))
    clock.set("2026-11-20")

    with pytest.raises(PayoutError, match=r"^没有可付款的应付余额。暂缓支付：退货期未过 1 位。$"):
        draft_batch(kind=PRODUCER, actor=aid_officer)

    assert not PayoutBatch.objects.exists()


def test_a_producer_is_paid_only_for_deliveries_past_their_return_window(
    clock, tomato, tomato_producer, aid_officer
):
    # ¥79.60 less 25% aid, plus ¥10 shipping: ¥69.70 each.
    deliver(sell([(tomato, 2)], paid_at=clock.set("2026-10-10")), at=at("2026-10-12"))
    delivered_late = sell([(tomato, 2)], paid_at=clock.set("2026-10-11"))
    deliver(delivered_late, at=at("2026-10-20"))
    sell([(tomato, 2)], paid_at=clock.set("2026-10-12"))  # never shipped
    clock.set("2026-10-21")  # the first is past its 2 days, the second not

    batch = draft_batch(kind=PRODUCER, actor=aid_officer)

    assert [(row.producer, row.amount_fen) for row in batch.rows.all()] == [(tomato_producer, 6970)]
    assert holds(batch) == [(str(tomato_producer), Reason.RETURN_WINDOW, 2 * 6970, None)]
    assert balance(producer_account(tomato_producer)) == 3 * 6970


def test_a_partial_refund_lowers_what_is_held(clock, tomato, tomato_producer, staff, aid_officer):
    order = sell([(tomato, 2)], paid_at=clock.set("2026-10-10"))
    clock.set("2026-10-11")
    refund(order, staff=staff, line=order.lines.get(), quantity=1)

    figures = payability(
        kind=PRODUCER, accounts=lock_accounts(owner_type=AccountOwnerType.PRODUCER), now=clock.now
    )

    # One box (¥39.80 less ¥9.95 aid) and the shipping are still held.
    (payee,) = figures.values()
    assert (payee.balance_fen, payee.holds, payee.payable_fen) == (
        2985 + 1000,
        {Reason.RETURN_WINDOW: 2985 + 1000},
        0,
    )


@pytest.fixture
def refunded_after_payout(clock, tomato, tomato_producer, staff, aid_officer, second_officer):
    """October's ¥69.70 paid on the 20th, then the whole order refunded on the 25th."""
    order = sell([(tomato, 2)], paid_at=clock.set("2026-10-10"))
    deliver(order, at=at("2026-10-12"))
    clock.set("2026-10-20")
    pay_out(PRODUCER, drafter=aid_officer, approver=second_officer)
    clock.set("2026-10-25")
    refund(order, staff=staff)
    return order


def test_a_negative_payable_is_recorded_not_skipped(refunded_after_payout, clock, aid_officer):
    clock.set("2026-10-30")

    with pytest.raises(PayoutError, match="应付余额为负，待以后收入抵扣 1 位"):
        draft_batch(kind=PRODUCER, actor=aid_officer)


def test_a_refund_after_a_payout_is_offset_in_the_next_batch(
    refunded_after_payout, clock, tomato, tomato_producer, aid_officer
):
    # November: 3 boxes, free shipping: ¥119.40 less ¥29.85 aid.
    deliver(sell([(tomato, 3)], paid_at=clock.set("2026-11-05")), at=at("2026-11-06"))
    clock.set("2026-11-20")

    batch = draft_batch(kind=PRODUCER, actor=aid_officer)

    assert [row.amount_fen for row in batch.rows.all()] == [8955 - 6970]
    assert holds(batch) == [(str(tomato_producer), Reason.OFFSET, 6970, 8955)]


def test_an_offset_larger_than_the_new_sales_leaves_the_rest_owed(
    refunded_after_payout, clock, tomato, tomato_producer, aid_officer
):
    deliver(sell([(tomato, 1)], paid_at=clock.set("2026-11-05")), at=at("2026-11-06"))
    clock.set("2026-11-20")

    with pytest.raises(PayoutError, match="抵扣付款后的退款 1 位；应付余额为负"):
        draft_batch(kind=PRODUCER, actor=aid_officer)

    # ¥39.80 less ¥9.95 aid, plus ¥10 shipping, against the ¥69.70 refunded.
    (payee,) = payability(
        kind=PRODUCER, accounts=lock_accounts(owner_type=AccountOwnerType.PRODUCER), now=clock.now
    ).values()
    assert (payee.eligible_fen, payee.holds) == (
        3985,
        {Reason.OFFSET: 3985, Reason.NEGATIVE_BALANCE: 6970 - 3985},
    )


def test_the_statement_shows_a_negative_balance_to_be_offset(
    refunded_after_payout, client, tomato_producer
):
    (october,) = monthly_statement(producer=tomato_producer, year=2026).months
    assert (october.balance_fen, october.owed_back_fen) == (-6970, 6970)

    client.force_login(add_member(tomato_producer))
    page = client.get(reverse("portal:earnings"), {"year": 2026}).content.decode()

    assert re.search(r"多付待从以后收入中抵扣</span><span>¥69\.70", page)


def test_producer_payability_asks_a_fixed_number_of_queries(
    clock, tomato, bag, tomato_producer, aid_officer, django_assert_num_queries
):
    def count(orders: int) -> None:
        for _n in range(orders):
            deliver(sell([(tomato, 1), (bag, 1)], paid_at=clock.set("2026-10-10")), at=clock.now)
        accounts = lock_accounts(owner_type=AccountOwnerType.PRODUCER)
        # totals, open batches, open lines, last payouts, payout accounts
        with django_assert_num_queries(5):
            payability(kind=PRODUCER, accounts=accounts, now=clock.now)

    count(1)
    count(5)


# Households: only after the notice (公示) -----------------------------------------


@pytest.fixture
def closed(clock, tomato, tomato_rule, beneficiaries):
    """October closed on 2 November: 663, 663 and 664 fen to the three households
    (the spare fen is LGZ-J-3's this month)."""
    deliver(sell([(tomato, 2)], paid_at=clock.set("2026-10-10")), at=at("2026-10-12"))
    close_period(actor=SYSTEM, period="2026-10", now=clock.set("2026-11-02"))
    return beneficiaries


def test_households_are_not_paid_before_the_notice_is_published(closed, clock, aid_officer):
    clock.set("2026-12-01")

    with pytest.raises(PayoutError, match="公示未发布或公示期未结束 3 位"):
        draft_batch(kind=HOUSEHOLD, actor=aid_officer)


def test_households_are_not_paid_during_the_notice_window(
    closed, clock, aid_officer, second_officer
):
    publish_notices("2026-10", generator=aid_officer, publisher=second_officer, on=clock.now)
    clock.set("2026-11-08")

    with pytest.raises(PayoutError, match="公示未发布或公示期未结束 3 位"):
        draft_batch(kind=HOUSEHOLD, actor=aid_officer)

    clock.set("2026-11-09")  # seven days after publication: the window has ended
    batch = draft_batch(kind=HOUSEHOLD, actor=aid_officer)
    assert batch.total_fen == 1990
    assert not batch.holds.exists()


def test_the_window_follows_the_setting(closed, clock, aid_officer, second_officer, settings):
    settings.AID_NOTICE_WINDOW_DAYS = 10
    (notice,) = publish_notices(
        "2026-10", generator=aid_officer, publisher=second_officer, on=clock.now
    )
    assert notice.window_days == 10
    clock.set("2026-11-11")

    with pytest.raises(PayoutError):
        draft_batch(kind=HOUSEHOLD, actor=aid_officer)


@pytest.fixture
def objected(closed, clock, aid_officer, second_officer):
    (notice,) = publish_notices(
        "2026-10", generator=aid_officer, publisher=second_officer, on=clock.now
    )
    return notice


def test_an_objection_naming_a_row_holds_only_that_household(
    objected, closed, clock, aid_officer, second_officer
):
    objection = submit_objection(
        notice=objected,
        position=1,
        name="张三",
        contact="13800000000",
        message="第一户的金额有误，请核实。",
        now=at("2026-11-03"),
    )
    clock.set("2026-11-10")

    batch = draft_batch(kind=HOUSEHOLD, actor=aid_officer)

    assert [(row.household, row.amount_fen) for row in batch.rows.order_by("pk")] == [
        (closed[1], 663),
        (closed[2], 664),
    ]
    assert holds(batch) == [(str(closed[0]), Reason.OBJECTION, 663, None)]

    resolve_objection(
        objection=objection, status="resolved", note="核实无误。", actor=second_officer
    )
    later = draft_batch(kind=HOUSEHOLD, actor=aid_officer)
    assert [(row.household, row.amount_fen) for row in later.rows.all()] == [(closed[0], 663)]


def test_an_objection_to_the_whole_notice_holds_the_village(objected, clock, aid_officer):
    submit_objection(
        notice=objected, name="张三", contact="13800000000", message="整份公示有误。", now=clock.now
    )
    clock.set("2026-11-10")

    with pytest.raises(PayoutError, match="公示异议待处理 3 位"):
        draft_batch(kind=HOUSEHOLD, actor=aid_officer)


def test_an_upheld_objection_keeps_holding(objected, closed, clock, aid_officer, second_officer):
    objection = submit_objection(
        notice=objected, position=2, name="张三", contact="13800000000", message="第二户已外出。"
    )
    resolve_objection(objection=objection, status="upheld", note="属实。", actor=second_officer)
    clock.set("2026-11-10")

    batch = draft_batch(kind=HOUSEHOLD, actor=aid_officer)

    assert holds(batch) == [(str(closed[1]), Reason.OBJECTION_UPHELD, 663, None)]


def test_an_objection_is_resolved_once_with_a_note_by_an_officer(objected, auditor, aid_officer):
    objection = submit_objection(
        notice=objected, name="张三", contact="13800000000", message="整份公示有误。"
    )
    with pytest.raises(PermissionDenied):
        resolve_objection(objection=objection, status="resolved", note="无误", actor=auditor)
    with pytest.raises(NoticeError, match=r"^请填写处理说明。$"):
        resolve_objection(objection=objection, status="resolved", note=" ", actor=aid_officer)

    resolve_objection(objection=objection, status="resolved", note="无误", actor=aid_officer)

    objection.refresh_from_db()
    assert (objection.status, objection.resolved_by) == (
        NoticeObjection.Status.RESOLVED,
        aid_officer,
    )
    with pytest.raises(NoticeError, match=r"^该异议已处理。$"):
        resolve_objection(objection=objection, status="upheld", note="再议", actor=aid_officer)


def test_a_household_removed_after_the_close_waits_for_a_decision(
    objected, closed, clock, aid_officer, auditor
):
    removed = closed[2]
    Household.objects.filter(pk=removed.pk).update(status=Household.Status.REMOVED)
    clock.set("2026-11-10")

    batch = draft_batch(kind=HOUSEHOLD, actor=aid_officer)

    assert removed not in {row.household for row in batch.rows.all()}
    assert holds(batch) == [(str(removed), Reason.REMOVED, 664, None)]
    assert balance(household_account(removed)) == 664

    with pytest.raises(PermissionDenied):
        decide_removed_household(household=removed, decision="pay", reason="x", actor=auditor)
    decide_removed_household(
        household=removed, decision="withhold", reason="待村委核实", actor=aid_officer
    )
    with pytest.raises(PayoutError, match="暂停支付 1 位"):
        draft_batch(kind=HOUSEHOLD, actor=aid_officer)

    decide_removed_household(
        household=removed, decision="pay", reason="本月仍在村，照付", actor=aid_officer
    )
    later = draft_batch(kind=HOUSEHOLD, actor=aid_officer)
    assert [(row.household, row.amount_fen) for row in later.rows.all()] == [(removed, 664)]
    assert RemovedHouseholdDecision.objects.filter(household=removed).count() == 2


def test_only_a_removed_household_needs_a_decision(closed, aid_officer):
    with pytest.raises(PayoutError, match="没有退出登记"):
        decide_removed_household(
            household=closed[0], decision="pay", reason="照付", actor=aid_officer
        )


def test_household_payability_asks_a_fixed_number_of_queries(
    clock, tomato, tomato_rule, key_village, beneficiaries, django_assert_num_queries
):
    def count(*, households: int, month: str, closed_on: str) -> None:
        add_households(key_village, prefix=f"X{month}", members=[1] * households)
        deliver(sell([(tomato, 2)], paid_at=clock.set(f"{month}-10")), at=clock.now)
        close_and_publish(month, now=clock.set(closed_on))
        accounts = lock_accounts(owner_type=AccountOwnerType.HOUSEHOLD)
        # totals, open batches, households, held credits
        with django_assert_num_queries(4):
            payability(kind=HOUSEHOLD, accounts=accounts, now=clock.now)

    count(households=1, month="2026-10", closed_on="2026-11-02")
    count(households=6, month="2026-11", closed_on="2026-12-02")
    assert Notice.objects.count() == 2
