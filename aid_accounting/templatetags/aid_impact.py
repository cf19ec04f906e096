"""Aid figures on the shop's pages (DESIGN §3): the shop's templates load
these tags, so the shop itself never imports ``aid_accounting``."""

from django import template

from aid_accounting.transparency import impact
from shop.catalogue.models import ProductPage, ProductVariant
from shop.orders.models import Order

register = template.Library()


@register.simple_tag
def aid_rule_text(product: ProductPage) -> str:
    """The product's current aid rule in words, or "" when it has none."""
    return impact.rule_text(product=product)


@register.simple_tag
def aid_unit_share(
    product: ProductPage, price_fen: int | None, variants: list[ProductVariant]
) -> impact.UnitShare | None:
    """One unit's aid at ``price_fen`` (and of each of ``variants``) and the households
    it reaches, or None without a rule."""
    return impact.unit_share(product=product, price_fen=price_fen, variants=variants)


@register.inclusion_tag("aid_accounting/impact/order.html")
def order_impact(order: Order) -> dict:
    return {"impact": impact.order_impact(order=order)}


@register.inclusion_tag("aid_accounting/impact/order.txt")
def order_impact_text(order: Order) -> dict:
    return {"impact": impact.order_impact(order=order)}


@register.inclusion_tag("aid_accounting/impact/township.html")
def township_impact() -> dict:
    return {"impact": impact.township_impact()}
