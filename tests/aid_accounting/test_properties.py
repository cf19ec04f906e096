"""Property test: random sales, refunds, deliveries, closes and payouts, on
random rules and pools, through the real services, keep every invariant of
DESIGN §7 (checked by aid_reconcile's checks and a few more)."""

import contextlib
import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aid_accounting.audit.reconcile import reconcile
from aid_accounting.calendar import Month
from aid_accounting.exceptions import PayoutError
from aid_accounting.households.models import Household
from aid_accounting.ledger.models import Transaction
from aid_accounting.ledger.posting import balance
from aid_accounting.payouts.batches import (
    approve_batch,
    draft_batch,
    export_bank_csv,
    mark_row_failed,
    mark_row_paid,
)
from aid_accounting.payouts.models import PayoutBatch
from aid_accounting.periods.attribution import household_attribution
from aid_accounting.periods.close import close_period
from aid_accounting.periods.models import AccountingPeriod, PoolDistribution
from aid_accounting.rules.models import AidPool
from aid_accounting.rules.versions import set_rule
from shop.payments.refunds import RefundError
from tests.aid_accounting.factories import HouseholdFactory
from tests.shop.factories import ProductPageFactory, ProductVariantFactory
from tests.township import deliver, refund, sell

pytestmark = pytest.mark.django_db

START = timezone.make_aware(datetime.datetime(2026, 1, 1, 10))

households = st.lists(
    # members, eligible (mostly), named by the second pool
    st.tuples(st.integers(1, 6), st.sampled_from([True, True, True, False]), st.booleans()),
    min_size=1,
    max_size=5,
)
rule = st.tuples(st.integers(0, 10_000), st.integers(0, 600), st.integers(0, 1))
sale = st.tuples(st.just("sell"), st.integers(0, 2), st.integers(1, 4), st.booleans())
delivery = st.tuples(st.just("deliver"), st.integers(0, 30))
operations = st.lists(
    st.one_of(
        # Sales and deliveries listed twice, so that most lines reach a close.
        sale,
        sale,
        delivery,
        delivery,
        st.tuples(st.just("refund_line"), st.integers(0, 30), st.integers(0, 3), st.integers(1, 3)),
        st.tuples(st.just("refund_order"), st.integers(0, 30)),
        st.tuples(st.just("close")),
        st.tuples(st.just("payout"), st.booleans(), st.lists(st.booleans(), max_size=6)),
    ),
    min_size=10,
    max_size=30,
)


@pytest.fixture
def catalogue(tomato, bag):
    """Three variants: two products of one producer, one of another."""
    cucumber = ProductVariantFactory(
        product=ProductPageFactory(title="水果黄瓜", parent=tomato.product.get_parent()),
        price_fen=2580,
        stock=1000,
    )
    return [tomato, cucumber, bag]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    households=households,
    weightings=st.tuples(*[st.sampled_from(AidPool.Weighting.values)] * 2),
    producer_rule=rule,
    product_rule=st.none() | rule,
    other_rule=st.none() | rule,
    operations=operations,
)
# The boundaries, every run: zero aid on a sale, then aid of one fen per unit that a
# payout takes and a refund after the close takes back.
@example(
    households=[(1, True, False)],
    weightings=("equal", "equal"),
    producer_rule=(0, 0, 0),
    product_rule=None,
    other_rule=None,
    operations=[("sell", 0, 1, False), ("deliver", 0), ("close",), ("payout", False, [True])],
)
@example(
    households=[(1, True, False), (2, True, True)],
    weightings=("members", "equal"),
    producer_rule=(0, 1, 0),
    product_rule=None,
    other_rule=(1, 0, 1),
    operations=[
        ("sell", 0, 1, False),
        ("sell", 2, 1, True),
        ("deliver", 0),
        ("deliver", 1),
        ("close",),
        ("payout", False, [True, True]),
        ("refund_order", 0),
        ("close",),
        ("payout", True, [True]),
    ],
)
def test_the_ledger_keeps_its_invariants(
    catalogue,
    key_village,
    staff,
    aid_officer,
    second_officer,
    households,
    weightings,
    producer_rule,
    product_rule,
    other_rule,
    operations,
):
    with transaction.atomic():
        pools = _pools(key_village, households, weightings)
        _rules(catalogue, pools, producer_rule, product_rule, other_rule)
        run = Run(catalogue=catalogue, staff=staff, officers=(aid_officer, second_officer))
        for operation in operations:
            getattr(run, operation[0])(*operation[1:])
        _check_invariants()
        transaction.set_rollback(True)


