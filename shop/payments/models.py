from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.orders.models import Order, OrderLine


class Payment(models.Model):
    """One attempt to collect an order's total through a gateway."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待支付")
        SUCCEEDED = "succeeded", _("已支付")
        FAILED = "failed", _("失败")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(_("支付方式"), max_length=16)
    method = models.CharField(_("支付渠道"), max_length=16, blank=True)
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    currency = models.CharField(max_length=3, default="cny")
    external_id = models.CharField(
        _("外部流水号"), max_length=128, null=True, blank=True, unique=True
    )
    idempotency_key = models.CharField(max_length=64, unique=True)
    failure_message = models.CharField(max_length=255, blank=True)
    # Where the buyer goes on at the provider: a WeChat Pay QR code's content or
    # H5 page. Short-lived and not secret (it can only pay this order).
    action_url = models.CharField(max_length=1024, blank=True)
    paid_at = models.DateTimeField(_("到账时间"), null=True, blank=True)
    # Money received that did not buy the order's goods: a second payment, one
    # after the order was cancelled, or of the wrong amount. Staff refund it.
    surplus = models.BooleanField(_("多收款项"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("支付")
        verbose_name_plural = _("支付")

    def __str__(self) -> str:
        return f"{self.order.number} · {self.gateway} · {self.get_status_display()}"

    @property
    def merchant_reference(self) -> str:
        """Our number for the payment at the provider (WeChat Pay's out_trade_no,
        Alipay's): at most 32 letters and digits, unique, stable across retries."""
        return f"{self.order.number}P{self.pk}"


class Refund(models.Model):
    """Money given back: the whole order, or a quantity of one line."""

    class Status(models.TextChoices):
        PENDING = "pending", _("处理中")
        SUCCEEDED = "succeeded", _("已退款")
        FAILED = "failed", _("失败")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    line = models.ForeignKey(
        OrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    quantity = models.PositiveIntegerField(_("数量"), default=0)
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    status = models.CharField(
        _("状态"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    reason = models.CharField(_("原因"), max_length=255, blank=True)
    external_id = models.CharField(max_length=128, null=True, blank=True, unique=True)
    idempotency_key = models.CharField(max_length=64, unique=True)
    # Accepted by the provider, then failed there (the buyer's card was closed):
    # staff must pay the buyer back another way (the order is flagged).
    failed_at_gateway = models.BooleanField(_("平台退款失败"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("退款")
        verbose_name_plural = _("退款")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_fen__gt=0), name="refund_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order.number} −{self.amount_fen}"

    @property
    def merchant_reference(self) -> str:
        """Our number for the refund at the provider (out_refund_no, out_request_no)."""
        return f"{self.order.number}R{self.pk}"


class WebhookEvent(models.Model):
    """Each gateway event id is processed at most once: its row is written in
    the same transaction as the event's effect, under a unique constraint."""

    gateway = models.CharField(max_length=16)
    event_id = models.CharField(max_length=128)
    event_type = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("支付回调")
        verbose_name_plural = _("支付回调")
        constraints = [
            models.UniqueConstraint(fields=["gateway", "event_id"], name="webhook_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.gateway}:{self.event_id}"


class GatewayStatement(models.Model):
    """One download of a gateway's statement (对账单) for a day, and how it
    compared with our records. Each run is kept; the latest run of a gateway
    and day is the current one (``current``), which the admin shows and the
    next run replaces (``shop.payments.reconciliation``)."""

    class Status(models.TextChoices):
        MATCHED = "matched", _("相符")
        DIFFERENCES = "differences", _("有差异")
        FAILED = "failed", _("下载失败")

    gateway = models.CharField(_("支付方式"), max_length=16)
    day = models.DateField(_("账单日"))
    current = models.BooleanField(_("当前结果"), default=True)
    fetched_at = models.DateTimeField(_("下载时间"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices)
    error = models.CharField(_("下载错误"), max_length=500, blank=True)
    lines_count = models.PositiveIntegerField(_("笔数"), default=0)
    charges_fen = models.PositiveBigIntegerField(_("收款（分）"), default=0)
    refunds_fen = models.PositiveBigIntegerField(_("退款（分）"), default=0)
    # Signed: a provider gives part of its fee back on a refund.
    fees_fen = models.BigIntegerField(_("手续费（分）"), default=0)

    class Meta:
        ordering = ["-day", "gateway", "-fetched_at", "-pk"]
        verbose_name = _("对账单")
        verbose_name_plural = _("对账单")
        constraints = [
            models.UniqueConstraint(
                fields=["gateway", "day"],
                condition=models.Q(current=True),
                name="one_current_statement_per_gateway_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.day:%Y-%m-%d}"


class GatewayStatementLine(models.Model):
    """A line of a downloaded statement, with the shop's record it refers to
    (the succeeded payment or refund of that reference, if there is one; an
    amount that differs is a ``StatementDifference`` of its own)."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("收款")
        REFUND = "refund", _("退款")

    statement = models.ForeignKey(GatewayStatement, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    merchant_reference = models.CharField(_("商户单号"), max_length=64)
    external_id = models.CharField(_("平台流水号"), max_length=128, blank=True)
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    fee_fen = models.BigIntegerField(_("手续费（分）"))
    occurred_at = models.DateTimeField(_("发生时间"))
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="statement_lines"
    )
    refund = models.ForeignKey(
        Refund, null=True, blank=True, on_delete=models.PROTECT, related_name="statement_lines"
    )

    class Meta:
        ordering = ["statement_id", "pk"]
        verbose_name = _("对账单明细")
        verbose_name_plural = _("对账单明细")

    def __str__(self) -> str:
        return f"{self.merchant_reference} {self.amount_fen}"


class StatementDifference(models.Model):
    """Where a statement and the shop's records disagree. Never corrected
    automatically: a person looks, acts through the shop's own screens if
    needed, and marks it explained with a note (the only change made here)."""

    class Kind(models.TextChoices):
        MISSING_IN_SHOP = "missing_in_shop", _("平台有收款，本店无记录")
        MISSING_AT_GATEWAY = "missing_at_gateway", _("本店有收款，平台无记录")
        AMOUNT_DIFFERS = "amount_differs", _("收款金额不符")
        REFUND_MISSING_IN_SHOP = "refund_missing_in_shop", _("平台有退款，本店无记录")
        REFUND_MISSING_AT_GATEWAY = "refund_missing_at_gateway", _("本店有退款，平台无记录")
        REFUND_AMOUNT_DIFFERS = "refund_amount_differs", _("退款金额不符")

    statement = models.ForeignKey(
        GatewayStatement, on_delete=models.CASCADE, related_name="differences"
    )
    kind = models.CharField(_("差异类型"), max_length=32, choices=Kind.choices)
    merchant_reference = models.CharField(_("商户单号"), max_length=64, blank=True)
    external_id = models.CharField(_("平台流水号"), max_length=128, blank=True)
    shop_amount_fen = models.PositiveBigIntegerField(_("本店金额（分）"), null=True, blank=True)
    gateway_amount_fen = models.PositiveBigIntegerField(_("平台金额（分）"), null=True, blank=True)
    detail = models.CharField(_("说明"), max_length=255, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(_("核对时间"), null=True, blank=True)
    resolution_note = models.CharField(_("核对说明"), max_length=500, blank=True)

    class Meta:
        ordering = ["statement_id", "pk"]
        verbose_name = _("对账差异")
        verbose_name_plural = _("对账差异")
        permissions = [("explain_statementdifference", _("可以说明对账差异"))]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.merchant_reference or self.external_id}"

    @property
    def key(self) -> tuple:
        """What makes two runs' differences the same difference."""
        return (
            self.kind,
            self.merchant_reference,
            self.external_id,
            self.shop_amount_fen,
            self.gateway_amount_fen,
        )
