"""A day's statement (对账单) from Stripe's balance transactions, against the stub."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.roles import TOWNSHIP_EDITOR
from shop.orders.checkout import place_order
from shop.payments.gateway import PaymentError, StatementLine
from shop.payments.refunds import execute_refund, request_refund
from shop.payments.services import payment_succeeded, start_payment
from shop.payments.stripe.gateway import StripeGateway
from tests.township import add_staff

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 2)
BEIJING = ZoneInfo("Asia/Shanghai")


def beijing(hour: int, minute: int = 0, second: int = 0, *, day: date = DAY) -> int:
    """Unix time of a moment of a Beijing-time day."""
    return int(
        datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=BEIJING).timestamp()
    )


def utc(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, tz=UTC)


@pytest.fixture
def paid(on_stub, two_producers, address):
    """Pay a new order of ``quantity`` tomatoes through Stripe at Unix time ``at``."""
    tomato, _bag = two_producers

    def pay(*, at: int, method: str = "alipay", fee: int = 0, quantity: int = 1, kind="charge"):
        order = place_order(
            items=[(tomato.pk, quantity)],
            email="buyer@example.com",
            address=address,
            gateway="stripe",
        )
        payment, _start = start_payment(order=order, method=method)
        on_stub.now = at
        on_stub.settle(payment.external_id, fee=fee, kind=kind)
        return payment_succeeded(
            payment_id=payment.pk, amount_fen=payment.amount_fen, external_id=payment.external_id
        )

    return pay


def test_the_days_payments_and_refunds_with_our_references_and_fees(on_stub, paid):
    by_card = paid(at=beijing(0, 0, 0), method="card", fee=139)  # the day's first second
    by_alipay = paid(at=beijing(9, 30), fee=220, quantity=2, kind="payment")
    on_stub.now = beijing(23, 59, 59)  # the last second of the day
    refund = request_refund(
        order_id=by_alipay.order_id, actor=add_staff(TOWNSHIP_EDITOR), reason="退货"
    )
    refund = execute_refund(refund_id=refund.pk)

    lines = StripeGateway().statement(day=DAY)

    assert lines == [
        StatementLine(
            kind="payment",
            merchant_reference=by_card.merchant_reference,
            external_id=by_card.external_id,
            amount_fen=by_card.amount_fen,
            fee_fen=139,
            occurred_at=utc(beijing(0)),
        ),
        StatementLine(
            kind="payment",
            merchant_reference=by_alipay.merchant_reference,
            external_id=by_alipay.external_id,
            amount_fen=by_alipay.amount_fen,
            fee_fen=220,
            occurred_at=utc(beijing(9, 30)),
        ),
        StatementLine(
            kind="refund",
            merchant_reference=refund.merchant_reference,
            external_id=refund.external_id,
            amount_fen=refund.amount_fen,  # positive: the kind says which way it went
            fee_fen=0,
            occurred_at=utc(beijing(23, 59, 59)),
        ),
    ]


def test_only_the_beijing_day_is_asked_for(on_stub, paid):
    paid(at=beijing(23, 59, 59, day=date(2026, 3, 1)))  # 15:59:59 UTC on the 1st
    paid(at=beijing(0, 0, 0, day=date(2026, 3, 3)))  # 16:00 UTC on the 2nd

    assert StripeGateway().statement(day=DAY) == []
    [request] = [r for r in on_stub.requests if r.path == "/v1/balance_transactions"]
    assert (request.form["created[gte]"], request.form["created[lt]"]) == (
        str(beijing(0)),
        str(beijing(0, day=date(2026, 3, 3))),
    )


def test_money_the_shop_has_no_record_of_is_listed_without_a_reference(on_stub):
    on_stub.now = beijing(12)
    charge = on_stub.add_charge(intent_id="pi_not_ours", amount=500, fee=18)

    [line] = StripeGateway().statement(day=DAY)

    assert (line.merchant_reference, line.external_id) == ("", "pi_not_ours")
    assert (line.amount_fen, line.fee_fen) == (charge["amount"], 18)


def test_other_balance_transactions_are_not_lines(on_stub, paid):
    payment = paid(at=beijing(10))
    on_stub.add_transaction("payout", source="po_1", amount=-3980)
    on_stub.add_transaction("stripe_fee", source="fee_1", amount=-100)
    on_stub.add_transaction("adjustment", source="dp_1", amount=-3980, fee=1500)

    lines = StripeGateway().statement(day=DAY)

    assert [line.external_id for line in lines] == [payment.external_id]


def test_every_page_is_read(on_stub, paid):
    on_stub.page_size = 2
    payments = [paid(at=beijing(8, minute)) for minute in range(5)]

    lines = StripeGateway().statement(day=DAY)

    assert [line.merchant_reference for line in lines] == [p.merchant_reference for p in payments]
    pages = [r for r in on_stub.requests if r.path == "/v1/balance_transactions"]
    assert len(pages) == 3
    assert "starting_after" not in pages[0].form
    assert all(page.form["starting_after"].startswith("txn_") for page in pages[1:])


def test_a_balance_in_another_currency_is_refused(on_stub):
    on_stub.now = beijing(12)
    on_stub.add_transaction("charge", source="ch_hkd", amount=4400, currency="hkd")

    with pytest.raises(PaymentError, match="HKD"):
        StripeGateway().statement(day=DAY)


def test_a_statement_stripe_refuses_raises_a_payment_error(on_stub):
    on_stub.refuse_key = True

    with pytest.raises(PaymentError):
        StripeGateway().statement(day=DAY)
