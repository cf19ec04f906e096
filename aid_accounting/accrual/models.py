"""The aid accounting of each paid order line (``LineAccrual``) and of each refund
that reversed part of it (``AidReversal``); written by ``accrual.accrue`` and
``periods.close`` only."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aid_accounting.ledger.models import Transaction
from aid_accounting.rules.models import AidPool, AidRule


class LineAccrual(models.Model):
    """The aid accounting of one paid order line: the rule version it used,
    what went to the pool and to the producer, what refunds reversed, and the
    close that distributed it. Written only by ``accrual`` and
    ``distribution``; the ledger entries carry the same line, and
    ``aid_reconcile`` checks the two agree."""

    line = models.OneToOneField(
        "shop.OrderLine",
        verbose_name=_("订单明细"),
        on_delete=models.PROTECT,
        related_name="aid_accrual",
    )
    rule = models.ForeignKey(
        AidRule,
        verbose_name=_("规则版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accruals",
    )
    pool = models.ForeignKey(
        AidPool,
        verbose_name=_("资金池"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accruals",
    )
    line_total_fen = models.PositiveBigIntegerField(_("明细金额（分）"))
    aid_fen = models.PositiveBigIntegerField(_("帮扶金额（分）"))
    producer_fen = models.PositiveBigIntegerField(_("生产者金额（分）"))
    # When the order was paid (the money's real date; the rule version is the
    # one valid on its local day), and when the ledger books it: the same,
    # unless that month was closed by then (``accrual.booking``).
    accrued_at = models.DateTimeField(_("付款时间"), db_index=True)
    booked_at = models.DateTimeField(_("记账时间"), db_index=True)
    refunded_fen = models.PositiveBigIntegerField(_("已退款（分）"), default=0)
    reversed_fen = models.PositiveBigIntegerField(_("已冲回帮扶金额（分）"), default=0)
    distributed_in = models.ForeignKey(
        "aid_accounting.AccountingPeriod",  # by name: periods sit above accrual
        verbose_name=_("分配期间"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="distributed_accruals",
    )
    distributed_fen = models.PositiveBigIntegerField(_("已分配（分）"), default=0)
    transaction = models.OneToOneField(
        Transaction,
        verbose_name=_("计提凭证"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="line_accrual",
    )

    class Meta:
        ordering = ["-accrued_at", "-pk"]
        verbose_name = _("明细计提")
        verbose_name_plural = _("明细计提")
        indexes = [models.Index(fields=["pool", "distributed_in"], name="accrual_pool_distributed")]
        constraints = [
            models.CheckConstraint(
                condition=Q(booked_at__gte=models.F("accrued_at")),
                name="accrual_booked_after_paid",
            ),
            models.CheckConstraint(
                condition=Q(aid_fen__lte=models.F("line_total_fen"))
                & Q(producer_fen=models.F("line_total_fen") - models.F("aid_fen")),
                name="accrual_parts_add_up",
            ),
            models.CheckConstraint(
                condition=Q(refunded_fen__lte=models.F("line_total_fen"))
                & Q(reversed_fen__lte=models.F("aid_fen")),
                name="accrual_reversal_within_accrual",
            ),
            models.CheckConstraint(
                condition=Q(aid_fen=0) | Q(pool__isnull=False, rule__isnull=False),
                name="accrual_aid_has_a_pool",
            ),
            models.CheckConstraint(
                condition=Q(distributed_fen__lte=models.F("aid_fen")),
                name="accrual_distributed_within_aid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line} · {self.aid_fen}"


class AidReversal(models.Model):
    """The part of a refund that reverses one line's accrual.

    ``netted_in`` is the close that took it into account: the close that
    distributed its line, or, for a refund after distribution, the next close,
    which distributes that much less.
    """

    accrual = models.ForeignKey(
        LineAccrual, verbose_name=_("明细计提"), on_delete=models.PROTECT, related_name="reversals"
    )
    refund = models.ForeignKey(
        "shop.Refund",
        verbose_name=_("退款"),
        on_delete=models.PROTECT,
        related_name="aid_reversals",
    )
    refunded_fen = models.PositiveBigIntegerField(_("退款金额（分）"))
    aid_fen = models.PositiveBigIntegerField(_("冲回帮扶金额（分）"))
    # When the refund was made, and when the ledger books it (as for accruals).
    created_at = models.DateTimeField(_("冲回时间"), default=timezone.now)
    booked_at = models.DateTimeField(_("记账时间"), db_index=True)
    netted_in = models.ForeignKey(
        "aid_accounting.AccountingPeriod",
        verbose_name=_("冲抵期间"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="netted_reversals",
    )
    transaction = models.OneToOneField(
        Transaction, verbose_name=_("冲回凭证"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("计提冲回")
        verbose_name_plural = _("计提冲回")
        constraints = [
            models.UniqueConstraint(fields=["accrual", "refund"], name="one_reversal_per_refund"),
            models.CheckConstraint(
                condition=Q(booked_at__gte=models.F("created_at")),
                name="reversal_booked_after_made",
            ),
            models.CheckConstraint(
                condition=Q(aid_fen__lte=models.F("refunded_fen")),
                name="reversal_aid_within_refund",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.accrual.line} −{self.aid_fen}"
