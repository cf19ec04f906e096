"""A small test township, built in pieces that compose: people (staff, portal
members), the catalogue (a product of its own producer), aid (the key village,
its households, a pool and a rule), and trading through the shop's real
services (sell, deliver, refund, close, pay out).

Every suite builds its world from these: the aid tests' fixtures at the end of
this module (a plugin of the whole suite, see tests/conftest.py), the shop's conftest,
the browser journeys (tests/e2e/world.py), the authorisation matrix
(tests/security/matrix_world.py) and the security pages (tests/security/pages.py).
"""

import datetime
from collections.abc import Sequence

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from aid_accounting.audit.reconcile import reconcile
from aid_accounting.households.models import Household
from aid_accounting.ledger import chain as ledger_chain
from aid_accounting.ledger import daily_totals
from aid_accounting.notices.models import Notice
from aid_accounting.notices.publication import generate_notices, publish_notice, review_notice
from aid_accounting.notices.publication import verify_chain as notice_chain
from aid_accounting.payouts.batches import (
    approve_batch,
    draft_batch,
    export_bank_csv,
    mark_row_paid,
)
from aid_accounting.payouts.models import PayoutBatch
from aid_accounting.periods import seals
from aid_accounting.periods.close import close_period
from aid_accounting.periods.models import AccountingPeriod
from aid_accounting.rules.models import AidPool, AidRule
from aid_accounting.rules.versions import set_rule
from core.roles import AID_OFFICER, SYSTEM, TOWNSHIP_EDITOR
from producers.access import provision_producer
from producers.models import Producer, ProducerMembership, Village
from shop.catalogue.models import ProductVariant
from shop.orders import lifecycle
from shop.orders.checkout import ShippingAddress, place_order
from shop.orders.models import Order, Shipment
from shop.payments.models import Payment, Refund
from shop.payments.refunds import execute_refund, request_refund
from shop.payments.services import payment_succeeded, record_offline_payment, start_payment
from tests.aid_accounting.factories import HouseholdFactory
from tests.factories import UserFactory
from tests.producers.factories import ProducerPageFactory, VillageFactory
from tests.shop.factories import ADDRESS_FIELDS, ProductPageFactory, ProductVariantFactory

ADDRESS = ShippingAddress(**ADDRESS_FIELDS)
BUYER_EMAIL = "buyer@example.com"
# Aid rules apply from this day on: well before any sale of the tests.
RULES_FROM = datetime.date(2026, 1, 1)


def at(day: str, hour: int = 10) -> datetime.datetime:
    """``day`` ("2026-10-10") at ``hour`` o'clock, in the site's time zone."""
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day}T{hour:02d}:00"))


class Clock:
    """Refunds and payouts are booked at ``timezone.now()``; this sets it."""

    def __init__(self) -> None:
        self.now = at("2026-10-01")

    def set(self, day: str) -> datetime.datetime:
        self.now = at(day)
        return self.now


# People -------------------------------------------------------------------------


def add_staff(group: str, **fields):
    """A user (made of UserFactory's ``fields``) in ``group``, one of core.roles."""
    user = UserFactory(**fields)
    user.groups.add(Group.objects.get(name=group))
    return user


def with_password(user, password: str):
    user.set_password(password)
    user.save()
    return user


def add_member(producer: Producer, user=None):
    """``user`` (a new one if None) made a member who acts for ``producer`` in the portal."""
    user = UserFactory() if user is None else user
    ProducerMembership.objects.create(producer=producer, user=user)
    provision_producer(producer)
    return user


# Catalogue ----------------------------------------------------------------------


def add_variant(title: str, **variant_fields) -> ProductVariant:
    """A variant of a new product ``title``, sold by a new producer of its own."""
    return ProductVariantFactory(
        product=ProductPageFactory(title=title, parent=ProducerPageFactory()), **variant_fields
    )


# Aid ----------------------------------------------------------------------------


def add_key_village() -> Village:
    return VillageFactory(name="姜庄村", code="jiangzhuang")


