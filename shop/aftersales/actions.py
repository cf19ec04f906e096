"""After-sales services: the buyer opens a request on one order line, the
producer answers, the buyer replies or escalates, a township editor decides,
and a task decides what waited past its deadline.

Every step locks the order, then the request (the order first, as refunds and
the order's lifecycle take it), checks who acts and that the step may follow
the request's status (``models.TRANSITIONS``), records a history row and owes
the next party a message. A step that refunds writes the pending refund in the
same transaction (``refunds.request_aftersales_refund``); the caller then sends
it with ``send_refund`` (outside the transaction, as the provider is called),
and ``execute_pending_refunds`` sends what a crash left behind."""

import logging
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import format_yuan
from core.roles import SYSTEM, Actor, require_permission
from shop.aftersales import editor_notices, selectors
from shop.aftersales.models import (
    DECIDE_PERMISSION,
    TRANSITIONS,
    AfterSalesPhoto,
    AfterSalesRequest,
    AfterSalesStep,
    Kind,
    Status,
)
from shop.catalogue.models import Category
from shop.catalogue.photos import PhotoError, prepare_photo
from shop.orders import inventory, notifications, producer_notices
from shop.orders.models import Order, OrderLine, Shipment
from shop.orders.ownership import is_producer_member, owns_order
from shop.payments import refunds
from shop.payments.gateway import PaymentError
from shop.payments.models import Refund

logger = logging.getLogger(__name__)


MAX_PHOTOS = 6

# How long before a deadline the one whose move it is gets reminded.
REMIND_BEFORE = timedelta(hours=12)

REASON_MAX = 500


class AfterSalesError(Exception):
    """Bad input or a step that cannot be taken now; the message is for the person."""


# The buyer ----------------------------------------------------------------------


