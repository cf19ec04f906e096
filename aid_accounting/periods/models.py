"""Accounting periods (a calendar month, closed once) and what a close
distributed from each pool; written by ``periods.close`` only."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from aid_accounting.ledger.models import Transaction
from aid_accounting.rules.models import AidPool


class AccountingPeriod(models.Model):
    """A calendar month that distribution closes (DESIGN §7), e.g. "2026-10".

    Dates are local (Asia/Shanghai) and both inclusive. Rows are made by
    ``periods.close.close_period``.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("未结算")
        CLOSED = "closed", _("已结算")

    code = models.CharField(_("期间"), max_length=7, unique=True)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(_("结算时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("结算人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords(
        verbose_name=_("会计期间变更记录"), verbose_name_plural=_("会计期间变更记录")
    )

    class Meta:
        ordering = ["-start"]
        verbose_name = _("会计期间")
        verbose_name_plural = _("会计期间")
        permissions = [("close_accountingperiod", _("可以结算会计期间"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="period_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | Q(status="closed", closed_at__isnull=False),
                name="period_closed_at_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class PoolDistribution(models.Model):
    """What one close paid out of one pool: the aid of the lines it
    distributed, less refunds that came after an earlier distribution; the
    households' shares are the entries of its transaction."""

    pool = models.ForeignKey(
        AidPool, verbose_name=_("资金池"), on_delete=models.PROTECT, related_name="distributions"
    )
    period = models.ForeignKey(
        AccountingPeriod,
        verbose_name=_("期间"),
        on_delete=models.PROTECT,
        related_name="distributions",
    )
    transaction = models.OneToOneField(
        Transaction, verbose_name=_("分配凭证"), on_delete=models.PROTECT, related_name="+"
    )
    lines_fen = models.PositiveBigIntegerField(_("本期明细帮扶金额（分）"))
    late_reversals_fen = models.PositiveBigIntegerField(_("分配后退款冲抵（分）"))
    amount_fen = models.PositiveBigIntegerField(_("分配金额（分）"))
    household_count = models.PositiveIntegerField(_("受益户数"))
    weighting = models.CharField(_("分配方式"), max_length=8, choices=AidPool.Weighting.choices)
    created_at = models.DateTimeField(_("分配时间"), default=timezone.now)

    class Meta:
        ordering = ["-period__start", "pool"]
        verbose_name = _("资金池分配")
        verbose_name_plural = _("资金池分配")
        constraints = [
            models.UniqueConstraint(fields=["pool", "period"], name="one_distribution_per_pool"),
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0)
                & Q(amount_fen=models.F("lines_fen") - models.F("late_reversals_fen")),
                name="distribution_amount_is_lines_less_reversals",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pool} {self.period}"


class PeriodSeal(models.Model):
    """What the ledger was when a period closed, fixed by a hash (``periods.seals``).

    Written once, at the end of the close, in its database transaction; frozen
    by database triggers (``periods.triggers``). It holds the chain's head at
    close, every account's balance up to that head (debit-positive fen, sorted
    by account code) and their hash, and is chained to the previous period's
    seal. Published on the period's notices and in open data, so a later
    rewrite of the ledger up to the head no longer matches what was published.
    """

    period = models.OneToOneField(
        AccountingPeriod, verbose_name=_("期间"), on_delete=models.PROTECT, related_name="seal"
    )
    sealed_at = models.DateTimeField(_("封存时间"))
    head_sequence = models.PositiveBigIntegerField(_("结算时链序号"))
    head_hash = models.CharField(_("结算时凭证哈希"), max_length=64)
    # [[account code, debit-positive balance in fen], ...] sorted by code.
    # Blank before the first posting.
    balances = models.JSONField(_("各账户余额"), blank=True)
    balances_hash = models.CharField(_("余额哈希"), max_length=64)
    # Unique: two seals cannot both follow the same one.
    previous_hash = models.CharField(_("上一封存哈希"), max_length=64, unique=True)
    seal_hash = models.CharField(_("封存哈希"), max_length=64, unique=True)

    class Meta:
        ordering = ["-period__start"]
        verbose_name = _("期间封存")
        verbose_name_plural = _("期间封存")

    def __str__(self) -> str:
        return f"{self.period} {self.seal_hash[:12]}"
