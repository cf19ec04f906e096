"""Invoice requests as rows for the tax-control system's batch import (CSV
or XLSX, every text cell inert: a title typed as "=..." stays text)."""

import datetime
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone

from core.money import yuan_amount, yuan_decimal
from core.spreadsheet import csv_text, xlsx_bytes
from shop.invoicing.models import InvoiceRequest

HEADER = [
    "申请编号",
    "申请日期",
    "状态",
    "发票类型",
    "购买方名称",
    "纳税人识别号",
    "地址电话",
    "开户行及账号",
    "销售方",
    "开具方",
    "金额（含税，元）",
    "订单号",
    "接收邮箱",
    "发票号码",
    "开票日期",
    "开票金额（元）",
    "红字发票号码",
]
AMOUNT_COLUMNS = (10, 15)


def filtered(
    *,
    status: str = "",
    issuer: str = "",
    producer_id: int | None = None,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[InvoiceRequest]:
    """Requests by status, issuer (township or producer), producer, and the
    local day they came in (both ends included)."""
    requests = InvoiceRequest.objects.select_related("producer").prefetch_related("parts__order")
    if status:
        requests = requests.filter(status=status)
    if issuer:
        requests = requests.filter(issuer=issuer)
    if producer_id:
        requests = requests.filter(producer_id=producer_id)
    if since:
        requests = requests.filter(created_at__date__gte=since)
    if until:
        requests = requests.filter(created_at__date__lte=until)
    return requests.order_by("created_at", "pk")


def _row(request: InvoiceRequest, amount) -> list:
    return [
        str(request.key),
        timezone.localtime(request.created_at).strftime("%Y-%m-%d"),
        request.get_status_display(),
        request.get_kind_display(),
        request.title,
        request.tax_number,
        request.address_phone,
        request.bank_account,
        request.producer.name,
        request.get_issuer_display(),
        amount(request.amount_fen),
        " ".join(part.order.number for part in request.parts.all()),
        request.email,
        request.invoice_number,
        request.invoice_date.isoformat() if request.invoice_date else "",
        amount(request.invoice_amount_fen) if request.invoice_amount_fen is not None else "",
        request.red_letter_number,
    ]


def as_csv(requests: Iterable[InvoiceRequest]) -> str:
    return csv_text([HEADER, *(_row(request, yuan_amount) for request in requests)])


def as_xlsx(requests: Iterable[InvoiceRequest]) -> bytes:
    return xlsx_bytes(
        title="发票申请",
        header=HEADER,
        rows=(_row(request, yuan_decimal) for request in requests),
        decimal_columns=AMOUNT_COLUMNS,
    )
