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

Change history (``HistoricalRecords``, django-simple-history) is kept for
what people decide: households, pools, rules, periods, payout batches and
rows, producers' payout accounts; ``audit_trail`` shows it in the admin. The
ledger has none: its rows can be neither updated nor deleted (the triggers
above), so each one already is its own permanent record, with its time.
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
from .validators import validate_bank_account_number, validate_id_number

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
    """Audit log: one row for each time someone saw or exported full personal
    data, of a household or of a producer's payout account."""

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
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
    )
    producer = models.ForeignKey(
        "producers.Producer",
        verbose_name=_("生产者"),
        null=True,
        blank=True,
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
        constraints = [
            models.CheckConstraint(
                condition=Q(household__isnull=False, producer__isnull=True)
                | Q(household__isnull=True, producer__isnull=False),
                name="personal_data_access_one_subject",
            )
        ]

    def __str__(self) -> str:
        subject = self.household.registration_number if self.household_id else self.producer.code
        return f"{self.user} {self.get_purpose_display()} {subject}"


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

    Accrual and reversal entries carry the order line they come from (DESIGN
    §7), so every fen of a pool can be traced to a sale by a query.
    """

    transaction = models.ForeignKey(
        Transaction, verbose_name=_("凭证"), on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(
        Account, verbose_name=_("账户"), on_delete=models.PROTECT, related_name="entries"
    )
    amount_fen = models.BigIntegerField(_("金额（分）"), help_text=_("借方为正，贷方为负"))
    order_line = models.ForeignKey(
        "shop.OrderLine",
        verbose_name=_("订单明细"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )

    class Meta:
        ordering = ["transaction_id", "pk"]
        verbose_name = _("分录")
        verbose_name_plural = _("分录")
        constraints = [
            models.CheckConstraint(condition=~Q(amount_fen=0), name="ledger_entry_amount_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.account.code} {self.amount_fen:+d}"


# Aid rules, pools and periods -------------------------------------------------


class AidPool(models.Model):
    """Who benefits from the aid of the rules that feed this pool (DESIGN §7).

    The beneficiaries are the eligible households, at close time, of the
    pool's key villages plus its named households; each close splits the
    pool's distributable aid among them equally or by household members.
    """

    class Weighting(models.TextChoices):
        EQUAL = "equal", _("按户平均")
        MEMBERS = "members", _("按家庭人口")

    name = models.CharField(_("名称"), max_length=128, unique=True)
    villages = models.ManyToManyField(
        Village,
        verbose_name=_("受益重点村"),
        blank=True,
        related_name="aid_pools",
        limit_choices_to={"is_key_village": True},
    )
    households = models.ManyToManyField(
        Household, verbose_name=_("指定受益户"), blank=True, related_name="aid_pools"
    )
    weighting = models.CharField(
        _("分配方式"), max_length=8, choices=Weighting.choices, default=Weighting.EQUAL
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    # With the villages and named households: who benefits is what changes.
    history = HistoricalRecords(
        m2m_fields=[villages, households],
        verbose_name=_("帮扶资金池变更记录"),
        verbose_name_plural=_("帮扶资金池变更记录"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("帮扶资金池")
        verbose_name_plural = _("帮扶资金池")

    def __str__(self) -> str:
        return self.name

    def beneficiaries(self) -> HouseholdQuerySet:
        """The households a close made now would pay: eligible, and in a key
        village of the pool or named by it. Subqueries, not joins, so each
        household comes once."""
        key_villages = self.villages.filter(is_key_village=True).values("pk")
        named = self.households.values("pk")
        return Household.objects.eligible().filter(Q(village_id__in=key_villages) | Q(pk__in=named))


class AidRule(models.Model):
    """One version of an aid rule (带贫益贫机制) for a producer, or for one of
    its products, which then overrides the producer's rule.

    Versions are written only by ``aid_accounting.rules.set_rule``: a new
    version closes the previous one (its ``valid_to``) and links to it; nothing
    else of a version ever changes, and each accrued line keeps the version it
    used, so a later edit never changes past sales. ``valid_from`` and
    ``valid_to`` are local dates, both inclusive.
    """

    producer = models.ForeignKey(
        "producers.Producer",
        verbose_name=_("生产者"),
        on_delete=models.PROTECT,
        related_name="aid_rules",
    )
    product = models.ForeignKey(
        "shop.ProductPage",
        verbose_name=_("商品"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aid_rules",
        help_text=_("留空则适用于该生产者的全部商品"),
    )
    pool = models.ForeignKey(
        AidPool, verbose_name=_("资金池"), on_delete=models.PROTECT, related_name="rules"
    )
    share_bp = models.PositiveIntegerField(
        _("比例（基点）"), default=0, help_text=_("占明细净额的比例，2500 即 25%")
    )
    fixed_fen_per_unit = models.PositiveIntegerField(_("每件固定金额（分）"), default=0)
    valid_from = models.DateField(_("生效日期"))
    valid_to = models.DateField(_("失效日期"), null=True, blank=True, help_text=_("含当日"))
    version = models.PositiveIntegerField(_("版本"))
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("上一版本"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    note = models.CharField(_("说明"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("设置人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("设置时间"), default=timezone.now)

    history = HistoricalRecords(
        verbose_name=_("帮扶规则变更记录"), verbose_name_plural=_("帮扶规则变更记录")
    )

    class Meta:
        ordering = ["producer", "product", "-version"]
        verbose_name = _("帮扶规则")
        verbose_name_plural = _("帮扶规则")
        constraints = [
            models.CheckConstraint(
                condition=Q(share_bp__lte=10_000),
                name="aid_rule_share_at_most_100_percent",
                violation_error_message=_("比例不能超过100%。"),
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="aid_rule_valid_to_after_valid_from",
                violation_error_message=_("失效日期不能早于生效日期。"),
            ),
            models.CheckConstraint(
                condition=Q(version=1, supersedes__isnull=True)
                | Q(version__gt=1, supersedes__isnull=False),
                name="aid_rule_version_chain",
            ),
            # One chain of versions per scope; concurrent editors collide here.
            models.UniqueConstraint(
                fields=["producer", "version"],
                condition=Q(product__isnull=True),
                name="aid_rule_one_version_per_producer",
            ),
            models.UniqueConstraint(
                fields=["product", "version"],
                condition=Q(product__isnull=False),
                name="aid_rule_one_version_per_product",
            ),
        ]

    def __str__(self) -> str:
        scope = self.product.title if self.product_id else self.producer.name
        return f"{scope} v{self.version}"

    @property
    def share_percent(self) -> str:
        """2500 → "25%", 1250 → "12.5%"."""
        whole, rest = divmod(self.share_bp, 100)
        return f"{whole}.{rest:02d}".rstrip("0").rstrip(".") + "%"


class AccountingPeriod(models.Model):
    """A calendar month that distribution closes (DESIGN §7), e.g. "2026-10".

    Dates are local (Asia/Shanghai) and both inclusive. Rows are made by
    ``distribution.close_period``.
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
    accrued_at = models.DateTimeField(_("计提时间"), db_index=True)
    refunded_fen = models.PositiveBigIntegerField(_("已退款（分）"), default=0)
    reversed_fen = models.PositiveBigIntegerField(_("已冲回帮扶金额（分）"), default=0)
    distributed_in = models.ForeignKey(
        AccountingPeriod,
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
    created_at = models.DateTimeField(_("冲回时间"), default=timezone.now)
    netted_in = models.ForeignKey(
        AccountingPeriod,
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
                condition=Q(aid_fen__lte=models.F("refunded_fen")),
                name="reversal_aid_within_refund",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.accrual.line} −{self.aid_fen}"


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


# Payouts ------------------------------------------------------------------------


class ProducerPayoutAccount(models.Model):
    """The bank account a producer's payables are transferred to.

    Most are business accounts, but a household producer's (农户) is a
    person's, so every account number is handled as personal data: encrypted
    at rest, shown masked, in full only through
    ``personal_data.reveal_producer_bank_account``, which checks the role and
    writes the audit log.
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
    can be cancelled. Written only by ``aid_accounting.payouts``.
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
    status = models.CharField(
        _("状态"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    failure_reason = models.CharField(_("失败原因"), max_length=255, blank=True)
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

    history = HistoricalRecords(
        verbose_name=_("付款明细变更记录"), verbose_name_plural=_("付款明细变更记录")
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


# Public notices (公示), in their own module; imported here so Django finds them.
from .notice_models import Notice, NoticeObjection, NoticeRow  # noqa: E402, F401
