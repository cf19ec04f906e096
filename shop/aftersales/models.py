"""After-sales requests (售后): a buyer's claim on one order line, the producer's
answer, the buyer's reply, a township editor's decision, and each step's history.

The status changes only through ``shop.aftersales.actions``, which checks each
move against ``TRANSITIONS`` under the request's and the order's row locks."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from shop.orders.models import Order, OrderLine
from shop.payments.models import Refund


class Kind(models.TextChoices):
    QUALITY = "quality", _("质量问题")
    NO_REASON = "no_reason", _("七天无理由退货")
    MISSING = "missing", _("未收到货")


class Status(models.TextChoices):
    OPEN = "open", _("待生产者处理")
    PROPOSED = "proposed", _("待买家确认部分退款")
    RETURN_REQUESTED = "return_requested", _("待买家寄回商品")
    RETURN_SHIPPED = "return_shipped", _("退货寄回中，待生产者确认收货")
    DECLINED = "declined", _("生产者已拒绝")
    REJECTED = "rejected", _("买家不接受方案")
    ESCALATED = "escalated", _("镇编辑处理中")
    REFUNDED = "refunded", _("已同意退款")
    CLOSED = "closed", _("已关闭")


# Steps that wait for someone: the order must not complete meanwhile.
OPEN_STATUSES = (
    Status.OPEN,
    Status.PROPOSED,
    Status.RETURN_REQUESTED,
    Status.RETURN_SHIPPED,
    Status.DECLINED,
    Status.REJECTED,
    Status.ESCALATED,
)

# Whose move each waiting step is: the producer's, the buyer's or the editors'.
WAITS_FOR = {
    Status.OPEN: "producer",
    Status.RETURN_SHIPPED: "producer",
    Status.PROPOSED: "buyer",
    Status.RETURN_REQUESTED: "buyer",
    Status.DECLINED: "buyer",
    Status.REJECTED: "buyer",
    Status.ESCALATED: "editor",
}

# step -> (the statuses it may start from, the status it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({Status.OPEN}), Status.REFUNDED),
    "propose": (frozenset({Status.OPEN}), Status.PROPOSED),
    "ask_return": (frozenset({Status.OPEN}), Status.RETURN_REQUESTED),
    "decline": (frozenset({Status.OPEN}), Status.DECLINED),
    "accept_proposal": (frozenset({Status.PROPOSED}), Status.REFUNDED),
    "reject_proposal": (frozenset({Status.PROPOSED}), Status.REJECTED),
    "ship_return": (frozenset({Status.RETURN_REQUESTED}), Status.RETURN_SHIPPED),
    "confirm_return": (frozenset({Status.RETURN_SHIPPED}), Status.REFUNDED),
    "escalate": (frozenset({Status.DECLINED, Status.REJECTED}), Status.ESCALATED),
    "decide_refund": (frozenset({Status.ESCALATED}), Status.REFUNDED),
    "decide_decline": (frozenset({Status.ESCALATED}), Status.CLOSED),
    # The producer did not answer (or confirm a return) in time.
    "auto_accept": (frozenset({Status.OPEN, Status.RETURN_SHIPPED}), Status.REFUNDED),
    # The buyer did not answer in time: the request ends as it stands.
    "lapse": (
        frozenset({Status.PROPOSED, Status.RETURN_REQUESTED, Status.DECLINED, Status.REJECTED}),
        Status.CLOSED,
    ),
}


# Who decides escalated requests (township editors: shop migration 0027).
DECIDE_PERMISSION = "shop.decide_aftersales"


class AfterSalesRequest(models.Model):
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="aftersales")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="aftersales")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    quantity = models.PositiveIntegerField(_("数量"))
    reason = models.TextField(_("原因"), max_length=500)
    # The step's deadline: the one whose move it is (WAITS_FOR) must act by then.
    respond_by = models.DateTimeField(_("处理期限"), null=True, blank=True)
    proposed_fen = models.PositiveBigIntegerField(_("提议退款（分）"), null=True, blank=True)
    return_carrier = models.CharField(_("退货快递公司"), max_length=32, blank=True)
    return_tracking = models.CharField(_("退货运单号"), max_length=40, blank=True)
    refund = models.OneToOneField(
        Refund,
        verbose_name=_("退款"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aftersales",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("售后申请")
        verbose_name_plural = _("售后申请")
        permissions = [("decide_aftersales", _("可以裁决售后申请"))]
        indexes = [models.Index(fields=["status", "respond_by"], name="aftersales_due")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="aftersales_quantity_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.order.number} 售后 {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def waits_for(self) -> str:
        return WAITS_FOR.get(self.status, "")


def photo_path(instance: "AfterSalesPhoto", filename: str) -> str:
    # A random folder and name: never served under /media/ (docs/deploy.md),
    # and not guessable should the proxy be misconfigured.
    return f"aftersales/{secrets.token_hex(16)}/{secrets.token_hex(8)}.jpg"


class AfterSalesPhoto(models.Model):
    """A buyer's photo, re-encoded without EXIF (shop.catalogue.photos); served
    only by ``shop.views.aftersales.photo`` to those who may see the request."""

    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=photo_path)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("售后照片")
        verbose_name_plural = _("售后照片")

    def __str__(self) -> str:
        return f"photo {self.pk}"


class AfterSalesStep(models.Model):
    """One step of a request's history, shown to the buyer, the producer and staff."""

    request = models.ForeignKey(AfterSalesRequest, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("步骤"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who acted, as a role ("buyer", "producer", "editor", "system"): a guest has no user.
    role = models.CharField(_("角色"), max_length=12)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("售后记录")
        verbose_name_plural = _("售后记录")

    KIND_LABELS = {
        "opened": _("提交申请"),
        "accept": _("同意退款"),
        "propose": _("提议部分退款"),
        "ask_return": _("要求寄回商品"),
        "decline": _("拒绝"),
        "accept_proposal": _("接受部分退款"),
        "reject_proposal": _("不接受部分退款"),
        "ship_return": _("已寄回商品"),
        "confirm_return": _("确认收到退货"),
        "escalate": _("申请镇编辑介入"),
        "decide_refund": _("镇编辑裁决退款"),
        "decide_decline": _("镇编辑裁决不退款"),
        "auto_accept": _("生产者超时未处理，自动同意退款"),
        "lapse": _("买家超时未处理，申请关闭"),
    }
    ROLE_LABELS = {
        "buyer": _("买家"),
        "producer": _("生产者"),
        "editor": _("镇编辑"),
        "system": _("系统"),
    }

    def __str__(self) -> str:
        return f"{self.request_id}: {self.kind}"

    @property
    def kind_label(self) -> str:
        return str(self.KIND_LABELS.get(self.kind, self.kind))

    @property
    def role_label(self) -> str:
        return str(self.ROLE_LABELS.get(self.role, self.role))