def add_households(
    village: Village, *, prefix: str = "LGZ-J", members: Sequence[int] = (1, 2, 4)
) -> list[Household]:
    """Households of ``village`` numbered ``prefix``-1, -2, ..., of ``members`` people each."""
    return [
        HouseholdFactory(registration_number=f"{prefix}-{n}", village=village, member_count=m)
        for n, m in enumerate(members, start=1)
    ]


def add_pool(*villages: Village, name: str = "重点村帮扶资金池") -> AidPool:
    """A pool for the eligible households of ``villages``."""
    pool = AidPool.objects.create(name=name)
    pool.villages.add(*villages)
    return pool


def add_rule(
    producer: Producer, pool: AidPool, *, share_bp: int = 2500, valid_from=RULES_FROM
) -> AidRule:
    """``share_bp`` (25% by default) of ``producer``'s sales to ``pool``."""
    return set_rule(
        actor=SYSTEM, producer=producer, pool=pool, share_bp=share_bp, valid_from=valid_from
    )


# Trading, through the shop's and the aid accounting's services -----------------


def place(items: Sequence[tuple[ProductVariant, int]], *, user=None, **options) -> Order:
    """Place an order of ``items`` to ADDRESS, by ``user`` or a guest."""
    return place_order(
        items=[(variant.pk, quantity) for variant, quantity in items],
        email=BUYER_EMAIL if user is None else user.email,
        address=ADDRESS,
        user=user,
        **options,
    )


def sell(
    items: Sequence[tuple[ProductVariant, int]],
    *,
    paid_at: datetime.datetime | None = None,
    offline: bool = False,
    user=None,
) -> Order:
    """Place and pay an order (online by the dummy gateway, or offline by a bank
    transfer that a new township editor records)."""
    order = place(
        items,
        user=user,
        gateway="offline" if offline else "dummy",
        channel=Order.Channel.OFFLINE if offline else Order.Channel.ONLINE,
    )
    if offline:
        record_offline_payment(
            order_id=order.pk,
            amount_fen=order.total_fen,
            method="bank_transfer",
            reference="",
            actor=add_staff(TOWNSHIP_EDITOR),
            received_at=paid_at,
        )
    else:
        payment, _start = start_payment(order=order)
        payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen, paid_at=paid_at)
    order.refresh_from_db()
    return order


def unpaid_order(variant: ProductVariant, *, user) -> tuple[Order, Payment]:
    """``user``'s order of one ``variant``, its dummy payment started but not made."""
    order = place([(variant, 1)], user=user, gateway="dummy")
    payment, _start = start_payment(order=order)
    return order, payment


def deliver(order: Order, *, at: datetime.datetime) -> None:
    """Ship and deliver every shipment, delivered at ``at``."""
    for shipment in order.shipments.all():
        lifecycle.ship(
            shipment_id=shipment.pk, carrier="顺丰速运", tracking_number=f"T{shipment.pk}"
        )
        lifecycle.deliver(shipment_id=shipment.pk)
        Shipment.objects.filter(pk=shipment.pk).update(delivered_at=at)


def refund(order: Order, *, staff, line=None, quantity: int = 0) -> Refund:
    """Refund ``quantity`` units of ``line``, or the whole order when line is None."""
    pending = request_refund(
        order_id=order.pk,
        actor=staff,
        reason="质量问题",
        line_id=line.pk if line is not None else None,
        quantity=quantity,
    )
    return execute_refund(refund_id=pending.pk)


def pay_out(kind: PayoutBatch.Kind, *, drafter, approver) -> PayoutBatch:
    """Draft, approve (four eyes), export and pay a batch of what ``kind`` payees are owed."""
    batch = draft_batch(kind=kind, actor=drafter)
    approve_batch(batch=batch, actor=approver)
    export_bank_csv(batch=batch, actor=drafter)
    for row in batch.rows.all():
        mark_row_paid(row=row, actor=drafter)
    return batch


def publish_notices(period: str, *, generator, publisher, on: datetime.datetime) -> list[Notice]:
    """Generate ``period``'s notices as ``generator``, review and publish them
    as ``publisher`` (four eyes) at ``on``; households are paid the period's
    distribution once the window (AID_NOTICE_WINDOW_DAYS, 7) has ended."""
    return [
        publish_notice(
            notice=review_notice(notice=notice, actor=publisher), actor=publisher, now=on
        )
        for notice in generate_notices(
            period=AccountingPeriod.objects.get(code=period), actor=generator
        )
    ]


