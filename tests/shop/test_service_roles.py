"""The shop's services that move money or stock check who is asking themselves
(shop.orders.ownership), so a task, a command or a future view that calls them
directly is held to the same rule as the admin and portal views. Each is called
here with people who lack the role, and must refuse and write nothing; then with
the role (or as the system, said explicitly), and must work."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from core.roles import AID_OFFICER, AUDITOR, SYSTEM, TOWNSHIP_EDITOR
from shop.catalogue.models import ProductVariant
from shop.orders import inventory
from shop.orders.models import Order, OrderEvent
from shop.payments.models import Payment, Refund
from shop.payments.refunds import request_refund, request_surplus_refund
from shop.payments.services import payment_succeeded, record_offline_payment
from tests.factories import UserFactory
from tests.township import add_member, add_staff, place, sell

pytestmark = pytest.mark.django_db


def not_shop_staff(variant):
    """People who may not refund or record money: nobody, a visitor, a buyer,
    the other staff roles, a member of the producer, a disabled editor."""
    return [
        None,
        AnonymousUser(),
        UserFactory(username="buyer"),
        add_staff(AUDITOR, username="auditor"),
        add_staff(AID_OFFICER, username="officer"),
        add_member(variant.product.producer),
        add_staff(TOWNSHIP_EDITOR, username="former", is_active=False),
    ]


def writes(*models) -> tuple[int, ...]:
    return tuple(model.objects.count() for model in models)


# Refunds ------------------------------------------------------------------------


def test_only_shop_staff_request_a_refund(tomato, staff):
    order = sell([(tomato, 2)])
    before = writes(Refund, OrderEvent)
    for person in not_shop_staff(tomato):
        with pytest.raises(PermissionDenied):
            request_refund(order_id=order.pk, actor=person, reason="质量问题")
        line = order.lines.get()
        with pytest.raises(PermissionDenied):
            request_refund(
                order_id=order.pk, actor=person, reason="质量问题", line_id=line.pk, quantity=1
            )
    assert writes(Refund, OrderEvent) == before

    refund = request_refund(order_id=order.pk, actor=staff, reason="质量问题")
    assert (refund.amount_fen, refund.created_by) == (order.total_fen, staff)
    assert order.events.get(kind="refund_requested").actor == staff


def test_the_system_requests_a_refund_in_its_own_name(tomato):
    order = sell([(tomato, 1)])
    refund = request_refund(order_id=order.pk, actor=SYSTEM, reason="演示")
    assert (refund.status, refund.created_by) == (Refund.Status.PENDING, None)
    assert order.events.get(kind="refund_requested").actor is None


@pytest.fixture
def surplus(tomato) -> Payment:
    """A second payment of an order already paid: money to give back."""
    order = sell([(tomato, 1)])
    again = Payment.objects.create(
        order=order,
        gateway="dummy",
        method="card",
        amount_fen=order.total_fen,
        idempotency_key=f"pay-{order.number}-again",
    )
    return payment_succeeded(payment_id=again.pk, amount_fen=order.total_fen)


def test_only_shop_staff_give_back_a_surplus_payment(surplus, tomato, staff):
    before = writes(Refund, OrderEvent)
    for person in not_shop_staff(tomato):
        with pytest.raises(PermissionDenied):
            request_surplus_refund(payment_id=surplus.pk, actor=person, reason="重复付款")
    assert writes(Refund, OrderEvent) == before

    refund = request_surplus_refund(payment_id=surplus.pk, actor=staff, reason="重复付款")
    assert (refund.amount_fen, refund.created_by) == (surplus.amount_fen, staff)
    assert surplus.order.events.get(kind="surplus_refund_requested").actor == staff


# Offline payments ---------------------------------------------------------------


def test_only_shop_staff_record_money_paid_offline(tomato, staff):
    order = place([(tomato, 1)], gateway="offline", channel=Order.Channel.OFFLINE)
    before = writes(Payment, OrderEvent)
    for person in not_shop_staff(tomato):
        with pytest.raises(PermissionDenied):
            record_offline_payment(
                order_id=order.pk,
                amount_fen=order.total_fen,
                method="bank_transfer",
                reference="B1",
                actor=person,
            )
    assert writes(Payment, OrderEvent) == before
    order.refresh_from_db()
    assert order.status == Order.Status.AWAITING_PAYMENT

    payment = record_offline_payment(
        order_id=order.pk,
        amount_fen=order.total_fen,
        method="bank_transfer",
        reference="B1",
        actor=staff,
    )
    order.refresh_from_db()
    assert (payment.recorded_by, order.status) == (staff, Order.Status.PAID)


def test_the_system_records_money_paid_offline_in_its_own_name(tomato):
    order = place([(tomato, 1)], gateway="offline", channel=Order.Channel.OFFLINE)
    payment = record_offline_payment(
        order_id=order.pk,
        amount_fen=order.total_fen,
        method="cash",
        reference="",
        actor=SYSTEM,
    )
    order.refresh_from_db()
    assert (payment.recorded_by, order.status) == (None, Order.Status.PAID)


# Stock --------------------------------------------------------------------------


def stock_changes():
    return [
        lambda variant, actor: inventory.adjust(variant_id=variant.pk, delta=-1, actor=actor),
        lambda variant, actor: inventory.adjust(variant_id=variant.pk, delta=+1, actor=actor),
        lambda variant, actor: inventory.mark_sold_out(variant_id=variant.pk, actor=actor),
    ]


STOCK_CHANGE_IDS = ["take", "add", "sold_out"]


def not_stock_keepers(variant, bag):
    """Nobody, a visitor, a buyer, staff without the variant permission, a
    member of another producer, a disabled member, a member of a producer
    that was deactivated, a disabled editor."""
    disabled_member = add_member(variant.product.producer, UserFactory(is_active=False))
    return [
        None,
        AnonymousUser(),
        UserFactory(username="buyer"),
        add_staff(AUDITOR, username="auditor"),
        add_staff(AID_OFFICER, username="officer"),
        add_member(bag.product.producer),
        disabled_member,
        add_staff(TOWNSHIP_EDITOR, username="former", is_active=False),
    ]


@pytest.mark.parametrize("change", stock_changes(), ids=STOCK_CHANGE_IDS)
def test_only_a_stock_keeper_changes_stock(change, tomato, bag):
    before = (tomato.stock, tomato.history.count())
    for person in not_stock_keepers(tomato, bag):
        with pytest.raises(PermissionDenied):
            change(tomato, person)
    tomato.refresh_from_db()
    assert (tomato.stock, tomato.history.count()) == before


@pytest.mark.parametrize("change", stock_changes(), ids=STOCK_CHANGE_IDS)
def test_a_member_of_a_deactivated_producer_changes_no_stock(change, tomato):
    member = add_member(tomato.product.producer)
    type(tomato.product.producer).objects.filter(pk=tomato.product.producer_id).update(
        is_active=False
    )
    with pytest.raises(PermissionDenied):
        change(tomato, member)
    tomato.refresh_from_db()
    assert tomato.stock == 1000


@pytest.mark.parametrize("change", stock_changes(), ids=STOCK_CHANGE_IDS)
@pytest.mark.parametrize("keeper", ["editor", "member", "system"])
def test_staff_the_producers_members_and_the_system_change_stock(change, keeper, tomato):
    actor = {
        "editor": lambda: add_staff(TOWNSHIP_EDITOR),
        "member": lambda: add_member(tomato.product.producer),
        "system": lambda: SYSTEM,
    }[keeper]()
    before = tomato.history.count()
    change(tomato, actor)
    tomato.refresh_from_db()
    assert tomato.stock != 1000
    record = tomato.history.order_by("-history_id").first()
    assert tomato.history.count() == before + 1
    assert record.history_user == (None if actor is SYSTEM else actor)


@pytest.mark.parametrize(
    "call",
    [
        lambda pk: inventory.adjust(variant_id=pk, delta=1),
        lambda pk: inventory.mark_sold_out(variant_id=pk),
    ],
    ids=["adjust", "mark_sold_out"],
)
def test_leaving_the_actor_out_is_an_error_not_the_system(call, tomato):
    with pytest.raises(TypeError):
        call(tomato.pk)
    assert ProductVariant.objects.get(pk=tomato.pk).stock == 1000
