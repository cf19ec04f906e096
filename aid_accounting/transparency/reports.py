"""The township's reports (DESIGN §7 Transparency), as plain tables: each
builder returns a ``Report`` whose rows the admin shows and
``report_export`` writes as CSV or XLSX.

Money stays integer fen here; the exporter formats it. Figures come from the
same ledger queries as the dashboard (``dashboard``), so a report's totals are
the dashboard's for the same filters. Households appear masked; only an aid
officer's download that asks for them (``reveal=True``, with the stated ``reason``)
shows full names and ID numbers, and each household so shown is written to the
personal-data audit log with that reason.
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractUser, AnonymousUser
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aid_accounting.calendar import Span
from aid_accounting.households import masking
from aid_accounting.households.models import Household, PersonalDataAccess
from aid_accounting.households.personal_data import can_reveal_personal_data, reveal_personal_data
from aid_accounting.ledger.models import Account, Transaction
from aid_accounting.payouts.models import PayoutBatch, PayoutRow
from aid_accounting.transparency.dashboard import (
    Row,
    household_figures,
    journal,
    line_breakdown,
    village_breakdown,
)


@dataclass(frozen=True)
class Column:
    label: str
    # integer fen, written as yuan
    money: bool = False


@dataclass
class Report:
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)

    def total(self, label: str) -> int:
        """The sum of a money column, e.g. to compare with the dashboard."""
        index = [column.label for column in self.columns].index(label)
        return sum(row[index] for row in self.rows)


@dataclass(frozen=True)
class Filters:
    period: Span
    village_id: int | None = None
    producer_id: int | None = None


SALES = gettext_lazy("销售额（元）")

REFUNDED = gettext_lazy("退款（元）")

AID_ACCRUED = gettext_lazy("帮扶计提（元）")

AID_REVERSED = gettext_lazy("帮扶冲回（元）")

DISTRIBUTED = gettext_lazy("分配到户（元）")

PAID_OUT = gettext_lazy("支付到户（元）")

PAYABLE = gettext_lazy("期末应付（元）")


def _money(*labels) -> list[Column]:
    return [Column(str(label), money=True) for label in labels]


def sales_by_producer(*, filters: Filters) -> Report:
    rows = line_breakdown(
        period=filters.period,
        by="producer",
        village_id=filters.village_id,
        producer_id=filters.producer_id,
    )
    return Report(
        title=_("生产者销售"),
        columns=[Column(_("生产者")), *_money(SALES, REFUNDED, AID_ACCRUED, AID_REVERSED)],
        rows=[
            [row.label, row.sales_fen, row.refunded_fen, row.aid_accrued_fen, row.aid_reversed_fen]
            for row in rows
        ],
    )


def aid_by_village(*, filters: Filters) -> Report:
    rows: list[Row] = village_breakdown(period=filters.period, village_id=filters.village_id)
    return Report(
        title=_("各村帮扶"),
        columns=[
            Column(_("村")),
            *_money(SALES, AID_ACCRUED, AID_REVERSED, DISTRIBUTED, PAID_OUT, PAYABLE),
        ],
        rows=[
            [
                row.label,
                row.sales_fen,
                row.aid_accrued_fen,
                row.aid_reversed_fen,
                row.distributed_fen,
                row.paid_out_fen,
                row.payable_fen,
            ]
            for row in rows
        ],
    )


def households_by_village(
    *, filters: Filters, user: AbstractUser | AnonymousUser, reveal: bool = False, reason: str = ""
) -> Report:
    """Each household with postings up to the end of the period: what it was
    distributed and paid in the period and is owed at its end. With ``reveal``
    an aid officer gets full names and ID numbers, each one audit-logged;
    anyone else always gets masks."""
    figures = household_figures(period=filters.period)
    households = Household.objects.filter(pk__in=figures).select_related("village")
    if filters.village_id is not None:
        households = households.filter(village_id=filters.village_id)
    full = reveal and can_reveal_personal_data(user)
    rows = []
    for household in households.order_by("village__name", "registration_number"):
        if full:
            id_number = reveal_personal_data(
                user=user,
                household=household,
                fields=["id_number"],
                purpose=PersonalDataAccess.Purpose.EXPORT,
                reason=reason,
            )["id_number"]
            name = household.head_name
        else:
            id_number, name = household.masked_id_number, masking.mask_name(household.head_name)
        amounts = figures[household.pk]
        rows.append(
            [
                household.village.name,
                household.registration_number,
                name,
                id_number,
                amounts.distributed_fen,
                amounts.paid_out_fen,
                amounts.payable_fen,
            ]
        )
    return Report(
        title=_("各村帮扶户"),
        columns=[
            Column(_("村")),
            Column(_("登记编号")),
            Column(_("户主")),
            Column(_("身份证号码")),
            *_money(DISTRIBUTED, PAID_OUT, PAYABLE),
        ],
        rows=rows,
    )


def payout_batches(*, filters: Filters) -> Report:
    """Batches drafted in the period; with a producer, those that pay it."""
    batches = PayoutBatch.objects.filter(filters.period.contains("created_at"))
    if filters.producer_id is not None:
        batches = batches.filter(rows__producer_id=filters.producer_id).distinct()
    batches = batches.select_related("created_by", "approved_by").annotate(
        # As the total: the rows the batch pays, not those voided (account changed).
        row_count=Count("rows", filter=~Q(rows__status=PayoutRow.Status.VOIDED)),
        paid=Sum("rows__amount_fen", filter=Q(rows__status=PayoutRow.Status.PAID)),
    )
    return Report(
        title=_("付款批次"),
        columns=[
            Column(_("批次")),
            Column(_("付款对象")),
            Column(_("状态")),
            Column(_("笔数")),
            *_money(_("合计（元）"), _("已付款（元）")),
            Column(_("起草人")),
            Column(_("审核人")),
            Column(_("起草时间")),
        ],
        rows=[
            [
                batch.pk,
                batch.get_kind_display(),
                batch.get_status_display(),
                batch.row_count,
                batch.total_fen,
                batch.paid or 0,
                batch.created_by.get_username(),
                batch.approved_by.get_username() if batch.approved_by_id else "",
                f"{timezone.localtime(batch.created_at):%Y-%m-%d %H:%M}",
            ]
            for batch in batches.order_by("created_at", "pk")
        ],
    )


def ledger_journal(*, filters: Filters) -> Report:
    """Every posted entry of the period; with a village or producer, the
    entries of its sales and (for a producer) of its payable account."""
    entries = journal(period=filters.period)
    if filters.village_id is not None:
        entries = entries.filter(order_line__producer__village_id=filters.village_id)
    if filters.producer_id is not None:
        entries = entries.filter(
            Q(order_line__producer_id=filters.producer_id)
            | Q(
                account__owner_type=Account.OwnerType.PRODUCER,
                account__owner_id=filters.producer_id,
            )
        )
    rows = entries.values_list(
        "transaction__created_at",
        "transaction__kind",
        "transaction__idempotency_key",
        "transaction__source",
        "account__code",
        "account__name",
        "amount_fen",
        "order_line_id",
    )
    kinds = dict(Transaction.Kind.choices)
    return Report(
        title=_("记账流水"),
        columns=[
            Column(_("记账时间")),
            Column(_("凭证类型")),
            Column(_("幂等键")),
            Column(_("来源")),
            Column(_("科目代码")),
            Column(_("科目名称")),
            *_money(_("借方（元）"), _("贷方（元）")),
            Column(_("订单明细")),
        ],
        rows=[
            [
                f"{timezone.localtime(at):%Y-%m-%d %H:%M:%S}",
                str(kinds[kind]),
                key,
                source,
                code,
                name,
                max(amount, 0),
                max(-amount, 0),
                line_id or "",
            ]
            for at, kind, key, source, code, name, amount, line_id in rows
        ],
    )


# slug → (menu label, builder); the households report needs the user.
REPORTS = {
    "sales-by-producer": (gettext_lazy("生产者销售"), sales_by_producer),
    "aid-by-village": (gettext_lazy("各村帮扶"), aid_by_village),
    "households-by-village": (gettext_lazy("各村帮扶户"), households_by_village),
    "payout-batches": (gettext_lazy("付款批次"), payout_batches),
    "ledger-journal": (gettext_lazy("记账流水"), ledger_journal),
}


# The reports that list persons: downloaded only with a stated purpose.
PERSONAL_REPORTS = frozenset({"households-by-village"})


def build(
    slug: str,
    *,
    filters: Filters,
    user: AbstractUser | AnonymousUser,
    reveal: bool = False,
    reason: str = "",
) -> Report:
    builder = REPORTS[slug][1]
    if builder is households_by_village:
        return builder(filters=filters, user=user, reveal=reveal, reason=reason)
    return builder(filters=filters)
