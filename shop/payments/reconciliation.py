"""Daily statement reconciliation (对账): a gateway's statement of a day
against the shop's succeeded payments and refunds.

``reconcile_day`` downloads the statement (a provider call, so outside any
transaction) and ``record_statement`` stores it and compares it line by line,
in one durable transaction. Differences are listed, never corrected: a person
looks at each, acts through the shop's own screens if needed, and marks it
explained (``explain_difference``).

Runs. Every run is kept (``GatewayStatement`` with its lines and differences);
the latest run of a gateway and day is the current one, which replaces the
one before (``current``, unique per gateway and day). A difference explained
in an earlier run stays explained in the next when it is the same difference
(kind, references and both amounts).

The day is the Beijing calendar day, 00:00 to 24:00 Asia/Shanghai, which is
the providers' statement day and our ``TIME_ZONE``. A line is matched by its
reference whatever day the shop dates its record. A payment belongs to the
day of its ``paid_at`` (the provider's own time when it gives one); a refund
to the day of its ``created_at``, as the shop records no time of the
provider's success: a refund asked for just before midnight may be on the
next day's statement. So a record of the day that is missing from the day's
statement is no difference when it is on the current statement of the day
before or after; once the next day is reconciled, running a day again clears
such a difference.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shop.payments.gateway import GATEWAYS, PaymentError, StatementLine, get_gateway
from shop.payments.models import (
    GatewayStatement,
    GatewayStatementLine,
    Payment,
    Refund,
    StatementDifference,
)

# The providers' statement day is Beijing time, whatever TIME_ZONE says.
BEIJING = ZoneInfo("Asia/Shanghai")

# Gateways whose statement is empty by design: offline money is what staff
# recorded, and the bank's own statement is reconciled by hand.
NOTHING_TO_RECONCILE = frozenset({"offline"})

Kind = StatementDifference.Kind


class ReconciliationError(Exception):
    pass


@dataclass(frozen=True)
class Download:
    """A gateway's statement of a day as downloaded, or why it could not be."""

    gateway: str
    day: datetime.date
    fetched_at: datetime.datetime
    lines: tuple[StatementLine, ...] = ()
    error: str = ""


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The Beijing day ``day`` as [start, end) instants."""
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=BEIJING)
    return start, start + datetime.timedelta(days=1)


def yesterday() -> datetime.date:
    """The Beijing day before today: the latest statement a provider has ready."""
    return timezone.now().astimezone(BEIJING).date() - datetime.timedelta(days=1)


def gateways_to_reconcile() -> list[str]:
    """The gateways the shop takes money through that have a statement."""
    return [name for name in settings.PAYMENT_GATEWAYS if name not in NOTHING_TO_RECONCILE]


def reconcile_day(*, gateway: str, day: datetime.date) -> GatewayStatement:
    """Download ``gateway``'s statement of ``day`` and compare it with the
    shop's records; returns the day's new current statement."""
    return record_statement(download=download_statement(gateway=gateway, day=day))


def download_statement(*, gateway: str, day: datetime.date) -> Download:
    """Ask the provider for the statement (never inside a transaction: a slow
    provider must not hold rows). A provider's refusal is kept as the run's
    error; an unknown gateway is a mistake and raises ValueError."""
    if gateway not in GATEWAYS or gateway in NOTHING_TO_RECONCILE:
        raise ValueError(f"no statement to reconcile for gateway {gateway!r}")
    fetched_at = timezone.now()
    try:
        lines = get_gateway(gateway).statement(day=day)
    except PaymentError as error:
        return Download(gateway=gateway, day=day, fetched_at=fetched_at, error=str(error)[:500])
    return Download(gateway=gateway, day=day, fetched_at=fetched_at, lines=tuple(lines))


def record_statement(*, download: Download) -> GatewayStatement:
    """Store a downloaded statement as the day's current one and list where it
    and the shop's records differ. Runs of a day take turns on its earlier
    runs' rows; the very first runs of a day have none to wait on, so all
    but one find the current statement taken, and run again in turn."""
    try:
        return _record(download)
    except IntegrityError:
        return _record(download)


@transaction.atomic(durable=True)
def _record(download: Download) -> GatewayStatement:
    runs = GatewayStatement.objects.filter(gateway=download.gateway, day=download.day)
    # In the order of their ids: runs that lock the same rows in different orders
    # deadlock (seen in CI, the first runs of a day retrying at once).
    list(runs.select_for_update().order_by("pk").values_list("pk", flat=True))
    # A fresh query, after the wait: it sees the current run a turn before ours made.
    runs.filter(current=True).update(current=False)
    if download.error:
        return GatewayStatement.objects.create(
            gateway=download.gateway,
            day=download.day,
            fetched_at=download.fetched_at,
            status=GatewayStatement.Status.FAILED,
            error=download.error,
        )
    lines, differences = _compare(download)
    statement = GatewayStatement.objects.create(
        gateway=download.gateway,
        day=download.day,
        fetched_at=download.fetched_at,
        status=(
            GatewayStatement.Status.DIFFERENCES if differences else GatewayStatement.Status.MATCHED
        ),
        lines_count=len(lines),
        charges_fen=sum(line.amount_fen for line in lines if line.kind == "payment"),
        refunds_fen=sum(line.amount_fen for line in lines if line.kind == "refund"),
        fees_fen=sum(line.fee_fen for line in lines),
    )
    for row in (*lines, *differences):
        row.statement = statement
    GatewayStatementLine.objects.bulk_create(lines)
    _carry_explanations(differences, gateway=download.gateway, day=download.day)
    StatementDifference.objects.bulk_create(differences)
    return statement


def _compare(download: Download) -> tuple[list[GatewayStatementLine], list[StatementDifference]]:
    gateway, day = download.gateway, download.day
    payment_lines = [line for line in download.lines if line.kind == "payment"]
    refund_lines = [line for line in download.lines if line.kind == "refund"]
    payments = _Records(Payment.objects.filter(gateway=gateway), payment_lines, separator="P")
    refunds = _Records(Refund.objects.filter(payment__gateway=gateway), refund_lines, separator="R")
    rows, differences = [], []
    seen_payments: set[int] = set()
    seen_refunds: set[int] = set()
    for line in download.lines:
        row = GatewayStatementLine(
            kind=line.kind,
            merchant_reference=line.merchant_reference,
            external_id=line.external_id,
            amount_fen=line.amount_fen,
            fee_fen=line.fee_fen,
            occurred_at=line.occurred_at,
        )
        rows.append(row)
        if line.kind == "payment":
            row.payment, problem = _found_payment(payments.find(line), seen_payments)
            difference = _line_difference(
                line,
                row.payment,
                problem,
                missing=Kind.MISSING_IN_SHOP,
                differs=Kind.AMOUNT_DIFFERS,
            )
        else:
            row.refund, problem = _found_refund(refunds.find(line), seen_refunds)
            difference = _line_difference(
                line,
                row.refund,
                problem,
                missing=Kind.REFUND_MISSING_IN_SHOP,
                differs=Kind.REFUND_AMOUNT_DIFFERS,
            )
        if difference is not None:
            differences.append(difference)

    start, end = day_bounds(day)
    unreported_payments = (
        Payment.objects.filter(
            gateway=gateway, status=Payment.Status.SUCCEEDED, paid_at__gte=start, paid_at__lt=end
        )
        .exclude(pk__in=seen_payments)
        .select_related("order")
    )
    # A refund that failed at the provider after it accepted it is flagged on
    # its order already, and no statement lists it.
    unreported_refunds = (
        Refund.objects.filter(
            payment__gateway=gateway,
            status=Refund.Status.SUCCEEDED,
            failed_at_gateway=False,
            created_at__gte=start,
            created_at__lt=end,
        )
        .exclude(pk__in=seen_refunds)
        .select_related("order")
    )
    next_door = GatewayStatementLine.objects.filter(
        statement__gateway=gateway,
        statement__current=True,
        statement__day__in=[day - datetime.timedelta(days=1), day + datetime.timedelta(days=1)],
    )
    payments_next_door = set(
        next_door.filter(payment__in=unreported_payments).values_list("payment_id", flat=True)
    )
    refunds_next_door = set(
        next_door.filter(refund__in=unreported_refunds).values_list("refund_id", flat=True)
    )
    for payment in unreported_payments:
        if payment.pk not in payments_next_door:
            differences.append(
                _missing_at_gateway(Kind.MISSING_AT_GATEWAY, payment, surplus=payment.surplus)
            )
    for refund in unreported_refunds:
        if refund.pk not in refunds_next_door:
            differences.append(_missing_at_gateway(Kind.REFUND_MISSING_AT_GATEWAY, refund))
    return rows, differences


class _Records:
    """The shop's records a statement's lines name, by our reference
    (``<order number>P<pk>`` or ``R<pk>``) and by the provider's id, in two
    queries whatever the number of lines."""

    def __init__(self, queryset, lines: Sequence[StatementLine], *, separator: str) -> None:
        ids = {_pk_of(line.merchant_reference, separator) for line in lines} - {None}
        external_ids = {line.external_id for line in lines if line.external_id}
        found = list(queryset.filter(pk__in=ids).select_related("order")) + list(
            queryset.filter(external_id__in=external_ids).select_related("order")
        )
        self.by_reference = {record.merchant_reference: record for record in found}
        self.by_external_id = {record.external_id: record for record in found if record.external_id}

    def find(self, line: StatementLine):
        return self.by_reference.get(line.merchant_reference) or self.by_external_id.get(
            line.external_id or None
        )


def _pk_of(reference: str, separator: str) -> int | None:
    _number, found, pk = reference.rpartition(separator)
    # At most 18 digits: a larger number is no row's id (ids are signed 64-bit).
    return int(pk) if found and pk.isdecimal() and len(pk) <= 18 else None


def _found_payment(payment: Payment | None, seen: set[int]) -> tuple[Payment | None, str]:
    """The shop's payment a line names if the shop counts its money, or why not."""
    if payment is None:
        return None, _("本店没有这笔付款")
    if payment.status != Payment.Status.SUCCEEDED:
        return None, _("本店记录为“%(status)s”") % {"status": payment.get_status_display()}
    if payment.pk in seen:
        return None, _("对账单上重复出现")
    seen.add(payment.pk)
    return payment, ""


