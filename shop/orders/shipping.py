"""Shipping fees: one per producer's shipment, from its ShippingPolicy."""

from django.utils.translation import gettext as _

from producers.models import Producer
from shop.orders.models import ShippingPolicy

DEFAULT_POLICY = ShippingPolicy(flat_fee_fen=1000, free_over_fen=9900, excluded_provinces=[])


class NotDeliverable(Exception):
    pass


def shipping_fee(*, producer: Producer, subtotal_fen: int, province: str) -> int:
    """The fee for one producer's part of an order, or NotDeliverable."""
    policy = getattr(producer, "shipping_policy", None) or DEFAULT_POLICY
    if province in policy.excluded_provinces:
        raise NotDeliverable(
            _("%(producer)s 的商品暂不发往%(province)s。")
            % {"producer": producer.name, "province": province}
        )
    if policy.free_over_fen is not None and subtotal_fen >= policy.free_over_fen:
        return 0
    return policy.flat_fee_fen
