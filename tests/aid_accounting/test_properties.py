"""Property test: random sales (some recorded late, dated in months already
closed), refunds, deliveries, closes, payouts and rule changes (from the same
day or the next), on random rules and pools, through the real services, on a
simulated clock, keep every invariant of DESIGN §7 (checked by aid_reconcile's
checks and a few more): the books balance, a closed month's figures never
change after its close, and every fen of sales and aid is accounted for."""

import contextlib
import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aid_accounting.accrual.models import AidReversal, LineAccrual
from aid_accounting.audit.reconcile import reconcile
from aid_accounting.calendar import Month
from aid_accounting.exceptions import PayoutError, RuleError
from aid_accounting.households.models import Household
from aid_accounting.ledger.models import Entry, Transaction
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
from aid_accounting.transparency.open_data import monthly_aggregates
from core.roles import SYSTEM
from shop.orders.models import OrderLine
from shop.payments.refunds import RefundError
from tests.aid_accounting.factories import HouseholdFactory
from tests.shop.factories import ProductPageFactory, ProductVariantFactory
from tests.township import deliver, publish_notices, refund, sell

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
# Received up to 40 days before it is recorded: often in a month closed since.
late_sale = st.tuples(
    st.just("sell_late"), st.integers(0, 2), st.integers(1, 4), st.booleans(), st.integers(1, 960)
)
# The producer's rule (0) or the cucumber's (1), a new share, from today or tomorrow.
rule_change = st.tuples(
    st.just("change_rule"), st.integers(0, 1), st.integers(0, 10_000), st.booleans()
)
delivery = st.tuples(st.just("deliver"), st.integers(0, 30))
operations = st.lists(
    st.one_of(
        # Sales and deliveries listed twice, so that most lines reach a close.
        sale,
        sale,
        late_sale,
        rule_change,
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
    clock,
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
        run = Run(
            clock=clock,
            catalogue=catalogue,
            pools=pools,
            staff=staff,
            officers=(aid_officer, second_officer),
        )
        for operation in operations:
            getattr(run, operation[0])(*operation[1:])
        _check_invariants()
        # A closed month's figures are as they were when it closed.
        for month, figures in run.closed.items():
            assert _month_figures(month) == figures, month.code
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
                actor=SYSTEM,
                producer=producer,
                product=product,
                pool=pools[pool],
                share_bp=share_bp,
                fixed_fen_per_unit=fixed,
                valid_from=datetime.date(2025, 1, 1),
            )


class Run:
    """Applies the operations on a simulated clock (``timezone.now()`` too, so
    refunds and payouts are made on it) that closes months in order."""

    def __init__(self, *, clock, catalogue, pools, staff, officers):
        self.catalogue, self.pools, self.staff, self.officers = catalogue, pools, staff, officers
        self.now = clock
        self.now.now = START
        self.month = Month(2026, 1)
        self.orders = []
        self.closed: dict[Month, tuple] = {}

    @property
    def clock(self) -> datetime.datetime:
        return self.now.now

    def tick(self) -> datetime.datetime:
        self.now.now += datetime.timedelta(hours=1)
        return self.clock

    def sell(self, variant: int, quantity: int, offline: bool) -> None:
        order = sell([(self.catalogue[variant], quantity)], paid_at=self.tick(), offline=offline)
        self.orders.append(order)

    def sell_late(self, variant: int, quantity: int, offline: bool, hours_ago: int) -> None:
        paid_at = max(START, self.tick() - datetime.timedelta(hours=hours_ago))
        order = sell([(self.catalogue[variant], quantity)], paid_at=paid_at, offline=offline)
        self.orders.append(order)

    def change_rule(self, which: int, share_bp: int, tomorrow: bool) -> None:
        tomato, cucumber, _bag = self.catalogue
        today = timezone.localtime(self.tick()).date()
        # Refused when the day already has sales under another rule, or a
        # version from that day exists: then nothing changes.
        with contextlib.suppress(RuleError):
            set_rule(
                actor=SYSTEM,
                producer=tomato.product.producer,
                product=cucumber.product if which else None,
                pool=self.pools[which],
                share_bp=share_bp,
                valid_from=today + datetime.timedelta(days=tomorrow),
            )

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
        self.tick()
        # e.g. already fully refunded: the shop refuses, and there is nothing to check
        with contextlib.suppress(RefundError):
            refund(order, staff=self.staff, **line)

    def close(self) -> None:
        self.now.now = max(self.clock, self.month.ends_at + datetime.timedelta(days=3))
        close_period(actor=SYSTEM, period=self.month.code, now=self.clock)
        self.closed[self.month] = _month_figures(self.month)
        # Published at the close, so a later household payout can pay the
        # month once its window has ended.
        drafter, approver = self.officers
        publish_notices(self.month.code, generator=drafter, publisher=approver, on=self.clock)
        self.month = self.month.next()

    def payout(self, producers: bool, paid: list[bool]) -> None:
        self.tick()
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


def _month_figures(month: Month) -> tuple:
    """What anyone reads of ``month``: the ledger entries booked in it (the
    dashboard, reports and statements), its open data rows, its distributions."""
    return (
        sorted(
            Entry.objects.filter(month.contains("transaction__created_at")).values_list(
                "transaction__idempotency_key", "account_id", "amount_fen"
            )
        ),
        [row for row in monthly_aggregates() if row["month"] == month.code],
        sorted(
            PoolDistribution.objects.filter(period__code=month.code).values_list(
                "pool_id", "amount_fen", "lines_fen", "late_reversals_fen"
            )
        ),
    )


def _check_invariants() -> None:
    report = reconcile()
    assert report.ok, [(check.name, check.failures) for check in report.checks if not check.ok]
    # Every fen of the sales and their aid is in some month's open data, once.
    rows = [row for row in monthly_aggregates() if row["dimension"] == "producer"]
    lines = OrderLine.objects.filter(order__paid_at__isnull=False)
    assert sum(row["sales_fen"] for row in rows) == sum(
        line.total_fen - line.refunded_fen for line in lines
    )
    assert sum(row["aid_accrued_fen"] for row in rows) == sum(
        accrual.aid_fen - accrual.reversed_fen for accrual in LineAccrual.objects.all()
    )
    # Nothing is booked before it happened, nor in the future.
    for accrual in LineAccrual.objects.all():
        assert accrual.accrued_at <= accrual.booked_at <= timezone.now()
    for reversal in AidReversal.objects.all():
        assert reversal.created_at <= reversal.booked_at <= timezone.now()
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
