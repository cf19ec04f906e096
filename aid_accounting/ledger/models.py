"""The double-entry ledger (DESIGN §7).

An ``Account`` belongs to one owner (a producer, a pool, a
household, or one of the singleton owners: processor clearing, bank,
platform). A ``Transaction`` is a set of ``Entry`` rows whose signed amounts
(debit positive, credit negative, in fen) sum to zero. The database itself
keeps these rules, on SQLite and PostgreSQL alike (``ledger.triggers``):

- entries can be added to a transaction only while it is a draft;
- a transaction can be marked posted only if it has at least two entries
  and they sum to zero; it cannot be inserted already posted;
- a posted transaction and its entries can be neither updated nor deleted:
  corrections are new transactions;
- on PostgreSQL, a deferred constraint trigger also refuses to commit a
  transaction that is still a draft.

Posted transactions also form a hash chain (``ledger.chain``): each stores its
``sequence`` (1, 2, 3...), the previous one's hash and the sha256 of its own
canonical content with that previous hash; ``ChainHead`` holds the last
sequence and hash. So someone who drops the triggers and edits, deletes or
reorders a posting leaves a break that ``manage.py aid_verify_ledger`` names.

``aid_accounting.ledger.posting`` is the only code that writes these tables.

Change history (``HistoricalRecords``, django-simple-history) is kept for
what people decide: households, pools, rules, periods, payout batches and
rows, producers' payout accounts; ``audit.trail`` shows it in the admin. The
ledger has none: its rows can be neither updated nor deleted (the triggers
above), so each one already is its own permanent record, with its time.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aid_accounting.ledger.kinds import (
    KIND_BY_OWNER_TYPE,
    SINGLETON_OWNER_TYPES,
    AccountKind,
    AccountOwnerType,
    TransactionKind,
)
from core.money import format_yuan_signed


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
    Kind = TransactionKind

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    idempotency_key = models.CharField(_("幂等键"), max_length=200, unique=True)
    source = models.CharField(_("来源"), max_length=200, blank=True)
    memo = models.TextField(_("摘要"), blank=True)
    created_at = models.DateTimeField(_("记账时间"), default=timezone.now, db_index=True)
    posted = models.BooleanField(_("已过账"), default=False)
    # Set together with ``posted`` by ``ledger.posting`` (see ``ledger.chain``).
    # Unique, so two postings at once cannot both extend the chain from one head.
    sequence = models.PositiveBigIntegerField(_("链序号"), null=True, blank=True, unique=True)
    previous_hash = models.CharField(_("上一凭证哈希"), max_length=64, blank=True)
    chain_hash = models.CharField(_("凭证哈希"), max_length=64, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("记账凭证")
        verbose_name_plural = _("记账凭证")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.idempotency_key}"


class ChainHead(models.Model):
    """The end of the chain: the last posted transaction's sequence and hash.

    One row, which every posting locks (``posting.lock_chain_head``) before it
    writes, so postings extend the chain one after the other, in commit order.
    """

    sequence = models.PositiveBigIntegerField(_("链序号"), default=0)
    chain_hash = models.CharField(_("凭证哈希"), max_length=64)

    class Meta:
        verbose_name = _("凭证链末端")
        verbose_name_plural = _("凭证链末端")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="ledger_one_chain_head")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.chain_hash}"


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
        return f"{self.account.code} {format_yuan_signed(self.amount_fen)}"


class DailyTotal(models.Model):
    """The posted entries of one account summed per local day (``TIME_ZONE``,
    as periods are), transaction kind and, for the entries of an order line,
    its producer, category and channel: what the dashboard, the reports and the
    home page's figures sum, rather than every entry.

    Written only by the database, in the statement that marks transactions
    posted (``ledger.daily_totals``), so no posting can leave them behind;
    ``manage.py aid_verify_ledger`` checks them against the entries.
    """

    account = models.ForeignKey(
        Account, verbose_name=_("账户"), on_delete=models.PROTECT, related_name="daily_totals"
    )
    day = models.DateField(_("日期"))
    kind = models.CharField(_("类型"), max_length=16, choices=TransactionKind.choices)
    # The order line's snapshot of producer and category and its order's
    # channel; 0 and "" for entries without a line (plain values rather than
    # foreign keys or NULLs, so they can be part of the unique key an UPSERT meets).
    producer_id = models.PositiveBigIntegerField(_("生产者编号"), default=0)
    category_id = models.PositiveBigIntegerField(_("品类编号"), default=0)
    channel = models.CharField(_("渠道"), max_length=8, blank=True)
    amount_fen = models.BigIntegerField(_("金额（分）"))
    entry_count = models.PositiveBigIntegerField(_("分录数"))

    class Meta:
        ordering = ["day", "account_id"]
        verbose_name = _("每日合计")
        verbose_name_plural = _("每日合计")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "day", "kind", "producer_id", "category_id", "channel"],
                name="ledger_one_daily_total_per_key",
            )
        ]
        indexes = [models.Index(fields=["day"], name="ledger_daily_total_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.account_id} {self.kind} {format_yuan_signed(self.amount_fen)}"
