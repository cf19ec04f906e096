"""What a producer is held, and what refunds after a payout take back
(payouts/payable.py): every line still returnable is held, each shipment's fee
once; an offset counts the refunds of lines paid out already, since the
producer's last paid batch, whatever the other producers' dates."""

import pytest

from aid_accounting.ledger.kinds import AccountOwnerType
from aid_accounting.ledger.posting import lock_accounts
from aid_accounting.payouts.batches import cancel_batch, draft_batch
from aid_accounting.payouts.models import PayoutBatch, PayoutHold
from aid_accounting.payouts.payable import payability
from tests.aid_accounting.factories import ProducerPayoutAccountFactory
from tests.shop.factories import ProductVariantFactory
from tests.township import add_rule, at, deliver, pay_out, refund, sell

pytestmark = pytest.mark.django_db

PRODUCER = PayoutBatch.Kind.PRODUCER
Reason = PayoutHold.Reason


def figures(clock) -> dict:
    """Each producer's figures at the clock's time, by producer id."""
    accounts = lock_accounts(owner_type=AccountOwnerType.PRODUCER)
    return {
        payee.account.owner_id: payee
        for payee in payability(kind=PRODUCER, accounts=accounts, now=clock.now).values()
    }


def delivered(variant, quantity, *, paid: str, delivered_on: str):
    order = sell([(variant, quantity)], paid_at=at(paid))
    deliver(order, at=at(delivered_on))
    return order


def test_every_line_still_returnable_is_held_among_lines_past_their_window(
    clock, tomato, tomato_producer
):
    # ¥69.70 each (¥79.60 less 25 % aid, plus ¥10 shipping); 2-day window.
    delivered(tomato, 2, paid="2026-10-05", delivered_on="2026-10-06")
    delivered(tomato, 2, paid="2026-10-06", delivered_on="2026-10-20")
    delivered(tomato, 2, paid="2026-10-07", delivered_on="2026-10-08")
    delivered(tomato, 2, paid="2026-10-08", delivered_on="2026-10-20")
    clock.set("2026-10-21")

    payee = figures(clock)[tomato_producer.pk]

    assert (payee.holds, payee.payable_fen) == ({Reason.RETURN_WINDOW: 2 * 6970}, 2 * 6970)


def test_a_shipment_of_two_returnable_lines_holds_its_fee_once(clock, tomato, tomato_producer):
    basket = ProductVariantFactory(product=tomato.product, name="1斤装", price_fen=1000)
    order = sell([(tomato, 1), (basket, 1)], paid_at=at("2026-10-10"))
    deliver(order, at=at("2026-10-20"))
    clock.set("2026-10-21")

    payee = figures(clock)[tomato_producer.pk]

    # ¥39.80 and ¥10 less 25 % aid, and one ¥10 fee.
    assert payee.holds == {Reason.RETURN_WINDOW: 2985 + 750 + 1000}


def test_a_producer_without_a_payout_account_is_held_whole(clock, tomato, tomato_rule):
    delivered(tomato, 2, paid="2026-10-10", delivered_on="2026-10-12")
    clock.set("2026-10-21")

    payee = figures(clock)[tomato.product.producer_id]

    assert (payee.holds, payee.payable_fen) == ({Reason.NO_ACCOUNT: 6970}, 0)


@pytest.fixture
def paid_out(clock, tomato, tomato_producer, aid_officer, second_officer):
    """Two orders of ¥69.70 delivered on 12 October and paid out on the 20th."""
    orders = [delivered(tomato, 2, paid="2026-10-10", delivered_on="2026-10-12") for _ in "ab"]
    clock.set("2026-10-20")
    pay_out(PRODUCER, drafter=aid_officer, approver=second_officer)
    return orders


def test_refunds_of_two_orders_paid_out_are_both_offset(paid_out, clock, tomato_producer, staff):
    clock.set("2026-10-25")
    for order in paid_out:
        refund(order, staff=staff)

    payee = figures(clock)[tomato_producer.pk]

    assert (payee.offset_fen, payee.holds) == (
        2 * 6970,
        {Reason.NEGATIVE_BALANCE: 2 * 6970},
    )


def test_a_refund_of_a_line_held_at_the_payout_is_no_offset(
    clock, tomato, tomato_producer, staff, aid_officer, second_officer
):
    delivered(tomato, 2, paid="2026-10-10", delivered_on="2026-10-12")
    held = delivered(tomato, 2, paid="2026-10-18", delivered_on="2026-10-19")
    clock.set("2026-10-20")  # the second is within its window: held, not paid
    pay_out(PRODUCER, drafter=aid_officer, approver=second_officer)
    clock.set("2026-10-22")
    refund(held, staff=staff)

    payee = figures(clock)[tomato_producer.pk]

    assert (payee.balance_fen, payee.offset_fen, payee.holds) == (0, 0, {})


def test_a_cancelled_batch_does_not_move_the_offsets_start(
    paid_out, clock, tomato, tomato_producer, staff, aid_officer
):
    clock.set("2026-10-25")
    refund(paid_out[0], staff=staff)  # 6970 paid out, now offset
    delivered(tomato, 3, paid="2026-11-05", delivered_on="2026-11-06")  # 8955, free shipping
    clock.set("2026-11-20")
    cancel_batch(batch=draft_batch(kind=PRODUCER, actor=aid_officer), actor=aid_officer)
    clock.set("2026-11-21")

    payee = figures(clock)[tomato_producer.pk]

    assert (payee.offset_fen, payee.payable_fen) == (6970, 8955 - 6970)


def test_each_producers_offset_counts_from_its_own_last_payout(
    clock, tomato, bag, tomato_rule, aid_officer, second_officer, staff
):
    bag_producer = bag.product.producer
    ProducerPayoutAccountFactory(producer=bag_producer)
    add_rule(bag_producer, tomato_rule.pool)
    tomato_producer = tomato.product.producer
    ProducerPayoutAccountFactory(producer=tomato_producer)
    # The bags are sold first (their account is the older), paid out last.
    bags = delivered(bag, 20, paid="2026-10-09", delivered_on="2026-10-22")  # ¥198, free shipping
    tomatoes = delivered(tomato, 2, paid="2026-10-10", delivered_on="2026-10-12")
    clock.set("2026-10-20")
    pay_out(PRODUCER, drafter=aid_officer, approver=second_officer)  # the tomatoes only
    clock.set("2026-10-25")
    refund(bags, staff=staff, line=bags.lines.get(), quantity=1)  # before the bags' payout
    clock.set("2026-11-05")
    pay_out(PRODUCER, drafter=aid_officer, approver=second_officer)  # the bags only
    clock.set("2026-11-10")
    refund(tomatoes, staff=staff)  # paid out on 20 October: an offset

    shown = figures(clock)

    assert shown[bag_producer.pk].offset_fen == 0
    assert shown[tomato_producer.pk].offset_fen == 6970