def _pools(key_village, households, weightings) -> list[AidPool]:
    village_pool = AidPool.objects.create(name="全村", weighting=weightings[0])
    village_pool.villages.add(key_village)
    named_pool = AidPool.objects.create(name="指定户", weighting=weightings[1])
    for number, (members, eligible, named) in enumerate(households):
        household = HouseholdFactory(
            registration_number=f"P-{number}",
            village=key_village,
            member_count=members,
            status=Household.Status.LIFTED_OUT if eligible else Household.Status.REMOVED,
        )
        if named:
            named_pool.households.add(household)
    return [village_pool, named_pool]


def _rules(catalogue, pools, producer_rule, product_rule, other_rule) -> None:
    tomato, cucumber, bag = catalogue
    for terms, producer, product in (
        (producer_rule, tomato.product.producer, None),
        (product_rule, tomato.product.producer, cucumber.product),
        (other_rule, bag.product.producer, None),
    ):
        if terms is not None:
            share_bp, fixed, pool = terms
            set_rule(
                producer=producer,
                product=product,
                pool=pools[pool],
                share_bp=share_bp,
                fixed_fen_per_unit=fixed,
                valid_from=datetime.date(2025, 1, 1),
            )


class Run:
    """Applies the operations on a simulated clock that closes months in order."""

    def __init__(self, *, catalogue, staff, officers):
        self.catalogue, self.staff, self.officers = catalogue, staff, officers
        self.clock = START
        self.month = Month(2026, 1)
        self.orders = []

    def tick(self) -> datetime.datetime:
        self.clock += datetime.timedelta(hours=1)
        return self.clock

    def sell(self, variant: int, quantity: int, offline: bool) -> None:
        order = sell([(self.catalogue[variant], quantity)], paid_at=self.tick(), offline=offline)
        self.orders.append(order)

    def deliver(self, index: int) -> None:
        if self.orders:
            order = self.orders[index % len(self.orders)]
            order.refresh_from_db()
            if order.status == order.Status.PAID:
                deliver(order, at=self.tick())

    def refund_line(self, index: int, line_index: int, quantity: int) -> None:
        if self.orders:
            order = self.orders[index % len(self.orders)]
            lines = list(order.lines.order_by("pk"))
            line = lines[line_index % len(lines)]
            left = line.quantity - line.refunded_quantity
            if left:
                self._refund(order, line=line, quantity=min(quantity, left))

    def refund_order(self, index: int) -> None:
        if self.orders:
            self._refund(self.orders[index % len(self.orders)])

    def _refund(self, order, **line) -> None:
        # e.g. already fully refunded: the shop refuses, and there is nothing to check
        with contextlib.suppress(RefundError):
            refund(order, staff=self.staff, **line)

    def close(self) -> None:
        now = max(self.clock, self.month.ends_at + datetime.timedelta(days=3))
        close_period(period=self.month.code, now=now)
        self.clock, self.month = now, self.month.next()

    def payout(self, producers: bool, paid: list[bool]) -> None:
        drafter, approver = self.officers
        kind = PayoutBatch.Kind.PRODUCER if producers else PayoutBatch.Kind.HOUSEHOLD
        try:
            batch = draft_batch(kind=kind, actor=drafter)
        except PayoutError:
            return  # nothing payable
        approve_batch(batch=batch, actor=approver)
        export_bank_csv(batch=batch, actor=approver)
        for row, is_paid in zip(batch.rows.order_by("pk"), paid, strict=False):
            if is_paid:
                mark_row_paid(row=row, actor=drafter)
                # No payout ever drives a payable below zero.
                assert balance(row.account) >= 0
            else:
                mark_row_failed(row=row, actor=drafter, reason="测试")


def _check_invariants() -> None:
    report = reconcile()
    assert report.ok, [(check.name, check.failures) for check in report.checks if not check.ok]
    for distribution in PoolDistribution.objects.select_related("transaction", "period"):
        credits = [
            -amount
            for amount in distribution.transaction.entries.filter(
                account__owner_type="household"
            ).values_list("amount_fen", flat=True)
        ]
        assert sum(credits) == distribution.amount_fen
        if distribution.weighting == AidPool.Weighting.EQUAL:
            # Households with a zero share have no entry: count them as 0.
            shares = credits + [0] * (distribution.household_count - len(credits))
            assert max(shares) - min(shares) <= 1
    for period in AccountingPeriod.objects.filter(distributions__isnull=False).distinct():
        for household in Household.objects.all():
            attribution = household_attribution(household=household, period=period)
            for pool in attribution.pools:
                assert sum(sale.household_fen for sale in pool.sales) == pool.share_fen
    assert not Transaction.objects.filter(posted=False).exists()
