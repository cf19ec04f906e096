"""Where and how payables are paid: producers' payout accounts, requested
changes to payees' accounts, payout batches (draft → approved → exported →
completed) and their rows; written by ``payouts.batches`` and
``payouts.account_changes`` only."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from aid_accounting.households import masking
from aid_accounting.households.encryption import EncryptedTextField
from aid_accounting.households.models import Household
from aid_accounting.households.validators import validate_bank_account_number
from aid_accounting.ledger.models import Account, Transaction

# Payouts ------------------------------------------------------------------------


class ProducerPayoutAccount(models.Model):
    """The bank account a producer's payables are transferred to.

    Most are business accounts, but a household producer's (农户) is a
    person's, so every account number is handled as personal data: encrypted
    at rest, shown masked, in full only in the bank file, whose export writes
    the audit log. Set or changed only by an approved ``PayoutAccountChange``.
    """

    producer = models.OneToOneField(
        "producers.Producer",
        verbose_name=_("生产者"),
        on_delete=models.PROTECT,
        related_name="payout_account",
    )
    holder_name = models.CharField(_("户名"), max_length=128)
    bank_name = models.CharField(_("开户银行"), max_length=128)
    bank_account_number = EncryptedTextField(
        _("银行账号"), validators=[validate_bank_account_number]
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # The account number is personal data, so it stays out, as for households.
    history = HistoricalRecords(
        excluded_fields=["bank_account_number"],
        verbose_name=_("生产者收款账户变更记录"),
        verbose_name_plural=_("生产者收款账户变更记录"),
    )

    class Meta:
        ordering = ["producer__name"]
        verbose_name = _("生产者收款账户")
        verbose_name_plural = _("生产者收款账户")

    def __str__(self) -> str:
        return self.producer.name

    @property
    def masked_holder_name(self) -> str:
        return masking.mask_name(self.holder_name)

    @property
    def masked_bank_account(self) -> str:
        return masking.mask_bank_account(self.bank_account_number)


class PayoutBatch(models.Model):
    """A bank transfer run for household or producer payables (DESIGN §7 flow 4).

    draft → approved (by a second aid officer) → exported (the bank file) →
    completed once every row is paid or failed; a draft or approved batch
    can be cancelled. Written only by ``aid_accounting.payouts.batches``.
    """

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("帮扶户")
        PRODUCER = "producer", _("生产者")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        APPROVED = "approved", _("已审核")
        EXPORTED = "exported", _("已导出")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已作废")

    kind = models.CharField(_("付款对象"), max_length=16, choices=Kind.choices)
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    total_fen = models.PositiveBigIntegerField(_("合计（分）"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("起草人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("起草时间"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导出人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    exported_at = models.DateTimeField(_("导出时间"), null=True, blank=True)

    history = HistoricalRecords(
        verbose_name=_("付款批次变更记录"), verbose_name_plural=_("付款批次变更记录")
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("付款批次")
        verbose_name_plural = _("付款批次")
        constraints = [
            # The four-eyes rule, kept by the database too.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=models.F("created_by")),
                name="payout_batch_approved_by_another_officer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


class PayoutRow(models.Model):
    """One payee of a batch: the amount to transfer and how the transfer went."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待付款")
        PAID = "paid", _("已付款")
        FAILED = "failed", _("付款失败")
        # The payee's account changed after the row was drafted: not paid,
        # the amount stays on the payable for a later batch.
        VOIDED = "voided", _("已作废")

    batch = models.ForeignKey(
        PayoutBatch, verbose_name=_("付款批次"), on_delete=models.PROTECT, related_name="rows"
    )
    account = models.ForeignKey(
        Account, verbose_name=_("应付账户"), on_delete=models.PROTECT, related_name="payout_rows"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("帮扶户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payout_rows",
    )
    producer = models.ForeignKey(
        "producers.Producer",
        verbose_name=_("生产者"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payout_rows",
    )
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    # The payee's account when the row was drafted: what the approver sees
    # (masked) and the bank file pays, whatever the register says later.
    payee_name = models.CharField(_("户名"), max_length=128)
    payee_bank_name = EncryptedTextField(_("开户银行"))
    payee_account_number = EncryptedTextField(_("银行账号"))
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    failure_reason = models.CharField(_("失败或作废原因"), max_length=255, blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    settled_at = models.DateTimeField(_("登记时间"), null=True, blank=True)
    transaction = models.OneToOneField(
        Transaction,
        verbose_name=_("付款凭证"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payout_row",
    )

    # The bank details are personal data (encrypted on the register too), so they stay out.
    history = HistoricalRecords(
        excluded_fields=["payee_bank_name", "payee_account_number"],
        verbose_name=_("付款明细变更记录"),
        verbose_name_plural=_("付款明细变更记录"),
    )

    class Meta:
        ordering = ["batch", "pk"]
        verbose_name = _("付款明细")
        verbose_name_plural = _("付款明细")
        constraints = [
            models.UniqueConstraint(fields=["batch", "account"], name="one_row_per_payee"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payout_row_positive"),
            models.CheckConstraint(
                condition=Q(household__isnull=False, producer__isnull=True)
                | Q(household__isnull=True, producer__isnull=False),
                name="payout_row_one_payee",
            ),
            models.CheckConstraint(
                condition=Q(status="paid", transaction__isnull=False)
                | (~Q(status="paid") & Q(transaction__isnull=True)),
                name="payout_row_paid_iff_posted",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch} · {self.payee_label}"

    @property
    def payee_label(self) -> str:
        if self.household_id:
            return str(self.household)
        return str(self.producer)

    @property
    def masked_payee_name(self) -> str:
        return masking.mask_name(self.payee_name)

    @property
    def masked_payee_account(self) -> str:
        return masking.mask_bank_account(self.payee_account_number)


class PayoutAccountChange(models.Model):
    """A requested new payout account for a household or a producer.

    An aid officer requests it; another aid officer approves (only then is
    the live account changed) or rejects it. The new values are encrypted and
    stay out of the history, which keeps their masks instead. Written only by
    ``aid_accounting.payouts.account_changes``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已驳回")

    household = models.ForeignKey(
        Household,
        verbose_name=_("帮扶户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account_changes",
    )
    producer = models.ForeignKey(
        "producers.Producer",
        verbose_name=_("生产者"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account_changes",
    )
    # A producer's account holder; a household's is its head, kept on the register.
    holder_name = models.CharField(_("户名"), max_length=128, blank=True)
    bank_name = EncryptedTextField(_("开户银行"))
    bank_account_number = EncryptedTextField(
        _("银行账号"), validators=[validate_bank_account_number]
    )
    masked_before = models.CharField(_("原账号"), max_length=40, blank=True)
    masked_after = models.CharField(_("新账号"), max_length=40)
    note = models.CharField(_("说明"), max_length=255, blank=True)
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    history = HistoricalRecords(
        excluded_fields=["bank_name", "bank_account_number"],
        verbose_name=_("收款账户变更申请记录"),
        verbose_name_plural=_("收款账户变更申请记录"),
    )

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("收款账户变更申请")
        verbose_name_plural = _("收款账户变更申请")
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False, producer__isnull=True)
                | Q(household__isnull=True, producer__isnull=False),
                name="payout_account_change_one_payee",
            ),
            # The four-eyes rule, kept by the database too.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("requested_by")),
                name="payout_account_change_decided_by_another_officer",
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status="pending"),
                name="one_pending_account_change_per_household",
            ),
            models.UniqueConstraint(
                fields=["producer"],
                condition=Q(status="pending"),
                name="one_pending_account_change_per_producer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payee_label} {self.masked_before or '—'} → {self.masked_after}"

    @property
    def payee_label(self) -> str:
        if self.household_id:
            return str(self.household)
        return str(self.producer)

    @property
    def masked_holder_name(self) -> str:
        return masking.mask_name(self.holder_name)


class PayoutHold(models.Model):
    """What a draft did not pay a payee, and why: nothing owed is skipped
    silently (``payouts.payable``). Written with the draft by
    ``payouts.batches.draft_batch``; shown on the batch's page.

    ``amount_fen`` is the amount held for the reason. For an offset it is the
    part of ``eligible_fen`` (what the producer would be paid without refunds
    of money already paid out) that those refunds took back; for a negative
    balance, what the payee still owes back after it.
    """

    class Reason(models.TextChoices):
        NO_ACCOUNT = "no_account", _("没有收款账户")
        OFFSET = "offset", _("抵扣付款后的退款")
        NEGATIVE_BALANCE = "negative_balance", _("应付余额为负，待以后收入抵扣")
        RETURN_WINDOW = "return_window", _("退货期未过")
        NOTICE_PENDING = "notice_pending", _("公示未发布或公示期未结束")
        OBJECTION = "objection", _("公示异议待处理")
        OBJECTION_UPHELD = "objection_upheld", _("公示异议成立，暂停支付")
        REMOVED = "removed", _("已退出登记，待帮扶专员决定")
        WITHHELD = "withheld", _("帮扶专员决定暂停支付")

    batch = models.ForeignKey(
        PayoutBatch, verbose_name=_("付款批次"), on_delete=models.PROTECT, related_name="holds"
    )
    account = models.ForeignKey(
        Account, verbose_name=_("应付账户"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("帮扶户"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    producer = models.ForeignKey(
        "producers.Producer",
        verbose_name=_("生产者"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.CharField(_("原因"), max_length=24, choices=Reason.choices)
    amount_fen = models.PositiveBigIntegerField(_("金额（分）"))
    eligible_fen = models.PositiveBigIntegerField(_("可付金额（分）"), null=True, blank=True)

    class Meta:
        ordering = ["batch", "account__code", "reason"]
        verbose_name = _("暂缓支付")
        verbose_name_plural = _("暂缓支付")
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "account", "reason"], name="one_hold_per_payee_and_reason"
            ),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payout_hold_positive"),
            models.CheckConstraint(
                condition=Q(household__isnull=False, producer__isnull=True)
                | Q(household__isnull=True, producer__isnull=False),
                name="payout_hold_one_payee",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch} · {self.payee_label} · {self.get_reason_display()}"

    @property
    def payee_label(self) -> str:
        if self.household_id:
            return str(self.household)
        return str(self.producer)


class RemovedHouseholdDecision(models.Model):
    """An aid officer's decision on the payable of a household removed from
    the register after a close credited it: pay it, or keep withholding it.
    Until the first decision the payable is held; the latest one applies.
    Decisions are never edited, so each is its own record of who and why.
    Written only by ``payouts.payable.decide_removed_household``."""

    class Decision(models.TextChoices):
        PAY = "pay", _("照付")
        WITHHOLD = "withhold", _("暂停支付")

    household = models.ForeignKey(
        Household,
        verbose_name=_("帮扶户"),
        on_delete=models.PROTECT,
        related_name="payout_decisions",
    )
    decision = models.CharField(_("决定"), max_length=16, choices=Decision.choices)
    reason = models.TextField(_("理由"), max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"), default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        verbose_name = _("退出户付款决定")
        verbose_name_plural = _("退出户付款决定")
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="removed_decision_has_reason")
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.get_decision_display()}"
