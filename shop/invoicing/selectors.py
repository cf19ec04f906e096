"""What may be invoiced, and who may see an invoice. All amounts in fen.

What a producer may invoice on one order is what the buyer paid for that
producer's part less what was refunded of it: its lines' net amounts
(``OrderLine.net_fen``) plus its parcel's shipping fee, unless the order was
refunded as a whole, which returns the shipping too (shop.payments.refunds:
a whole-order refund is the order's total less what was refunded before; a
line refund never touches shipping). Surplus payments bought nothing and are
never invoiced."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Q, QuerySet, Sum

from producers.models import Producer, ProducerMembership
from shop.institutions.models import UnitMembership
from shop.invoicing.models import InvoiceRequest, InvoiceRequestOrder
from shop.orders.models import Order
from shop.payments.models import Refund

# Orders that were paid. A refunded one may keep its shipping fee (its lines
# refunded one by one), which stays invoiceable.
INVOICEABLE = (
    Order.Status.PAID,
    Order.Status.SHIPPED,
    Order.Status.DELIVERED,
    Order.Status.COMPLETED,
    Order.Status.REFUNDED,
)

VIEW_PERMISSION = "shop.view_invoicerequest"
ISSUE_PERMISSION = "shop.issue_invoice"


def shipping_refunded(order: Order) -> bool:
    return Refund.objects.filter(
        order=order, line__isnull=True, status=Refund.Status.SUCCEEDED, payment__surplus=False
    ).exists()


def paid_by_producer(order: Order) -> dict[int, int]:
    """Paid less refunded, per producer id of the order's parcels."""
    if order.status not in INVOICEABLE:
        return {}
    keep_shipping = not shipping_refunded(order)
    amounts = {}
    for shipment in order.shipments.all():
        lines = shipment.lines.all()
        amounts[shipment.producer_id] = sum(
            line.total_fen - line.refunded_fen for line in lines
        ) + (shipment.shipping_fen if keep_shipping else 0)
    return amounts


def invoiced_fen(
    *,
    order_id: int,
    producer_id: int,
    exclude_request_id: int | None = None,
    statuses=InvoiceRequest.HOLDING,
) -> int:
    """What open and issued requests (or those in ``statuses``) hold of this
    producer's part of the order."""
    parts = InvoiceRequestOrder.objects.filter(
        order_id=order_id, request__producer_id=producer_id, request__status__in=statuses
    )
    if exclude_request_id is not None:
        parts = parts.exclude(request_id=exclude_request_id)
    return parts.aggregate(total=Sum("amount_fen"))["total"] or 0


def left_to_invoice(order: Order) -> dict[int, int]:
    """Per producer id: what may still be requested on this order."""
    return {
        producer_id: paid - invoiced_fen(order_id=order.pk, producer_id=producer_id)
        for producer_id, paid in paid_by_producer(order).items()
    }


def orders_for_invoicing(user: AbstractBaseUser) -> QuerySet[Order]:
    """The paid orders ``user`` may request an invoice for: their own
    (bought for themselves) and those of the units they are a member of."""
    units = UnitMembership.objects.filter(user=user).values("unit_id")
    return (
        Order.objects.filter(status__in=INVOICEABLE)
        .filter(Q(user=user, buying_unit__isnull=True) | Q(buying_unit_id__in=units))
        .select_related("buying_unit")
        .order_by("-created_at")
    )


def requests_for_buyer(user: AbstractBaseUser) -> QuerySet[InvoiceRequest]:
    units = UnitMembership.objects.filter(user=user).values("unit_id")
    return (
        InvoiceRequest.objects.filter(Q(requested_by=user) | Q(buying_unit_id__in=units))
        .select_related("producer", "buying_unit")
        .prefetch_related("parts__order")
    )


def is_issuer(user: AbstractBaseUser, request: InvoiceRequest) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if request.issuer == Producer.InvoiceIssuer.PRODUCER:
        return ProducerMembership.objects.filter(
            producer_id=request.producer_id, user=user
        ).exists()
    return user.has_perm(ISSUE_PERMISSION)


def may_download(user: AbstractBaseUser, request: InvoiceRequest) -> bool:
    """The requester, the unit's members, the issuer and staff who see invoices."""
    if not (user.is_authenticated and user.is_active):
        return False
    if request.requested_by_id == user.pk or user.has_perm(VIEW_PERMISSION):
        return True
    if (
        request.buying_unit_id is not None
        and UnitMembership.objects.filter(unit_id=request.buying_unit_id, user=user).exists()
    ):
        return True
    return is_issuer(user, request)


def requests_for_producer(producer_id: int) -> QuerySet[InvoiceRequest]:
    """The requests a producer that issues its own invoices handles in the portal."""
    return (
        InvoiceRequest.objects.filter(
            producer_id=producer_id, issuer=Producer.InvoiceIssuer.PRODUCER
        )
        .select_related("buying_unit")
        .prefetch_related("parts__order")
    )
