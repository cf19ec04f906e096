"""Who may do what to the shop's rows: see an order (its buyer account, the
members of the unit it was bought for, or the guest whose session placed it),
refund one, record money paid offline, change a variant's stock. The services
call the ``require_`` checks themselves, so a task, a command and a view are
held to the same rule; the views check first only to answer with a proper page."""

from collections.abc import Collection

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from core.roles import Actor, SystemActor, require_permission
from producers.models import Producer
from shop.catalogue.models import ProductVariant
from shop.institutions.models import UnitMembership
from shop.orders.models import Order

SESSION_KEY = "guest_orders"

# Model permissions the township editors' role holds (shop migrations 0005, 0009).
REFUND_PERMISSION = "shop.refund_order"

OFFLINE_PAYMENT_PERMISSION = "shop.record_offline_payment"

STOCK_PERMISSION = "shop.change_productvariant"


def remember_guest_order(request, order: Order) -> None:
    numbers = request.session.get(SESSION_KEY, [])
    request.session[SESSION_KEY] = [*numbers[-19:], order.number]


def can_view_order(request, order: Order) -> bool:
    return owns_order(request.user, order, guest_orders=guest_orders(request))


def guest_orders(request) -> list[str]:
    """The numbers of the guest orders this browser's session opened (查订单, checkout)."""
    return list(request.session.get(SESSION_KEY, []))


def owns_order(actor: Actor, order: Order, *, guest_orders: Collection[str] = ()) -> bool:
    """The order's buyer account, and for an order bought in a unit's name the
    unit's members now (the canteen's staff who receive the goods, claim and
    ask for its 发票); for a guest order, the session that placed or looked it
    up (its ``guest_orders``). Services the buyer calls check this."""
    if order.user_id is None:
        return order.number in guest_orders
    if actor is None or not actor.is_authenticated:
        return False
    if actor.pk == order.user_id:
        return True
    return (
        order.buying_unit_id is not None
        and UnitMembership.objects.filter(unit_id=order.buying_unit_id, user=actor).exists()
    )


def is_producer_member(actor: Actor, *, producer_id: int) -> bool:
    """A member of the producer while it is active (whom the portal lets act for it)."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    return Producer.objects.filter(pk=producer_id, is_active=True, memberships__user=actor).exists()


def require_refunder(actor: Actor) -> None:
    require_permission(actor, REFUND_PERMISSION, message=_("你没有办理退款的权限。"))


def require_offline_cashier(actor: Actor) -> None:
    require_permission(actor, OFFLINE_PAYMENT_PERMISSION, message=_("你没有登记线下收款的权限。"))


def can_change_stock(actor: Actor, *, variant_id: int) -> bool:
    """Staff holding the variant permission, or a member of the variant's
    producer while that producer is active (whom the portal lets in)."""
    if isinstance(actor, SystemActor):
        return True
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if actor.has_perm(STOCK_PERMISSION):
        return True
    return ProductVariant.objects.filter(
        pk=variant_id,
        product__producer__is_active=True,
        product__producer__memberships__user=actor,
    ).exists()


def require_stock_keeper(actor: Actor, *, variant_id: int) -> None:
    if not can_change_stock(actor, variant_id=variant_id):
        raise PermissionDenied(_("只有有库存权限的员工或该生产者的成员可以改库存。"))
