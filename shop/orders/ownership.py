"""Who may see an order: its buyer account, or the guest whose session placed it."""

from shop.orders.models import Order

SESSION_KEY = "guest_orders"


def remember_guest_order(request, order: Order) -> None:
    numbers = request.session.get(SESSION_KEY, [])
    request.session[SESSION_KEY] = [*numbers[-19:], order.number]


def can_view_order(request, order: Order) -> bool:
    if order.user_id is not None:
        return request.user.is_authenticated and request.user.pk == order.user_id
    return order.number in request.session.get(SESSION_KEY, [])
