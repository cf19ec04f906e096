"""Stock: the only code that changes ``ProductVariant.stock``, and the units sold
(``ProductVariant.units_sold``) that payments and refunds count.

Every change is one conditional UPDATE, so concurrent buyers and a producer
pressing "+" at the same moment never lose an update or oversell, on SQLite
and PostgreSQL alike; the CHECK constraint on the column is the last guard.

Change history. A conditional UPDATE writes no django-simple-history record,
and that is deliberate for what buyers cause (``reserve`` at checkout,
``release`` when an order expires, is cancelled or refunded): each of those
is already an ``OrderEvent`` of its order, with the quantities on its lines,
and a history row per sale would only repeat the order log. What staff and
producers decide (``adjust``, ``mark_sold_out``) is written to the variant's
history, with who did it, in the same transaction as the change; those two
check who is asking themselves (``ownership.require_stock_keeper``).
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest

from core.roles import Actor, SystemActor, acting_user
from shop.catalogue import page_cache, shown
from shop.catalogue.models import ProductVariant
from shop.orders.models import Order, OrderLine
from shop.orders.ownership import require_stock_keeper

# Change reasons of the history records written here (labelled by the audit trail).
STOCK_ADJUSTED = "stock_adjusted"

STOCK_SOLD_OUT = "stock_sold_out"


class OutOfStock(Exception):
    def __init__(self, variant_id: int, requested: int):
        super().__init__(f"variant {variant_id}: fewer than {requested} in stock")
        self.variant_id = variant_id
        self.requested = requested


def reserve(*, variant_id: int, quantity: int) -> None:
    """Take ``quantity`` units, or raise OutOfStock and take nothing."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    if not _add(variant_id=variant_id, delta=-quantity):
        raise OutOfStock(variant_id, quantity)


def release(*, variant_id: int, quantity: int) -> None:
    """Give back reserved units (an expired or cancelled order, a refund before shipping)."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    _add(variant_id=variant_id, delta=quantity)


def _add(*, variant_id: int, delta: int) -> bool:
    """Add ``delta`` (negative: take) to the stock unless it would go below zero;
    whether it did. The product's cached pages are retired only if the stock they
    show ("仅剩 3 件", "已售罄": shop.catalogue.shown) moves: the UPDATE returns the
    stock it left, so no second query and no other change in between."""
    table = connection.ops.quote_name(ProductVariant._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET stock = stock + %s WHERE id = %s AND stock >= %s"
            " RETURNING product_id, stock",
            [delta, variant_id, -delta],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    product_id, stock = row
    if shown.stock_band(stock - delta) != shown.stock_band(stock):
        page_cache.invalidate(products=[product_id])
    return True


def count_sold(*, order: Order) -> None:
    """Count the units of ``order``'s lines as sold, in the transaction that marks it
    paid: an UPDATE per variant, in the variants' order, as checkout takes their
    stock, so a payment and a checkout never wait on each other's rows."""
    units: dict[int, int] = {}
    for variant_id, quantity in OrderLine.objects.filter(order=order).values_list(
        "variant_id", "quantity"
    ):
        units[variant_id] = units.get(variant_id, 0) + quantity
    for variant_id in sorted(units):
        ProductVariant.objects.filter(pk=variant_id).update(
            units_sold=F("units_sold") + units[variant_id]
        )


def count_refunded(*, variant_id: int, quantity: int) -> None:
    """Count ``quantity`` refunded units of a paid line as no longer sold. Never
    below zero: a refund must not fail on a count (orders paid before it was kept
    are counted by migration shop 0020)."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    ProductVariant.objects.filter(pk=variant_id).update(
        units_sold=Greatest(F("units_sold") - quantity, 0)
    )


def adjust(*, variant_id: int, delta: int, actor: Actor) -> int:
    """A producer's or editor's correction (+/- buttons); never below zero.
    Returns the new stock."""
    require_stock_keeper(actor, variant_id=variant_id)
    with transaction.atomic():
        if delta < 0:
            reserve(variant_id=variant_id, quantity=-delta)
        elif delta > 0:
            release(variant_id=variant_id, quantity=delta)
        return _record(variant_id, actor=actor, reason=STOCK_ADJUSTED).stock


def mark_sold_out(*, variant_id: int, actor: Actor) -> None:
    require_stock_keeper(actor, variant_id=variant_id)
    with transaction.atomic():
        ProductVariant.objects.filter(pk=variant_id).update(stock=0)
        variant = _record(variant_id, actor=actor, reason=STOCK_SOLD_OUT)
        page_cache.invalidate(products=[variant.product_id])


def _record(
    variant_id: int, *, actor: AbstractBaseUser | SystemActor, reason: str
) -> ProductVariant:
    """Write the variant as it now is to its history, by ``actor`` (nobody for
    the system). Read after our UPDATE, whose row lock holds until commit, so
    the stock recorded is the one we left."""
    variant = ProductVariant.objects.get(pk=variant_id)
    ProductVariant.history.bulk_history_create(
        [variant], update=True, default_user=acting_user(actor), default_change_reason=reason
    )
    return variant
