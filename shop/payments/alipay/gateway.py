"""The Alipay adapter: the one module that imports the ``alipay`` SDK
(python-alipay-sdk, RSA2 keys).

A desktop browser pays on Alipay's cashier page (``alipay.trade.page.pay``), a phone
on its WAP cashier (``alipay.trade.wap.pay``). Either way the buyer is sent to the
gateway with a query string we sign, so starting a payment calls nothing. Alipay
reports the outcome by a signed notification (``notify``), and the buyer's return
is settled by a query. Queries, closes, refunds and the daily bill are server calls
whose answers the SDK verifies against Alipay's public key.

The client is built per call from settings, as Stripe's is, so each call sees the
current settings (tests point ALIPAY_GATEWAY_URL at a local fake Alipay).
"""

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen
from zoneinfo import ZoneInfo

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import yuan_amount, yuan_to_fen
from shop.orders.models import Order
from shop.payments.alipay.bill import BillError, statement_lines
from shop.payments.gateway import (
    Device,
    GatewayPayment,
    Payer,
    PaymentError,
    PaymentStart,
    RefundOutcome,
    StatementLine,
)
from shop.payments.models import Payment, Refund

logger = logging.getLogger(__name__)

# Alipay writes and reads every time as Beijing time, whatever our TIME_ZONE.
BEIJING = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

# A server call must not hold a page or the expiry sweep for long.
REQUEST_TIMEOUT_SECONDS = 15

SUCCESS = "10000"
BUSINESS_FAILED = "40004"  # the call was understood and refused: sub_code says why
PAID = ("TRADE_SUCCESS", "TRADE_FINISHED")  # FINISHED: paid, and no longer refundable

# A notification older than Alipay's day of retries, or from the future beyond clock
# drift, is a replay of a captured request (or a broken clock): refused.
NOTIFY_MAX_AGE = timedelta(days=1)
NOTIFY_CLOCK_DRIFT = timedelta(minutes=5)

# Alipay refuses these characters in a subject.
_NOT_IN_SUBJECT = re.compile(r"[/=&]")


class NotificationError(Exception):
    """The request is not a genuine, current, well-formed Alipay notification."""


@dataclass(frozen=True)
class Notification:
    """A verified asynchronous notification (异步通知) about one trade."""

    notify_id: str  # the same on each of Alipay's retries of one notification
    trade_status: str
    out_trade_no: str  # our Payment.merchant_reference
    trade_no: str  # Alipay's
    amount_fen: int  # total_amount
    paid_at: datetime | None  # gmt_payment
    refunded_fen: int  # refund_fee: everything refunded of the trade so far


def _client() -> AliPay:
    client = AliPay(
        appid=settings.ALIPAY_APP_ID,
        app_private_key_string=settings.ALIPAY_PRIVATE_KEY,
        alipay_public_key_string=settings.ALIPAY_PUBLIC_KEY,
        sign_type="RSA2",
        config=AliPayConfig(timeout=REQUEST_TIMEOUT_SECONDS),
    )
    # AliPay(debug=...) only chooses between two fixed hosts (production, sandbox) and
    # keeps its choice in the instance's ``_gateway``, which the SDK (3.4.0, pinned)
    # reads in one place: verified_sync_response, which sends every server call.
    # Setting it on this instance, and nowhere else, sends them to ALIPAY_GATEWAY_URL
    # (the sandbox, the tests' fake); the cashier URLs start from the same setting.
    # (Its request timestamp is the process's local time, which Django sets from
    # TIME_ZONE: Asia/Shanghai, the Beijing time Alipay checks it against.)
    client._gateway = settings.ALIPAY_GATEWAY_URL
    return client


def _beijing_time(text: str | None) -> datetime:
    """Alipay's "yyyy-MM-dd HH:mm:ss" as an aware datetime; ValueError if malformed."""
    return datetime.strptime(text or "", TIME_FORMAT).replace(tzinfo=BEIJING)


