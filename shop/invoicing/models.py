"""发票 requests: a buyer (or a buying unit's member) asks for an invoice over
paid orders; the issuer (the producer, or the township on its behalf) records
it or rejects the request. One request per producer, the seller named on the
invoice, with each order's part (``InvoiceRequestOrder``) so that the invoiced
amounts per order and producer can be held against what was paid less refunds."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from producers.models import Producer
from shop.institutions.models import BuyingUnit
from shop.orders.models import Order


def invoice_path(instance: "InvoiceRequest", filename: str) -> str:
    """A random folder and name: never guessable, never served by the web
    server (only /media/images/ and /media/original_images/ are)."""
    return f"invoices/{uuid.uuid4().hex}/{uuid.uuid4().hex}.pdf"


class InvoiceRequest(models.Model):
    class Kind(models.TextChoices):
        NORMAL = "normal", _("普通发票")
        SPECIAL = "special", _("增值税专用发票")

    class Status(models.TextChoices):
        REQUESTED = "requested", _("待开票")
        ISSUED = "issued", _("已开票")
        REJECTED = "rejected", _("已拒绝")
        # Cancelled by a red-letter invoice: its amount may be invoiced again.
        REVERSED = "reversed", _("已红冲")

    # The statuses whose amounts count against what an order may still be invoiced for.
    HOLDING = (Status.REQUESTED, Status.ISSUED)

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoice_requests"
    )
    buying_unit = models.ForeignKey(
        BuyingUnit,
        verbose_name=_("采购单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invoice_requests",
    )
    producer = models.ForeignKey(
        Producer,
        verbose_name=_("销售方"),
        on_delete=models.PROTECT,
        related_name="invoice_requests",
    )
    # Who issues, as the producer was configured when the request came in.
    issuer = models.CharField(_("开具方"), max_length=16, choices=Producer.InvoiceIssuer.choices)
    kind = models.CharField(_("发票类型"), max_length=8, choices=Kind.choices)
    title = models.CharField(_("发票抬头"), max_length=128)
    tax_number = models.CharField(_("纳税人识别号"), max_length=20, blank=True)
    address_phone = models.CharField(_("地址、电话"), max_length=200, blank=True)
    bank_account = models.CharField(_("开户行及账号"), max_length=200, blank=True)
    email = models.EmailField(_("接收邮箱"))
    amount_fen = models.PositiveBigIntegerField(_("申请金额（分）"))
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reject_reason = models.CharField(_("拒绝原因"), max_length=255, blank=True)
    invoice_number = models.CharField(_("发票号码"), max_length=32, blank=True)
    invoice_date = models.DateField(_("开票日期"), null=True, blank=True)
    invoice_amount_fen = models.PositiveBigIntegerField(_("开票金额（分）"), null=True, blank=True)
    file = models.FileField(_("发票文件"), upload_to=invoice_path, blank=True)
    # Set when a refund leaves less paid than this invoice says (shop.invoicing.services).
    needs_red_letter = models.BooleanField(_("需开红字发票"), default=False)
    red_letter_number = models.CharField(_("红字发票号码"), max_length=32, blank=True)
    red_letter_date = models.DateField(_("红字发票日期"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("发票申请")
        verbose_name_plural = _("发票申请")
        permissions = [("issue_invoice", _("可以代生产者开具发票"))]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(invoice_amount_fen__isnull=True)
                | models.Q(invoice_amount_fen__lte=models.F("amount_fen")),
                name="invoice_within_request",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.producer}"


class InvoiceRequestOrder(models.Model):
    """One order's part of a request: the producer's lines and parcel in it."""

    request = models.ForeignKey(InvoiceRequest, on_delete=models.CASCADE, related_name="parts")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="invoice_parts")
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))

    class Meta:
        ordering = ["request", "order"]
        verbose_name = _("发票申请的订单")
        verbose_name_plural = _("发票申请的订单")
        constraints = [
            models.UniqueConstraint(fields=["request", "order"], name="one_part_per_order")
        ]

    def __str__(self) -> str:
        return f"{self.request} · {self.order}"