def _found_refund(refund: Refund | None, seen: set[int]) -> tuple[Refund | None, str]:
    if refund is None:
        return None, _("本店没有这笔退款")
    if refund.status != Refund.Status.SUCCEEDED:
        return None, _("本店记录为“%(status)s”") % {"status": refund.get_status_display()}
    if refund.failed_at_gateway:
        # The buyer may have been paid back another way: twice, if the provider did pay.
        return None, _("本店记为平台退款失败")
    if refund.pk in seen:
        return None, _("对账单上重复出现")
    seen.add(refund.pk)
    return refund, ""


def _line_difference(
    line: StatementLine,
    record: Payment | Refund | None,
    problem: str,
    *,
    missing: str,
    differs: str,
) -> StatementDifference | None:
    """How a statement line disagrees with the shop's record it names, if it does."""
    if record is None:
        shop_amount_fen, kind, detail = None, missing, problem
    elif record.amount_fen != line.amount_fen:
        surplus = isinstance(record, Payment) and record.surplus
        shop_amount_fen, kind = record.amount_fen, differs
        detail = _("本店记为多收款项") if surplus else ""
    else:
        return None
    return StatementDifference(
        kind=kind,
        merchant_reference=line.merchant_reference,
        external_id=line.external_id,
        shop_amount_fen=shop_amount_fen,
        gateway_amount_fen=line.amount_fen,
        detail=detail,
    )