def _beijing_text(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime(TIME_FORMAT)


def _absolute(path: str) -> str:
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


def _subject(order: Order) -> str:
    """What the buyer sees on the cashier and in their Alipay bill: the products'
    titles, the same whatever language the buyer clicks in, so every repeat of a
    payment sends Alipay the same trade."""
    titles = order.lines.order_by("pk").values_list("product_title", flat=True)
    subject = "、".join(dict.fromkeys(titles))
    return _NOT_IN_SUBJECT.sub(" ", subject)[:256]


def _failure(answer: dict[str, Any]) -> str:
    parts = (answer.get(key) for key in ("code", "msg", "sub_code", "sub_msg"))
    return " ".join(str(part) for part in parts if part)


def _server_call(what: str, call: Callable[[AliPay], dict[str, Any]]) -> dict[str, Any]:
    """A server call's verified answer. Raises PaymentError when Alipay cannot be
    reached or its answer is not signed by it: we then know nothing."""
    try:
        return call(_client())
    except AliPayValidationError as error:
        logger.error("Alipay's answer to %s is not signed by Alipay's key", what)
        raise PaymentError(_("暂时无法连接支付服务，请稍后再试。")) from error
    # OSError: unreachable, timed out, an HTTP error; ValueError: not JSON; AliPayException
    # and AttributeError: an unsigned error answer, of a shape the SDK knows or not.
    except (AliPayException, OSError, ValueError, AttributeError) as error:
        logger.warning("Alipay %s failed: %s", what, error)
        raise PaymentError(_("暂时无法连接支付服务，请稍后再试。")) from error


def _refused(what: str, answer: dict[str, Any]) -> PaymentError:
    logger.warning("Alipay refused %s: %s", what, _failure(answer))
    return PaymentError(_("暂时无法连接支付服务，请稍后再试。"))


def _fen(text: Any, what: str) -> int:
    try:
        return yuan_to_fen(str(text))
    except ValueError as error:
        logger.warning("Alipay's %s is not an amount: %r", what, text)
        raise PaymentError(_("暂时无法连接支付服务，请稍后再试。")) from error


def _signed_by_alipay(params: Mapping[str, str]) -> bool:
    """Whether ``params`` (a notification, or a return's query string) carry Alipay's
    signature: over every other parameter but ``sign_type``, as the SDK checks."""
    data = dict(params)
    signature = data.pop("sign", "")
    if not signature:
        return False
    try:
        return _client().verify(data, signature)
    # AliPayException: a sign_type other than RSA2; ValueError: not base64.
    except (AliPayException, ValueError):
        return False


class AlipayGateway:
    name = "alipay"
    methods = ("page", "wap")

    def methods_for(self, *, device: Device) -> tuple[str, ...]:
        """WeChat's browser does not open Alipay at all: the pay page says to open
        the order in another browser."""
        if device == "wechat":
            return ()
        if device == "phone":
            return ("wap",)
        return ("page",)

    def start(self, *, payment: Payment, payer: Payer) -> PaymentStart:
        """The cashier's address: the gateway and a query string we sign. Every repeat
        of a payment sends the same out_trade_no, amount and subject, so Alipay
        continues one trade; after ``time_expire`` (the order's deadline) it opens
        none."""
        order = payment.order
        fields = {
            "subject": _subject(order),
            "out_trade_no": payment.merchant_reference,
            "total_amount": yuan_amount(payment.amount_fen),
            "return_url": _absolute(reverse("alipay_return", args=[payment.pk])),
            "notify_url": _absolute(reverse("alipay_notify")),
            "time_expire": _beijing_text(order.expires_at),
        }
        client = _client()
        if payment.method == "wap":
            query = client.api_alipay_trade_wap_pay(
                quit_url=_absolute(reverse("order_detail", args=[order.number])), **fields
            )
        else:
            query = client.api_alipay_trade_page_pay(**fields)
        return PaymentStart(redirect_url=f"{settings.ALIPAY_GATEWAY_URL}?{query}")

    def query(self, *, payment: Payment) -> GatewayPayment:
        reference = payment.merchant_reference
        answer = _server_call(
            f"alipay.trade.query {reference}",
            lambda client: client.api_alipay_trade_query(out_trade_no=reference),
        )
        if answer.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            # The buyer has not opened the cashier yet: Alipay opens the trade then.
            return GatewayPayment(status="pending", message="ACQ.TRADE_NOT_EXIST")
        if answer.get("code") != SUCCESS:
            raise _refused(f"alipay.trade.query {reference}", answer)
        status = answer.get("trade_status")
        if status in PAID:
            try:
                paid_at = _beijing_time(answer.get("send_pay_date"))
            except ValueError:
                paid_at = None  # recorded as paid now
            return GatewayPayment(
                status="succeeded",
                amount_fen=_fen(answer.get("total_amount"), "total_amount"),
                external_id=answer.get("trade_no"),
                paid_at=paid_at,
            )
        if status == "TRADE_CLOSED":
            return GatewayPayment(status="closed", message="TRADE_CLOSED")
        if status == "WAIT_BUYER_PAY":
            return GatewayPayment(status="pending")
        raise _refused(f"alipay.trade.query {reference}", answer)

    def close(self, *, payment: Payment) -> GatewayPayment:
        reference = payment.merchant_reference
        answer = _server_call(
            f"alipay.trade.close {reference}",
            lambda client: client.api_alipay_trade_close(out_trade_no=reference),
        )
        sub_code = answer.get("sub_code")
        if sub_code == "ACQ.TRADE_NOT_EXIST":
            # The buyer never opened the cashier, and past time_expire (the order's
            # deadline, when it is closed) Alipay opens no trade for it any more.
            return GatewayPayment(status="closed", message="ACQ.TRADE_NOT_EXIST")
        if answer.get("code") != SUCCESS and sub_code != "ACQ.TRADE_STATUS_ERROR":
            raise _refused(f"alipay.trade.close {reference}", answer)
        # Closed now, or paid or closed before (TRADE_STATUS_ERROR): the query says which.
        state = self.query(payment=payment)
        if state.status == "succeeded":
            return state
        return GatewayPayment(status="closed", message="TRADE_CLOSED")

    def refund(self, *, refund: Refund) -> RefundOutcome:
        """Refund under ``out_request_no``: Alipay refunds one request number once, so
        repeating it (the process died, ``execute_refund`` runs again) is safe. When we
        cannot tell whether money moved, PaymentError leaves our refund pending, to be
        repeated under the same number, never a second one."""
        payment = refund.payment
        trade, request = payment.merchant_reference, refund.merchant_reference
        what = f"alipay.trade.refund {request}"
        answer = _server_call(
            what,
            lambda client: client.api_alipay_trade_refund(
                refund_amount=yuan_amount(refund.amount_fen),
                out_trade_no=trade,
                out_request_no=request,
            ),
        )
        if answer.get("code") == BUSINESS_FAILED and answer.get("sub_code") != "ACQ.SYSTEM_ERROR":
            logger.warning("Alipay refused %s: %s", what, _failure(answer))
            return RefundOutcome(succeeded=False, message=_failure(answer))
        if answer.get("code") != SUCCESS:
            raise _refused(what, answer)
        if answer.get("fund_change") != "Y":
            # No money moved on this call: a repeat of a refund already made, or one
            # Alipay has not finished. Only the refund query tells which.
            self._confirm_refund(trade=trade, request=request)
        trade_no = answer.get("trade_no") or payment.external_id or trade
        return RefundOutcome(succeeded=True, external_id=f"{trade_no}:{request}")

    def _confirm_refund(self, *, trade: str, request: str) -> None:
        what = f"alipay.trade.fastpay.refund.query {request}"
        answer = _server_call(
            what,
            lambda client: client.api_alipay_trade_fastpay_refund_query(
                out_request_no=request, out_trade_no=trade
            ),
        )
        if answer.get("code") != SUCCESS or answer.get("refund_status") != "REFUND_SUCCESS":
            raise _refused(what, answer)

    def statement(self, *, day: date) -> list[StatementLine]:
        """The day's trade bill (业务明细): Alipay makes it the next morning. A day it has
        no bill for yet (isp.bill_not_exist) raises PaymentError, never an empty list."""
        what = f"alipay.data.dataservice.bill.downloadurl.query {day}"
        answer = _server_call(
            what,
            lambda client: client.server_api(
                "alipay.data.dataservice.bill.downloadurl.query",
                biz_content={"bill_type": "trade", "bill_date": day.isoformat()},
            ),
        )
        url = answer.get("bill_download_url") or ""
        if answer.get("code") != SUCCESS or urlsplit(url).scheme not in ("http", "https"):
            raise _refused(what, answer)
        try:
            with urlopen(url, timeout=REQUEST_TIMEOUT_SECONDS) as response:
                archive = response.read()
        except OSError as error:
            logger.warning("Alipay's bill of %s could not be downloaded: %s", day, error)
            raise PaymentError(_("暂时无法连接支付服务，请稍后再试。")) from error
        try:
            return statement_lines(archive, zone=BEIJING)
        except BillError as error:
            logger.error("Alipay's bill of %s cannot be read: %s", day, error)
            raise PaymentError(_("暂时无法连接支付服务，请稍后再试。")) from error

    def parse_notification(self, *, form: Mapping[str, str]) -> Notification:
        """Verify a notification's signature (with Alipay's public key), that it is
        for our app and recent, then read it."""
        if not _signed_by_alipay(form):
            raise NotificationError("invalid signature")
        if form.get("app_id") != settings.ALIPAY_APP_ID:
            raise NotificationError("not for our app")
        try:
            sent = _beijing_time(form.get("notify_time"))
            amount_fen = yuan_to_fen(form.get("total_amount") or "")
            refunded_fen = yuan_to_fen(form["refund_fee"]) if form.get("refund_fee") else 0
            paid_at = _beijing_time(form["gmt_payment"]) if form.get("gmt_payment") else None
        except ValueError as error:
            raise NotificationError("malformed notification") from error
        now = timezone.now()
        if not now - NOTIFY_MAX_AGE <= sent <= now + NOTIFY_CLOCK_DRIFT:
            raise NotificationError("notify_time too old or in the future")
        fields = {key: form.get(key) or "" for key in ("notify_id", "trade_status", "out_trade_no")}
        if not all(fields.values()) or not form.get("trade_no"):
            raise NotificationError("malformed notification")
        return Notification(
            **fields,
            trade_no=form["trade_no"],
            amount_fen=amount_fen,
            paid_at=paid_at,
            refunded_fen=refunded_fen,
        )

    def return_is_signed(self, *, query: Mapping[str, str]) -> bool:
        """Whether the return page's query string is Alipay's (it is only logged: the
        page learns the truth by a query either way)."""
        return _signed_by_alipay(query) and query.get("app_id") == settings.ALIPAY_APP_ID
