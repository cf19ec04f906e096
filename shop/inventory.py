"""Stock: the only code that changes ``ProductVariant.stock``.

Every change is one conditional UPDATE, so concurrent buyers and a producer
pressing "+" at the same moment never lose an update or oversell, on SQLite
and PostgreSQL alike; the CHECK constraint on the column is the last guard.
"""

from django.db.models import F

from .models import ProductVariant


class OutOfStock(Exception):
    def __init__(self, variant_id: int, requested: int):
        super().__init__(f"variant {variant_id}: fewer than {requested} in stock")
        self.variant_id = variant_id
        self.requested = requested


def reserve(*, variant_id: int, quantity: int) -> None:
    """Take ``quantity`` units, or raise OutOfStock and take nothing."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    taken = ProductVariant.objects.filter(pk=variant_id, stock__gte=quantity).update(
        stock=F("stock") - quantity
    )
    if not taken:
        raise OutOfStock(variant_id, quantity)


def release(*, variant_id: int, quantity: int) -> None:
    """Give back reserved units (an expired or cancelled order, a refund before shipping)."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    ProductVariant.objects.filter(pk=variant_id).update(stock=F("stock") + quantity)


def adjust(*, variant_id: int, delta: int) -> int:
    """A producer's correction (+/- buttons); never below zero. Returns the new stock."""
    if delta < 0:
        reserve(variant_id=variant_id, quantity=-delta)
    elif delta > 0:
        release(variant_id=variant_id, quantity=delta)
    return ProductVariant.objects.values_list("stock", flat=True).get(pk=variant_id)


def mark_sold_out(*, variant_id: int) -> None:
    ProductVariant.objects.filter(pk=variant_id).update(stock=0)
