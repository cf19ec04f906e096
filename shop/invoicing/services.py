"""Requesting, issuing, rejecting and correcting 发票.

Invoice totals never exceed what was paid less refunds: requesting and
issuing lock the orders (in id order, as refunds lock an order before its
lines) and hold each order's part per producer against
``selectors.paid_by_producer`` less what other open or issued requests hold.
A refund after invoicing flags the issued invoices that now say more than
is left (``flag_red_letters``, on ``shop.events.line_refunded``); the issuer
records the red-letter invoice, which frees the amount for a new request."""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import format_yuan
from producers.models import Producer
from shop.institutions.models import UnitMembership
from shop.institutions.validators import normalize_tax_number, validate_tax_number
from shop.invoicing import notifications, selectors
from shop.invoicing.models import InvoiceRequest, InvoiceRequestOrder
from shop.orders.models import Order, OrderLine

PDF_MAGIC = b"%PDF-"
PDF_MAX_BYTES = 10 * 1024 * 1024


class InvoiceError(Exception):
    pass


def _lock_orders(order_ids: Iterable[int]) -> list[Order]:
    return list(Order.objects.select_for_update().filter(pk__in=set(order_ids)).order_by("pk"))


def _tax_number(value: str, *, required: bool, why: str) -> str:
    value = normalize_tax_number(value)
    if not value:
        if required:
            raise InvoiceError(why)
        return ""
    try:
        validate_tax_number(value)
    except ValidationError as error:
        raise InvoiceError(error.messages[0]) from None
    return value


def request_invoice(
    *,
    actor: AbstractBaseUser,
    order_ids: Iterable[int],
    kind: str,
    title: str,
    email: str,
    tax_number: str = "",
    address_phone: str = "",
    bank_account: str = "",
) -> list[InvoiceRequest]:
    """One request per producer for that producer's part of the orders, or
    InvoiceError and nothing written. The orders are all the actor's own or
    all one unit's, of which the actor is a member."""
    order_ids = [int(pk) for pk in order_ids]
    title, address_phone, bank_account = title.strip(), address_phone.strip(), bank_account.strip()
    if not order_ids:
        raise InvoiceError(_("请选择要开发票的订单。"))
    if kind not in InvoiceRequest.Kind.values:
        raise InvoiceError(_("请选择发票类型。"))
    if not title:
        raise InvoiceError(_("请填写发票抬头。"))
    if not email:
        raise InvoiceError(_("请填写接收发票的电子邮箱。"))
    special = kind == InvoiceRequest.Kind.SPECIAL
    if special and not (address_phone and bank_account):
        raise InvoiceError(_("增值税专用发票需要填写购买方的地址、电话和开户行及账号。"))
    with transaction.atomic():
        orders = _lock_orders(order_ids)
        if len(orders) != len(set(order_ids)):
            raise InvoiceError(_("找不到所选的订单。"))
        # Someone else's order is "not found", before anything else is said of it.
        for order in orders:
            if not _may_request(actor, order):
                raise InvoiceError(_("找不到所选的订单。"))
        units = {order.buying_unit_id for order in orders}
        if len(units) > 1:
            raise InvoiceError(_("个人订单和各单位的订单请分开申请发票。"))
        (unit_id,) = units
        tax_number = _tax_number(
            tax_number,
            required=special or unit_id is not None,
            why=_("单位发票和增值税专用发票必须填写纳税人识别号。"),
        )
        parts: dict[int, list[tuple[Order, int]]] = defaultdict(list)
        for order in orders:
            if order.status not in selectors.INVOICEABLE:
                raise InvoiceError(
                    _("订单 %(number)s 未付款，不能开发票。") % {"number": order.number}
                )
            left = {p: fen for p, fen in selectors.left_to_invoice(order).items() if fen > 0}
            if not left:
                raise InvoiceError(
                    _("订单 %(number)s 的实付金额（扣除退款）已全部申请过发票或已退款。")
                    % {"number": order.number}
                )
            for producer_id, fen in left.items():
                parts[producer_id].append((order, fen))
        producers = Producer.objects.in_bulk(parts)
        created = []
        for producer_id in sorted(parts):
            producer = producers[producer_id]
            request = InvoiceRequest.objects.create(
                requested_by=actor,
                buying_unit_id=unit_id,
                producer=producer,
                issuer=producer.invoice_issuer,
                kind=kind,
                title=title,
                tax_number=tax_number,
                address_phone=address_phone,
                bank_account=bank_account,
                email=email,
                amount_fen=sum(fen for _order, fen in parts[producer_id]),
            )
            InvoiceRequestOrder.objects.bulk_create(
                InvoiceRequestOrder(request=request, order=order, amount_fen=fen)
                for order, fen in parts[producer_id]
            )
            notifications.request_arrived(request)
            created.append(request)
        return created


def _may_request(actor: AbstractBaseUser, order: Order) -> bool:
    if order.buying_unit_id is None:
        return order.user_id == actor.pk
    return UnitMembership.objects.filter(unit_id=order.buying_unit_id, user=actor).exists()


def _decidable(*, actor: AbstractBaseUser, request_id: int, status: str) -> InvoiceRequest:
    """The request, locked after its orders, if ``actor`` issues it and it is in ``status``."""
    order_ids = InvoiceRequestOrder.objects.filter(request_id=request_id).values_list(
        "order_id", flat=True
    )
    _lock_orders(order_ids)
    request = InvoiceRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None or not selectors.is_issuer(actor, request):
        raise InvoiceError(_("找不到这份发票申请，或您无权处理。"))
    if request.status != status:
        raise InvoiceError(
            _("这份发票申请当前为“%(status)s”，不能这样处理。")
            % {"status": request.get_status_display()}
        )
    return request


