"""Households, the personal-data audit log and the double-entry ledger (DESIGN §7).

Ledger design. An ``Account`` belongs to one owner (a producer, a pool, a
household, or one of the singleton owners: processor clearing, bank,
platform). A ``Transaction`` is a set of ``Entry`` rows whose signed amounts
(debit positive, credit negative, in fen) sum to zero. The database itself
keeps these rules, on SQLite and PostgreSQL alike (``ledger_triggers``):

- entries can be added to a transaction only while it is a draft;
- a transaction can be marked posted only if it has at least two entries
  and they sum to zero; it cannot be inserted already posted;
- a posted transaction and its entries can be neither updated nor deleted:
  corrections are new transactions;
- on PostgreSQL, a deferred constraint trigger also refuses to commit a
  transaction that is still a draft.

``aid_accounting.ledger`` is the only code that writes these tables.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from producers.models import Village

from . import masking
from .encryption import EncryptedTextField
from .validators import validate_id_number

# Households -------------------------------------------------------------------


class HouseholdQuerySet(models.QuerySet):
    def eligible_q(self) -> Q:
        return Q(status__in=Household.ELIGIBLE_STATUSES)

    def eligible(self) -> "HouseholdQuerySet":
        """Households that share in aid distributions."""
        return self.filter(self.eligible_q())


class Household(models.Model):
    """A registered poor household (建档立卡户) or a monitored one (监测户).

    ID number, phone and bank account are personal data: encrypted at rest,
    left out of the change history, shown masked; the full values only through
    ``personal_data.reveal_personal_data``, which checks the role and writes the
    audit log.
    """

    class Kind(models.TextChoices):
        REGISTERED_POOR = "registered_poor", _("建档立卡户")
        MONITORED = "monitored", _("监测户")

    class Status(models.TextChoices):
        ACTIVE = "active", _("帮扶中")
        LIFTED_OUT = "lifted_out", _("已脱贫")
        RISK_ELIMINATED = "risk_eliminated", _("风险已消除")
        REMOVED = "removed", _("已退出")

    # Lifted-out households keep their aid through the transition period
    # (摘帽不摘政策); a monitored household whose risk is eliminated, or one
    # removed from the register, no longer shares in distributions.
    ELIGIBLE_STATUSES = (Status.ACTIVE, Status.LIFTED_OUT)
    PERSONAL_FIELDS = ("id_number", "phone", "bank_name", "bank_account_number")

    registration_number = models.CharField(_("登记编号"), max_length=40, unique=True)
    head_name = models.CharField(_("户主"), max_length=32)
    member_count = models.PositiveSmallIntegerField(_("家庭人口"), default=1)
    village = models.ForeignKey(
        Village, verbose_name=_("所在村"), on_delete=models.PROTECT, related_name="households"
    )
    kind = models.CharField(
        _("类别"), max_length=16, choices=Kind.choices, default=Kind.REGISTERED_POOR
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    helper_cadre = models.CharField(_("帮扶责任人"), max_length=32, blank=True)
    id_number = EncryptedTextField(_("身份证号码"), blank=True, validators=[validate_id_number])
    phone = EncryptedTextField(_("联系电话"), blank=True)
    bank_name = EncryptedTextField(_("开户银行"), blank=True)
    bank_account_number = EncryptedTextField(_("银行账号"), blank=True)

    history = HistoricalRecords(
        excluded_fields=list(PERSONAL_FIELDS),
        verbose_name=_("帮扶户变更记录"),
        verbose_name_plural=_("帮扶户变更记录"),
    )
    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["registration_number"]
        verbose_name = _("帮扶户")
        verbose_name_plural = _("帮扶户")
        constraints = [
            models.CheckConstraint(
                condition=Q(member_count__gte=1),
                name="household_has_members",
                violation_error_message=_("家庭人口至少为1人。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="lifted_out") | Q(kind="registered_poor"),
                name="household_only_registered_poor_lift_out",
                violation_error_message=_("只有建档立卡户可以标记为已脱贫。"),
            ),
            models.CheckConstraint(
                condition=~Q(status="risk_eliminated") | Q(kind="monitored"),
                name="household_only_monitored_eliminate_risk",
                violation_error_message=_("只有监测户可以标记为风险已消除。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration_number} {self.masked_head_name}"

    @property
    def is_eligible(self) -> bool:
        return self.status in self.ELIGIBLE_STATUSES

    @property
    def masked_head_name(self) -> str:
        return masking.mask_name(self.head_name)

    @property
    def masked_id_number(self) -> str:
        return masking.mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return masking.mask_phone(self.phone)

    @property
    def masked_bank_account(self) -> str:
        return masking.mask_bank_account(self.bank_account_number)


class PersonalDataAccess(models.Model):
    """Audit log: one row for each time someone saw or exported full personal data."""

    class Purpose(models.TextChoices):
        VIEW = "view", _("查看")
        EXPORT = "export", _("导出")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("帮扶户"),
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
    )
    fields = models.JSONField(_("字段"))
    purpose = models.CharField(_("用途"), max_length=8, choices=Purpose.choices)
    accessed_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-accessed_at", "-pk"]
        verbose_name = _("个人信息查看记录")
        verbose_name_plural = _("个人信息查看记录")

    def __str__(self) -> str:
        return f"{self.user} {self.get_purpose_display()} {self.household.registration_number}"


# Ledger -----------------------------------------------------------------------


class AccountKind(models.TextChoices):
    ASSET = "asset", _("资产")
    LIABILITY = "liability", _("负债")
    INCOME = "income", _("收入")


class AccountOwnerType(models.TextChoices):
    PROCESSOR_CLEARING = "processor_clearing", _("支付渠道待清算")
    BANK = "bank", _("银行存款")
    PRODUCER = "producer", _("应付生产者")
    POOL = "pool", _("帮扶资金池")
    HOUSEHOLD = "household", _("应付帮扶户")
    PLATFORM = "platform", _("平台收入")


# The owner decides what kind of account it is, so the sign of a balance can be
# read off the kind (see ledger.balance).
KIND_BY_OWNER_TYPE = {
    AccountOwnerType.PROCESSOR_CLEARING: AccountKind.ASSET,
    AccountOwnerType.BANK: AccountKind.ASSET,
    AccountOwnerType.PRODUCER: AccountKind.LIABILITY,
    AccountOwnerType.POOL: AccountKind.LIABILITY,
    AccountOwnerType.HOUSEHOLD: AccountKind.LIABILITY,
    AccountOwnerType.PLATFORM: AccountKind.INCOME,
}
# Owners with one account for the whole township, and so no owner_id.
SINGLETON_OWNER_TYPES = (
    AccountOwnerType.PROCESSOR_CLEARING,
    AccountOwnerType.BANK,
    AccountOwnerType.PLATFORM,
)


class Account(models.Model):
    Kind = AccountKind
    OwnerType = AccountOwnerType

    code = models.CharField(_("科目代码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=128)
    kind = models.CharField(_("类别"), max_length=16, choices=Kind.choices)
    owner_type = models.CharField(_("所属对象类型"), max_length=32, choices=OwnerType.choices)
    # A plain id rather than a foreign key: owners live in three apps and the
    # pool model does not exist yet; uniqueness per owner is a constraint below.
    owner_id = models.PositiveBigIntegerField(_("所属对象编号"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        ordering = ["code"]
        verbose_name = _("账户")
        verbose_name_plural = _("账户")
        constraints = [
            models.UniqueConstraint(
                fields=["owner_type", "owner_id"],
                condition=Q(owner_id__isnull=False),
                name="ledger_one_account_per_owner",
            ),
            models.UniqueConstraint(
                fields=["owner_type"],
                condition=Q(owner_id__isnull=True),
                name="ledger_one_account_per_singleton_owner",
            ),
            models.CheckConstraint(
                condition=(Q(owner_type__in=SINGLETON_OWNER_TYPES) & Q(owner_id__isnull=True))
                | (~Q(owner_type__in=SINGLETON_OWNER_TYPES) & Q(owner_id__isnull=False)),
                name="ledger_account_owner_id_matches_owner_type",
            ),
            models.CheckConstraint(
                condition=Q.create(
                    [Q(owner_type=owner, kind=kind) for owner, kind in KIND_BY_OWNER_TYPE.items()],
                    connector=Q.OR,
                ),
                name="ledger_account_kind_matches_owner_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Transaction(models.Model):
    class Kind(models.TextChoices):
        ACCRUAL = "accrual", _("计提")
        REVERSAL = "reversal", _("冲回")
        DISTRIBUTION = "distribution", _("分配")
        PAYOUT = "payout", _("支付")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    idempotency_key = models.CharField(_("幂等键"), max_length=200, unique=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    memo = models.TextField(_("摘要"), blank=True)
    created_at = models.DateTimeField(_("记账时间"), default=timezone.now, db_index=True)
    posted = models.BooleanField(_("已过账"), default=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.idempotency_key}"


class Entry(models.Model):
    """One leg of a transaction: debit positive, credit negative, never zero.

    The order line an entry comes from (DESIGN §7) is added with the shop's
    OrderLine model at checkout, as a nullable foreign key.
    """

    transaction = models.ForeignKey(
        Transaction, verbose_name=_("凭证"), on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(
        Account, verbose_name=_("账户"), on_delete=models.PROTECT, related_name="entries"
    )
    amount_fen = models.BigIntegerField(_("金额（分）"), help_text=_("借方为正，贷方为负"))

    class Meta:
        ordering = ["transaction_id", "pk"]
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        constraints = [
            models.CheckConstraint(condition=~Q(amount_fen=0), name="ledger_entry_amount_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.account.code} {self.amount_fen:+d}"
