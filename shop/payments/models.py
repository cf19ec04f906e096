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
