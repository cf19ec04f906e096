"""Shipping fees: one per producer's shipment, from its ShippingPolicy.

``shipping_fee`` is the one rule: placing an order charges it
(shop.orders.checkout) and ``shipping_quote`` shows it beforehand, in the
cart and on the checkout page, so the total the buyer confirms is the one
the pay page asks for."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from producers.models import Producer
from shop.orders.models import ShippingPolicy

DEFAULT_POLICY = ShippingPolicy(flat_fee_fen=1000, free_over_fen=9900, excluded_provinces=[])


class NotDeliverable(Exception):
    pass


def policy_of(producer: Producer) -> ShippingPolicy:
    return getattr(producer, "shipping_policy", None) or DEFAULT_POLICY


def shipping_fee(*, producer: Producer, subtotal_fen: int, province: str) -> int:
    """The fee for one producer's part of an order, or NotDeliverable."""
    policy = policy_of(producer)
    if province in policy.excluded_provinces:
        raise NotDeliverable(
            _("%(producer)s 的商品暂不发往%(province)s。")
            % {"producer": producer.name, "province": province}
        )
    if policy.free_over_fen is not None and subtotal_fen >= policy.free_over_fen:
        return 0
    return policy.flat_fee_fen


@dataclass(frozen=True)
class ProducerShipping:
    """One producer's part of a cart: its lines, and what shipping them costs."""

    producer: Producer
    items: list
    subtotal_fen: int
    fee_fen: int  # 0 when not deliverable: ``problem`` says why
    problem: str
    free_over_fen: int | None

    @property
    def short_of_free_fen(self) -> int:
        """How much more from this producer ships free (0: free already, or never)."""
        if self.fee_fen == 0 or self.free_over_fen is None:
            return 0
        return self.free_over_fen - self.subtotal_fen


@dataclass(frozen=True)
class ShippingQuote:
    groups: list[ProducerShipping]
    province: str  # "" when not known yet: every producer's fee as if it delivers

    @property
    def subtotal_fen(self) -> int:
        return sum(group.subtotal_fen for group in self.groups)

    @property
    def shipping_fen(self) -> int:
        return sum(group.fee_fen for group in self.groups)

    @property
    def total_fen(self) -> int:
        return self.subtotal_fen + self.shipping_fen

    @property
    def deliverable(self) -> bool:
        return not any(group.problem for group in self.groups)


def shipping_quote(*, items: Sequence, province: str) -> ShippingQuote:
    """The cart's ``items`` (shop.orders.cart.CartItem) by producer, each with
    the fee ``shipping_fee`` gives for ``province``, in the order producers
    first appear in the cart."""
    by_producer: dict[Producer, list] = {}
    for item in items:
        by_producer.setdefault(item.variant.product.producer, []).append(item)
    groups = []
    for producer, lines in by_producer.items():
        subtotal = sum(item.total_fen for item in lines)
        try:
            fee, problem = (
                shipping_fee(producer=producer, subtotal_fen=subtotal, province=province),
                "",
            )
        except NotDeliverable as error:
            fee, problem = 0, str(error)
        groups.append(
            ProducerShipping(
                producer=producer,
                items=lines,
                subtotal_fen=subtotal,
                fee_fen=fee,
                problem=problem,
                free_over_fen=policy_of(producer).free_over_fen,
            )
        )
    return ShippingQuote(groups=groups, province=province)