def check_pdf(upload: UploadedFile | None) -> None:
    if upload is None:
        raise InvoiceError(_("请上传发票的PDF文件。"))
    if upload.size > PDF_MAX_BYTES:
        raise InvoiceError(_("发票文件不能超过10MB。"))
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        raise InvoiceError(_("上传的文件不是PDF，请上传税控系统导出的PDF发票。"))


def issue_invoice(
    *,
    actor: AbstractBaseUser,
    request_id: int,
    number: str,
    issued_on: datetime.date,
    amount_fen: int,
    pdf: UploadedFile | None,
) -> InvoiceRequest:
    """Record the invoice: its amount at most the request's and at most what
    its orders may still be invoiced for now (a refund may have come since)."""
    number = number.strip()
    if not number:
        raise InvoiceError(_("请填写发票号码。"))
    check_pdf(pdf)
    with transaction.atomic():
        request = _decidable(
            actor=actor, request_id=request_id, status=InvoiceRequest.Status.REQUESTED
        )
        if not 1 <= amount_fen <= request.amount_fen:
            raise InvoiceError(
                _("开票金额应在 ¥0.01 到申请金额 %(amount)s 之间。")
                % {"amount": format_yuan(request.amount_fen)}
            )
        parts = list(request.parts.select_related("order").order_by("order_id"))
        room = {
            part.pk: min(
                part.amount_fen,
                max(
                    0,
                    selectors.paid_by_producer(part.order).get(request.producer_id, 0)
                    - selectors.invoiced_fen(
                        order_id=part.order_id,
                        producer_id=request.producer_id,
                        exclude_request_id=request.pk,
                    ),
                ),
            )
            for part in parts
        }
        if amount_fen > sum(room.values()):
            raise InvoiceError(
                _("开票金额超过这些订单实付减退款后可开票的 %(amount)s。")
                % {"amount": format_yuan(sum(room.values()))}
            )
        # The parts say what the invoice covers of each order: the earliest first.
        rest = amount_fen
        for part in parts:
            part.amount_fen = min(room[part.pk], rest)
            rest -= part.amount_fen
        InvoiceRequestOrder.objects.bulk_update(parts, ["amount_fen"])
        request.status = InvoiceRequest.Status.ISSUED
        request.invoice_number = number[:32]
        request.invoice_date = issued_on
        request.invoice_amount_fen = amount_fen
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.file.save("invoice.pdf", pdf, save=False)
        request.save()
        notifications.invoice_issued(request)
        return request


def reject_request(*, actor: AbstractBaseUser, request_id: int, reason: str) -> InvoiceRequest:
    reason = reason.strip()
    if not reason:
        raise InvoiceError(_("请填写拒绝的原因，买家会看到它。"))
    with transaction.atomic():
        request = _decidable(
            actor=actor, request_id=request_id, status=InvoiceRequest.Status.REQUESTED
        )
        request.status = InvoiceRequest.Status.REJECTED
        request.reject_reason = reason[:255]
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "reject_reason", "decided_by", "decided_at"])
        notifications.invoice_rejected(request)
        return request


def record_red_letter(
    *, actor: AbstractBaseUser, request_id: int, number: str, issued_on: datetime.date
) -> InvoiceRequest:
    """The red-letter invoice cancels the flagged one; what is left of its
    orders may then be requested again."""
    number = number.strip()
    if not number:
        raise InvoiceError(_("请填写红字发票号码。"))
    with transaction.atomic():
        request = _decidable(
            actor=actor, request_id=request_id, status=InvoiceRequest.Status.ISSUED
        )
        if not request.needs_red_letter:
            raise InvoiceError(_("这张发票没有需要红冲的退款。"))
        request.status = InvoiceRequest.Status.REVERSED
        request.needs_red_letter = False
        request.red_letter_number = number[:32]
        request.red_letter_date = issued_on
        request.save(
            update_fields=["status", "needs_red_letter", "red_letter_number", "red_letter_date"]
        )
        return request


def on_line_refunded(sender, *, line: OrderLine, **kwargs) -> None:
    flag_red_letters(line=line)


def flag_red_letters(*, line: OrderLine) -> int:
    """After a refund of ``line`` (in the refund's transaction, the order
    locked): flag the issued invoices of the line's producer on its order
    once open and issued requests hold more than is left. Returns how many
    were newly flagged."""
    order = line.order
    if not InvoiceRequestOrder.objects.filter(
        order=order, request__status=InvoiceRequest.Status.ISSUED
    ).exists():
        return 0  # most refunds: nothing was invoiced
    paid = selectors.paid_by_producer(order).get(line.producer_id, 0)
    # Open requests are held to what is left when they are issued: only issued ones are flagged.
    issued = selectors.invoiced_fen(
        order_id=order.pk, producer_id=line.producer_id, statuses=[InvoiceRequest.Status.ISSUED]
    )
    if issued <= paid:
        return 0
    flagged = list(
        InvoiceRequest.objects.select_for_update(of=("self",)).filter(
            producer_id=line.producer_id,
            parts__order=order,
            status=InvoiceRequest.Status.ISSUED,
            needs_red_letter=False,
        )
    )
    for request in flagged:
        request.needs_red_letter = True
        request.save(update_fields=["needs_red_letter"])
        notifications.red_letter_needed(request)
    return len(flagged)