def open_request(
    *,
    order_id: int,
    line_id: int,
    kind: str,
    quantity: int,
    reason: str,
    photos: Sequence[File] = (),
    actor: Actor,
    guest_orders: Collection[str] = (),
    now: datetime | None = None,
) -> AfterSalesRequest:
    """Open a request on ``quantity`` units of one line of the actor's order
    (``guest_orders``: the guest session's order numbers, ownership.owns_order)."""
    now = now or timezone.now()
    reason = reason.strip()
    if kind not in Kind.values:
        raise AfterSalesError(_("请选择售后类型。"))
    if not reason:
        raise AfterSalesError(_("请写明原因。"))
    if len(reason) > REASON_MAX:
        raise AfterSalesError(_("原因最多 %(max)s 个字。") % {"max": REASON_MAX})
    if len(photos) > MAX_PHOTOS:
        raise AfterSalesError(_("最多上传 %(max)s 张照片。") % {"max": MAX_PHOTOS})
    if kind == Kind.QUALITY and not photos:
        raise AfterSalesError(_("质量问题请上传至少一张照片。"))
    # Photos are read before any lock: re-encoding a phone photo takes a moment.
    try:
        prepared = [prepare_photo(photo) for photo in photos]
    except PhotoError as error:
        raise AfterSalesError(str(error)) from None
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or not owns_order(actor, order, guest_orders=guest_orders):
            raise AfterSalesError(_("找不到这个订单，或者它不是您的订单。"))
        line = OrderLine.objects.select_related("shipment").filter(pk=line_id, order=order).first()
        if line is None:
            raise AfterSalesError(_("该订单中没有这一行商品。"))
        _check_window(order, line, kind=kind, now=now)
        available = selectors.claimable_quantity(line)
        if available <= 0:
            raise AfterSalesError(_("这件商品已全部退款或已在售后处理中。"))
        if not 1 <= quantity <= available:
            raise AfterSalesError(
                _("申请数量应在 1 到 %(available)s 之间。") % {"available": available}
            )
        request = AfterSalesRequest.objects.create(
            order=order,
            line=line,
            kind=kind,
            quantity=quantity,
            reason=reason,
            status=Status.OPEN,
            respond_by=now + timedelta(hours=settings.AFTERSALES_PRODUCER_HOURS),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        for photo in prepared:
            AfterSalesPhoto.objects.create(request=request, file=photo.as_file("photo.jpg"))
        _step(request, "opened", actor=actor, role="buyer", note=reason)
        _tell_producer(request, reminder=False)
        return request


def kinds_open(line: OrderLine, *, now: datetime | None = None) -> list[str]:
    """The kinds of request the buyer may open on ``line`` now (none when no
    unit is left to claim): what the order page offers."""
    if selectors.claimable_quantity(line) <= 0:
        return []
    kinds = []
    for kind in Kind.values:
        try:
            _check_window(line.order, line, kind=kind, now=now or timezone.now())
        except AfterSalesError:
            continue
        kinds.append(kind)
    return kinds


def _check_window(order: Order, line: OrderLine, *, kind: str, now: datetime) -> None:
    shipment = line.shipment
    if order.status in (Order.Status.COMPLETED, Order.Status.REFUNDED) or order.paid_at is None:
        raise AfterSalesError(_("该订单已完成或未付款，不能再申请售后。"))
    if shipment.status == Shipment.Status.PENDING:
        raise AfterSalesError(_("商品还没有发货，如不想要了请联系我们取消退款。"))
    if kind == Kind.MISSING:
        return
    if shipment.status != Shipment.Status.DELIVERED or shipment.delivered_at is None:
        raise AfterSalesError(_("包裹还没有送达；没收到货请选择“未收到货”。"))
    if kind == Kind.QUALITY:
        window = timedelta(hours=settings.AFTERSALES_QUALITY_WINDOW_HOURS)
        if line.return_policy == Category.ReturnPolicy.NO_REASON:
            window = max(window, timedelta(days=line.return_window_days))
        if now >= shipment.delivered_at + window:
            raise AfterSalesError(
                _("质量问题须在收货后 %(hours)s 小时内申请，已经超过期限。")
                % {"hours": settings.AFTERSALES_QUALITY_WINDOW_HOURS}
            )
        return
    if line.return_policy != Category.ReturnPolicy.NO_REASON:
        raise AfterSalesError(_("生鲜商品不支持无理由退货，有质量问题请选择“质量问题”。"))
    if now >= shipment.delivered_at + timedelta(days=line.return_window_days):
        raise AfterSalesError(
            _("无理由退货须在收货后 %(days)s 天内申请，已经超过期限。")
            % {"days": line.return_window_days}
        )


def accept_proposal(
    *, request_id: int, actor: Actor, guest_orders: Collection[str] = ()
) -> AfterSalesRequest:
    with transaction.atomic():
        request = _locked_for_buyer(request_id, actor=actor, guest_orders=guest_orders)
        _move(request, "accept_proposal", actor=actor, role="buyer")
        _refund(request, amount_fen=request.proposed_fen, quantity=0, actor=actor)
        return request


def reject_proposal(
    *, request_id: int, actor: Actor, note: str = "", guest_orders: Collection[str] = ()
) -> AfterSalesRequest:
    with transaction.atomic():
        request = _locked_for_buyer(request_id, actor=actor, guest_orders=guest_orders)
        _move(request, "reject_proposal", actor=actor, role="buyer", note=note)
        # The buyer's own step: they may escalate it until then (nobody to tell).
        request.respond_by = timezone.now() + timedelta(days=settings.AFTERSALES_BUYER_DAYS)
        request.save()
        return request


def ship_return(
    *,
    request_id: int,
    actor: Actor,
    carrier: str,
    tracking_number: str,
    guest_orders: Collection[str] = (),
    now: datetime | None = None,
) -> AfterSalesRequest:
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    if not carrier or not tracking_number:
        raise AfterSalesError(_("请填写退货的快递公司和运单号。"))
    with transaction.atomic():
        request = _locked_for_buyer(request_id, actor=actor, guest_orders=guest_orders)
        _move(
            request,
            "ship_return",
            actor=actor,
            role="buyer",
            note=f"{carrier} {tracking_number}",
        )
        request.return_carrier = carrier[:32]
        request.return_tracking = tracking_number[:40]
        request.respond_by = (now or timezone.now()) + timedelta(
            days=settings.AFTERSALES_RETURN_RECEIPT_DAYS
        )
        request.save()
        _tell_producer(request, reminder=False)
        return request


def escalate(
    *, request_id: int, actor: Actor, note: str = "", guest_orders: Collection[str] = ()
) -> AfterSalesRequest:
    with transaction.atomic():
        request = _locked_for_buyer(request_id, actor=actor, guest_orders=guest_orders)
        _move(request, "escalate", actor=actor, role="buyer", note=note)
        request.respond_by = timezone.now() + timedelta(days=settings.AFTERSALES_EDITOR_DAYS)
        request.save()
        editor_notices.escalated(request, respond_by=_when(request.respond_by))
        return request


# The producer -------------------------------------------------------------------


def answer(
    *, request_id: int, step: str, actor: Actor, amount_fen: int | None = None, note: str = ""
) -> AfterSalesRequest:
    """A member of the line's producer answers: ``accept`` (the quantity's full
    refund), ``propose`` (``amount_fen`` back, the goods kept), ``ask_return``
    or ``decline`` (a reason required)."""
    if step not in ("accept", "propose", "ask_return", "decline"):
        raise AfterSalesError(_("无效的操作。"))
    note = note.strip()
    if step == "decline" and not note:
        raise AfterSalesError(_("拒绝请写明理由。"))
    with transaction.atomic():
        request = _locked_for_producer(request_id, actor=actor)
        if step == "propose":
            left = _money_left(request)
            if amount_fen is None or not 1 <= amount_fen <= left:
                raise AfterSalesError(
                    _("退款金额应在 ¥0.01 到 %(left)s 之间。") % {"left": format_yuan(left)}
                )
        _move(request, step, actor=actor, role="producer", note=note, amount_fen=amount_fen)
        if step == "accept":
            _refund_quantity(request, actor=actor)
        else:
            if step == "propose":
                request.proposed_fen = amount_fen
            _wait_for_buyer(request, days=settings.AFTERSALES_BUYER_DAYS)
        return request


def confirm_return(*, request_id: int, actor: Actor) -> AfterSalesRequest:
    """The producer received the returned goods: they go back to stock, and the
    quantity is refunded."""
    with transaction.atomic():
        request = _locked_for_producer(request_id, actor=actor)
        _move(request, "confirm_return", actor=actor, role="producer")
        _goods_back(request, actor=actor)
        return request


# The township editors -----------------------------------------------------------


def decide(*, request_id: int, actor: Actor, amount_fen: int, note: str) -> AfterSalesRequest:
    """An escalated request decided: ``amount_fen`` back to the buyer (the goods
    kept), or nothing (0) and the request closed."""
    require_permission(actor, DECIDE_PERMISSION, message=_("你没有裁决售后申请的权限。"))
    note = note.strip()
    if not note:
        raise AfterSalesError(_("请写明裁决理由。"))
    with transaction.atomic():
        request = _locked(request_id)
        if amount_fen == 0:
            _move(request, "decide_decline", actor=actor, role="editor", note=note)
            return request
        left = _money_left(request)
        if not 1 <= amount_fen <= left:
            raise AfterSalesError(
                _("退款金额应在 ¥0.01 到 %(left)s 之间。") % {"left": format_yuan(left)}
            )
        _move(
            request, "decide_refund", actor=actor, role="editor", note=note, amount_fen=amount_fen
        )
        _refund(request, amount_fen=amount_fen, quantity=0, actor=actor)
        return request


# Deadlines ----------------------------------------------------------------------


def decide_overdue(*, now: datetime | None = None) -> dict[str, int]:
    """Decide each step past its deadline: a producer who did not answer (or
    confirm a returned parcel) is taken to accept, if AFTERSALES_AUTO_ACCEPT;
    a buyer who did not reply lets the request close. Remind whoever's move it
    is REMIND_BEFORE the deadline. Idempotent: each request is re-read under its
    lock, and each reminder is owed once. Refunds are sent after the loop."""
    now = now or timezone.now()
    counts = {"auto_accepted": 0, "lapsed": 0, "reminded": 0}
    due = AfterSalesRequest.objects.filter(
        status__in=TRANSITIONS["auto_accept"][0] | TRANSITIONS["lapse"][0],
        respond_by__lte=now + REMIND_BEFORE,
    ).values_list("pk", flat=True)
    to_send = []
    for request_id in due:
        try:
            with transaction.atomic():
                request = _locked(request_id)
                if request.respond_by is None or request.respond_by > now + REMIND_BEFORE:
                    continue
                if request.respond_by > now:
                    counts["reminded"] += _remind(request)
                elif request.status in TRANSITIONS["lapse"][0]:
                    _move(request, "lapse", actor=SYSTEM, role="system")
                    counts["lapsed"] += 1
                elif (
                    settings.AFTERSALES_AUTO_ACCEPT
                    and request.status in (TRANSITIONS["auto_accept"][0])
                ):
                    was = request.status
                    _move(request, "auto_accept", actor=SYSTEM, role="system")
                    if was == Status.RETURN_SHIPPED:
                        _goods_back(request, actor=SYSTEM)
                    else:
                        _refund_quantity(request, actor=SYSTEM)
                    counts["auto_accepted"] += 1
                    to_send.append(request)
        except (AfterSalesError, refunds.RefundError) as error:
            # Another refund of the order pending, say: the next run tries again.
            logger.warning("after-sales %s not decided: %s", request_id, error)
    for request in to_send:
        send_refund(request)
    return counts


def _remind(request: AfterSalesRequest) -> int:
    respond_by = _when(request.respond_by)
    if request.waits_for == "producer":
        return int(
            producer_notices.aftersales_to_answer(
                producer_id=request.line.producer_id,
                request_id=request.pk,
                status=request.status,
                number=request.order.number,
                kind=request.get_kind_display(),
                respond_by=respond_by,
                link=_portal_link(request),
                reminder=True,
            )
            > 0
        )
    if request.waits_for == "buyer":
        notifications.aftersales_reminder(
            request.order, request_id=request.pk, status=request.status, respond_by=respond_by
        )
        return 1
    return 0


# Sending the refund -------------------------------------------------------------


def send_refund(request: AfterSalesRequest) -> Refund | None:
    """Send the request's pending refund to the order's gateway (as staff
    refunds are sent right after they are written); an unanswered provider
    leaves it pending for ``execute_pending_refunds``."""
    if request.refund_id is None:
        return None
    try:
        return refunds.execute_refund(refund_id=request.refund_id)
    except PaymentError as error:
        logger.warning("after-sales refund %s unanswered: %s", request.refund_id, error)
        return Refund.objects.get(pk=request.refund_id)


# Inside the lock ----------------------------------------------------------------


def _locked(request_id: int) -> AfterSalesRequest:
    order_id = (
        AfterSalesRequest.objects.filter(pk=request_id).values_list("order_id", flat=True).first()
    )
    if order_id is None:
        raise AfterSalesError(_("找不到这个售后申请。"))
    Order.objects.select_for_update().get(pk=order_id)
    return (
        AfterSalesRequest.objects.select_for_update(of=("self",))
        .select_related("order", "line")
        .get(pk=request_id)
    )


def _locked_for_buyer(
    request_id: int, *, actor: Actor, guest_orders: Collection[str]
) -> AfterSalesRequest:
    request = _locked(request_id)
    if not owns_order(actor, request.order, guest_orders=guest_orders):
        raise AfterSalesError(_("找不到这个售后申请。"))
    return request


def _locked_for_producer(request_id: int, *, actor: Actor) -> AfterSalesRequest:
    request = _locked(request_id)
    if not is_producer_member(actor, producer_id=request.line.producer_id):
        raise PermissionDenied(_("只有该生产者的成员可以处理这个售后申请。"))
    return request


def _move(
    request: AfterSalesRequest,
    step: str,
    *,
    actor: Actor,
    role: str,
    note: str = "",
    amount_fen: int | None = None,
) -> None:
    sources, target = TRANSITIONS[step]
    if request.status not in sources:
        raise AfterSalesError(
            _("这个售后申请当前为“%(status)s”，不能进行这一步。")
            % {"status": request.get_status_display()}
        )
    request.status = target
    if not request.is_open:
        request.respond_by = None
        request.closed_at = timezone.now()
    request.save()
    _step(request, step, actor=actor, role=role, note=note, amount_fen=amount_fen)


def _step(
    request: AfterSalesRequest,
    kind: str,
    *,
    actor: Actor,
    role: str,
    note: str = "",
    amount_fen: int | None = None,
) -> None:
    user = actor if getattr(actor, "is_authenticated", False) else None
    AfterSalesStep.objects.create(
        request=request,
        kind=kind,
        actor=user,
        role=role,
        note=note[:REASON_MAX],
        amount_fen=amount_fen,
    )


def _wait_for_buyer(request: AfterSalesRequest, *, days: int) -> None:
    request.respond_by = timezone.now() + timedelta(days=days)
    request.save()
    last = request.steps.order_by("-pk").first()
    notifications.aftersales_answered(
        request.order,
        request_id=request.pk,
        step=request.status,
        step_label=last.kind_label if last else request.get_status_display(),
        respond_by=_when(request.respond_by),
    )


def _money_left(request: AfterSalesRequest) -> int:
    line = OrderLine.objects.get(pk=request.line_id)
    return line.total_fen - line.refunded_fen


def _refund_quantity(request: AfterSalesRequest, *, actor: Actor) -> None:
    """The request's quantity refunded in full: its units' price, or what is
    left of the line when they are its last units (the cents of a split price)."""
    line = OrderLine.objects.get(pk=request.line_id)
    left = line.total_fen - line.refunded_fen
    remaining = line.quantity - line.refunded_quantity
    quantity = min(request.quantity, remaining)
    amount = left if quantity == remaining else min(line.unit_price_fen * quantity, left)
    if quantity <= 0 or amount <= 0:
        raise AfterSalesError(_("这件商品已没有可退的金额。"))
    _refund(request, amount_fen=amount, quantity=quantity, actor=actor)


def _goods_back(request: AfterSalesRequest, *, actor: Actor) -> None:
    """Returned goods received: refunded, and back in stock (the refund itself
    puts back only goods never shipped)."""
    _refund_quantity(request, actor=actor)
    refund = request.refund
    if refund.quantity:
        inventory.release(variant_id=request.line.variant_id, quantity=refund.quantity)


def _refund(request: AfterSalesRequest, *, amount_fen: int, quantity: int, actor: Actor) -> None:
    try:
        request.refund = refunds.request_aftersales_refund(
            aftersales_id=request.pk,
            order_id=request.order_id,
            line_id=request.line_id,
            quantity=quantity,
            amount_fen=amount_fen,
            reason=_("售后 %(id)s：%(kind)s")
            % {"id": request.pk, "kind": request.get_kind_display()},
            # A guest buyer (查订单) has no account to record: the history names the role.
            actor=actor if getattr(actor, "is_authenticated", False) else SYSTEM,
        )
    except refunds.RefundError as error:
        raise AfterSalesError(str(error)) from None
    request.save()


def _tell_producer(request: AfterSalesRequest, *, reminder: bool) -> None:
    producer_notices.aftersales_to_answer(
        producer_id=request.line.producer_id,
        request_id=request.pk,
        status=request.status,
        number=request.order.number,
        kind=request.get_kind_display(),
        respond_by=_when(request.respond_by),
        link=_portal_link(request),
        reminder=reminder,
    )


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    return f"{local.month}月{local.day}日{local:%H:%M}"


def _portal_link(request: AfterSalesRequest) -> str:
    return (
        f"{settings.SITE_URL.rstrip('/')}{reverse('portal:aftersales_detail', args=[request.pk])}"
    )