def _missing_at_gateway(
    kind: str, record: Payment | Refund, *, surplus: bool = False
) -> StatementDifference:
    return StatementDifference(
        kind=kind,
        merchant_reference=record.merchant_reference,
        external_id=record.external_id or "",
        shop_amount_fen=record.amount_fen,
        detail=_("本店记为多收款项") if surplus else "",
    )


def _carry_explanations(
    differences: Iterable[StatementDifference], *, gateway: str, day: datetime.date
) -> None:
    """A difference explained in an earlier run of the day keeps its explanation."""
    explained = {
        earlier.key: earlier
        for earlier in StatementDifference.objects.filter(
            statement__gateway=gateway, statement__day=day, resolved_at__isnull=False
        ).order_by("resolved_at", "pk")
    }
    for difference in differences:
        earlier = explained.get(difference.key)
        if earlier is not None:
            difference.resolved_by_id = earlier.resolved_by_id
            difference.resolved_at = earlier.resolved_at
            difference.resolution_note = earlier.resolution_note


@transaction.atomic
def explain_difference(*, difference_id: int, actor, note: str) -> StatementDifference:
    """Staff mark a difference of a current statement explained, with a note.
    Nothing else changes: whatever needed doing was done through the shop's
    own screens (a refund, a payment recorded)."""
    note = note.strip()
    if not note:
        raise ReconciliationError(_("请写明核对结果。"))
    difference = StatementDifference.objects.select_for_update().get(pk=difference_id)
    if not GatewayStatement.objects.filter(pk=difference.statement_id, current=True).exists():
        raise ReconciliationError(_("这份对账单已被重新下载的结果取代，请在最新结果中说明。"))
    if difference.resolved_at is not None:
        raise ReconciliationError(_("这条差异已经说明过了。"))
    difference.resolved_by = actor
    difference.resolved_at = timezone.now()
    difference.resolution_note = note[:500]
    difference.save(update_fields=["resolved_by", "resolved_at", "resolution_note"])
    return difference