def close_and_publish(period: str, *, now: datetime.datetime, generator=None, publisher=None):
    """Close ``period`` at ``now`` and publish its notices then (as two
    officers, new ones if not given); its households can be paid once the
    notices' window has ended, seven days later. Returns the close's result."""
    if publisher is None:
        generator, publisher = add_staff(AID_OFFICER), add_staff(AID_OFFICER)
    result = close_period(actor=SYSTEM, period=period, now=now)
    publish_notices(period, generator=generator, publisher=publisher, on=now)
    return result


def trade(*, clock: Clock, tomato, bag, staff, aid_officer, second_officer) -> None:
    """October: an online order (2 tomato boxes with 25% aid, 3 bags with
    none), one box refunded, an offline order of 1 box; closed and its notice
    published on 2 November, and the households paid on 10 November, after
    the notice's window. November: 3 more boxes online on the 5th."""
    online = sell([(tomato, 2), (bag, 3)], paid_at=clock.set("2026-10-10"))
    offline = sell([(tomato, 1)], paid_at=clock.set("2026-10-11"), offline=True)
    clock.set("2026-10-12")
    refund(online, staff=staff, line=online.lines.get(variant=tomato), quantity=1)
    for order in (online, offline):
        deliver(order, at=at("2026-10-12"))
    close_and_publish(
        "2026-10",
        now=clock.set("2026-11-02"),
        generator=second_officer,
        publisher=aid_officer,
    )
    sell([(tomato, 3)], paid_at=clock.set("2026-11-05"))
    clock.set("2026-11-10")
    pay_out(PayoutBatch.Kind.HOUSEHOLD, drafter=aid_officer, approver=second_officer)
    clock.set("2026-12-01")


# The aid tests' township, as fixtures -------------------------------------------
# A plugin of the whole suite (tests/conftest.py), so every suite can ask for them;
# a suite that needs its own (e2e's township, say) defines it and that one wins.


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(timezone, "now", lambda: clock.now)
    return clock


@pytest.fixture
def staff(db):
    """The township editor who runs the shop: refunds, offline payments, stock."""
    return add_staff(TOWNSHIP_EDITOR, username="staff")


@pytest.fixture
def aid_officer(db):
    return add_staff(AID_OFFICER, username="officer")


@pytest.fixture
def second_officer(db):
    return add_staff(AID_OFFICER, username="officer2")


@pytest.fixture
def key_village(db):
    return add_key_village()


@pytest.fixture
def beneficiaries(key_village):
    """Three eligible households of the key village, 1, 2 and 4 members."""
    return add_households(key_village)


@pytest.fixture
def aid_pool(key_village, beneficiaries):
    return add_pool(key_village)


@pytest.fixture
def tomato(db):
    """¥39.80 a box, shipped for ¥10 (free from ¥99)."""
    return add_variant("大棚番茄", name="5斤装", price_fen=3980, stock=1000)


@pytest.fixture
def bag(db):
    """¥9.90 a bag, from another producer."""
    return add_variant("购物袋", name="单个", price_fen=990, stock=1000)


@pytest.fixture
def tomato_rule(tomato, aid_pool):
    """25% of the tomato producer's sales to the pool."""
    return add_rule(tomato.product.producer, aid_pool)


@pytest.fixture
def township(clock, tomato, bag, tomato_rule, beneficiaries, staff, aid_officer, second_officer):
    trade(
        clock=clock,
        tomato=tomato,
        bag=bag,
        staff=staff,
        aid_officer=aid_officer,
        second_officer=second_officer,
    )
    yield
    # Whatever the test went on to do, the books still check out.
    assert_books_check_out()


def assert_books_check_out() -> None:
    """``aid_reconcile``, ``aid_verify_ledger`` and ``aid_verify_notices`` would pass."""
    report = reconcile()
    assert report.ok, [(check.name, check.failures) for check in report.checks if not check.ok]
    assert ledger_chain.verify_chain() == []
    assert daily_totals.verify_totals() == []
    assert seals.verify_seals() == []
    assert notice_chain() == []
