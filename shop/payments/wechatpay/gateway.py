"""The WeChat Pay (API v3) adapter: the one module that imports ``wechatpayv3``.

The SDK signs each request with the merchant's private key and verifies each
answer, and each notification, against the WeChat Pay public key (the
"微信支付公钥" mode); it also decrypts notifications with the API v3 key.

Our out_trade_no is ``Payment.merchant_reference``, so asking again for the
same payment is idempotent at WeChat Pay: the same parameters get the same
prepay answer, other parameters an error (then the next click opens a new
payment). The client is built per call from settings, so each call sees the
current settings (tests point ``WECHATPAY_API_BASE`` at a local fake).
"""

import gzip
import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wechatpayv3 import WeChatPay, WeChatPayType

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
from shop.payments.wechatpay.bill import parse_trade_bill

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")
# (connect, read) seconds: a buyer waits on the prepay, so give up rather than hang.
REQUEST_TIMEOUT = (5, 15)
# Notifications signed longer ago, or further ahead, are refused (replays).
SIGNATURE_TOLERANCE_SECONDS = 300
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
PAY_TYPES = {
    "native": WeChatPayType.NATIVE,
    "h5": WeChatPayType.H5,
    "jsapi": WeChatPayType.JSAPI,
}
# Refund statuses meaning WeChat Pay has taken the refund on; a later
# ABNORMAL or CLOSED arrives as a refund notification (webhooks).
REFUND_ACCEPTED = ("SUCCESS", "PROCESSING")
# Lazy: translated when shown, in the buyer's language, not at import.
UNAVAILABLE = gettext_lazy("暂时无法连接微信支付，请稍后再试。")


class NotificationError(Exception):
    """The request is not a genuine, well-formed WeChat Pay notification."""

    def __init__(self, message: str, *, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Notification:
    """A verified, decrypted notification."""

    id: str
    event_type: str  # TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, ...
    resource: dict[str, Any]  # the decrypted transaction or refund


def absolute(path: str) -> str:
    return f"{settings.WAGTAILADMIN_BASE_URL.rstrip('/')}{path}"


def _client() -> WeChatPay:
    client = WeChatPay(
        wechatpay_type=WeChatPayType.NATIVE,  # each call below names its own type
        mchid=settings.WECHATPAY_MCHID,
        private_key=settings.WECHATPAY_PRIVATE_KEY,
        cert_serial_no=settings.WECHATPAY_CERT_SERIAL_NO,
        appid=settings.WECHATPAY_APPID,
        apiv3_key=settings.WECHATPAY_APIV3_KEY,
        notify_url=absolute(reverse("wechatpay_notify")),
        timeout=REQUEST_TIMEOUT,
        public_key=settings.WECHATPAY_PUBLIC_KEY,
        public_key_id=settings.WECHATPAY_PUBLIC_KEY_ID,
    )
    if settings.WECHATPAY_API_BASE:
        # wechatpayv3 2.0.4 has no option for its base address: Core.__init__
        # hard-codes https://api.mch.weixin.qq.com in ``_gate_way``, which every
        # request (and download_bill, to cut a download URL to a path) reads.
        # Setting that one attribute is the narrowest way to reach a test server.
        client._core._gate_way = settings.WECHATPAY_API_BASE.rstrip("/")
    return client


def _call(what: str, request: Callable[[], tuple[int, Any]]) -> tuple[int, Any]:
    """Run one SDK request. Raises PaymentError when WeChat Pay cannot be
    reached or its answer's signature does not verify (the SDK raises a bare
    Exception for that), so nothing is decided on an unverified answer."""
    try:
        return request()
    except requests.RequestException as error:
        logger.warning("WeChat Pay %s: no answer (%s)", what, error)
        raise PaymentError(UNAVAILABLE) from error
    except Exception as error:
        logger.exception("WeChat Pay %s failed", what)
        raise PaymentError(UNAVAILABLE) from error


def _json(text: Any) -> dict[str, Any]:
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")


def _parse_time(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) and text else None
    except ValueError:
        return None


def _description(payment: Payment) -> str:
    # Shown to the buyer in WeChat. Not translated on purpose: a repeated start
    # must send the very same parameters whatever the buyer's language.
    return f"刘垓子镇消费帮扶商城订单 {payment.order.number}"


def transaction_state(data: Mapping[str, Any]) -> GatewayPayment:
    """A transaction as WeChat Pay describes it (a query's answer, or the
    resource of a notification), as a GatewayPayment."""
    state = data.get("trade_state")
    message = str(data.get("trade_state_desc") or state or "")
    if state in ("SUCCESS", "REFUND"):  # REFUND: paid, then (partly) refunded
        amount = data.get("amount")
        total = amount.get("total") if isinstance(amount, dict) else None
        transaction_id = data.get("transaction_id")
        if not isinstance(total, int) or not isinstance(transaction_id, str):
            raise ValueError("a paid transaction without its amount or transaction_id")
        return GatewayPayment(
            status="succeeded",
            # The order's amount: what the buyer paid plus any coupon WeChat funded.
            amount_fen=total,
            currency=str(amount.get("currency") or "").lower(),
            external_id=transaction_id,
            paid_at=_parse_time(data.get("success_time")),
        )
    if state == "PAYERROR":
        return GatewayPayment(status="failed", message=message)
    if state in ("CLOSED", "REVOKED"):
        return GatewayPayment(status="closed", message=message)
    return GatewayPayment(status="pending", message=message)  # NOTPAY, USERPAYING


class WeChatPayGateway:
    name = "wechatpay"
    methods = ("native", "h5", "jsapi")

    def methods_for(self, *, device: Device) -> tuple[str, ...]:
        """JSAPI needs WeChat's own browser; H5 a phone browser outside it (WeChat
        refuses it inside); a desktop shows a QR code to scan with a phone."""
        if device == "wechat":
            return ("jsapi",)
        if device == "phone":
            return ("h5",)
        return ("native",)

    def start(self, *, payment: Payment, payer: Payer) -> PaymentStart:
        if payment.method == "jsapi":
            # The prepay needs the payer's openid, which WeChat's OAuth gives our page.
            return PaymentStart(redirect_url=reverse("wechatpay_jsapi", args=[payment.pk]))
        if payment.method == "h5":
            if not payer.client_ip:
                raise PaymentError(UNAVAILABLE)
            data = self._prepay(
                payment,
                scene_info={"payer_client_ip": payer.client_ip, "h5_info": {"type": "Wap"}},
            )
            # WeChat's cashier sends the buyer to redirect_url when they leave it,
            # paid or not: our return page then asks WeChat Pay (查单).
            back = absolute(reverse("wechatpay_return", args=[payment.pk]))
            return PaymentStart(
                redirect_url=f"{data['h5_url']}&redirect_url={quote(back, safe='')}"
            )
        self.code_url(payment=payment)
        return PaymentStart(redirect_url=reverse("wechatpay_native", args=[payment.pk]))

    def code_url(self, *, payment: Payment) -> str:
        """The Native QR code's content: kept on the payment while the order may
        still be paid, so showing the page again asks WeChat Pay nothing."""
        if payment.action_url and payment.order.expires_at > timezone.now():
            return payment.action_url
        payment.action_url = self._prepay(payment)["code_url"]
        payment.save(update_fields=["action_url", "updated_at"])
        return payment.action_url

    def jsapi_parameters(self, *, payment: Payment, openid: str) -> dict[str, str]:
        """The JSAPI prepay for ``openid``, and the parameters, signed with the
        merchant key, that the page hands to WeixinJSBridge (getBrandWCPayRequest)."""
        prepay_id = self._prepay(payment, payer={"openid": openid})["prepay_id"]
        parameters = {
            "appId": settings.WECHATPAY_APPID,
            "timeStamp": str(int(time.time())),
            "nonceStr": secrets.token_hex(16),
            "package": f"prepay_id={prepay_id}",
            "signType": "RSA",
        }
        parameters["paySign"] = _client().sign(
            [
                parameters["appId"],
                parameters["timeStamp"],
                parameters["nonceStr"],
                parameters["package"],
            ]
        )
        return parameters

    def _prepay(self, payment: Payment, **extra: Any) -> dict[str, Any]:
        """Create (or, for the same parameters, get again) the order at WeChat Pay."""
        client = _client()
        status, text = _call(
            f"prepay {payment.merchant_reference}",
            lambda: client.pay(
                description=_description(payment),
                out_trade_no=payment.merchant_reference,
                amount={"total": payment.amount_fen, "currency": payment.currency.upper()},
                time_expire=_rfc3339(payment.order.expires_at),
                pay_type=PAY_TYPES[payment.method],
                **extra,
            ),
        )
        data = _json(text)
        wanted = {"native": "code_url", "h5": "h5_url", "jsapi": "prepay_id"}[payment.method]
        if status != 200 or not isinstance(data.get(wanted), str):
            logger.warning(
                "WeChat Pay refused payment %s: %s %s",
                payment.pk,
                status,
                data.get("message") or text,
            )
            raise PaymentError(_("暂时无法发起付款，请稍后再试或换一种支付方式。"))
        return data

    def _query(self, payment: Payment) -> GatewayPayment | None:
        """The transaction's state; None if WeChat Pay has no such order."""
        client = _client()
        status, text = _call(
            f"query {payment.merchant_reference}",
            lambda: client.query(out_trade_no=payment.merchant_reference),
        )
        data = _json(text)
        if status == 404 or data.get("code") == "ORDER_NOT_EXIST":
            return None
        try:
            if status != 200:
                raise ValueError(f"{status} {data.get('code')} {data.get('message')}")
            return transaction_state(data)
        except ValueError as error:
            logger.warning("WeChat Pay query %s: %s", payment.merchant_reference, error)
            raise PaymentError(UNAVAILABLE) from error

    def query(self, *, payment: Payment) -> GatewayPayment:
        # No order yet: the JSAPI page was never opened. Nothing can land on it.
        return self._query(payment) or GatewayPayment(status="pending")

    def close(self, *, payment: Payment) -> GatewayPayment:
        client = _client()
        status, text = _call(
            f"close {payment.merchant_reference}",
            lambda: client.close(out_trade_no=payment.merchant_reference),
        )
        if status != 204:
            # Paid meanwhile, or never created: the query below says which.
            logger.info("WeChat Pay close %s: %s %s", payment.merchant_reference, status, text)
        return self._query(payment) or GatewayPayment(status="closed", message="ORDER_NOT_EXIST")

    def refund(self, *, refund: Refund) -> RefundOutcome:
        """Raises PaymentError when WeChat Pay did not answer: the refund stays
        pending and is sent again with the same out_refund_no, which WeChat Pay
        does not refund twice."""
        client = _client()
        payment = refund.payment
        status, text = _call(
            f"refund {refund.merchant_reference}",
            lambda: client.refund(
                out_refund_no=refund.merchant_reference,
                out_trade_no=payment.merchant_reference,
                amount={
                    "refund": refund.amount_fen,
                    "total": payment.amount_fen,
                    "currency": payment.currency.upper(),
                },
                reason=refund.reason[:80] or None,
                notify_url=absolute(reverse("wechatpay_refund_notify")),
            ),
        )
        data = _json(text)
        if status == 200 and data.get("status") in REFUND_ACCEPTED:
            return RefundOutcome(succeeded=True, external_id=data.get("refund_id"))
        logger.warning("WeChat Pay refused refund %s: %s %s", refund.pk, status, text)
        return RefundOutcome(
            succeeded=False,
            external_id=data.get("refund_id"),
            message=f"WeChat Pay {data.get('status') or data.get('code') or status} "
            f"{data.get('message') or ''}".strip(),
        )

    def statement(self, *, day: date) -> list[StatementLine]:
        client = _client()
        status, text = _call(
            f"trade bill {day}",
            lambda: client.trade_bill(bill_date=day.isoformat(), bill_type="ALL", tar_type="GZIP"),
        )
        data = _json(text)
        if data.get("code") == "NO_STATEMENT_EXIST":  # a day without a trade
            return []
        url = data.get("download_url")
        if status != 200 or not isinstance(url, str):
            logger.warning("WeChat Pay trade bill %s: %s %s", day, status, text)
            raise PaymentError(UNAVAILABLE)
        status, content = _call(f"download bill {day}", lambda: client.download_bill(url=url))
        try:
            if status != 200 or not isinstance(content, bytes):
                raise ValueError(f"download answered {status}")
            raw = gzip.decompress(content)
            # hash_value is the SHA1 of the bill before compression.
            if hashlib.sha1(raw).hexdigest() != str(data.get("hash_value", "")).lower():
                raise ValueError("the bill's SHA1 does not match hash_value")
            return parse_trade_bill(raw.decode("utf-8"))
        except (OSError, EOFError, UnicodeDecodeError, ValueError) as error:
            logger.warning("WeChat Pay trade bill %s unusable: %s", day, error)
            raise PaymentError(_("微信支付对账单无法读取。")) from error

    def parse_notification(self, *, headers: Mapping[str, str], body: bytes) -> Notification:
        """Verify a notification's signature (and that it was signed within five
        minutes, either way: replays), decrypt its resource and read it."""
        timestamp = headers.get("Wechatpay-Timestamp", "")
        if not timestamp.isdigit() or (
            abs(time.time() - int(timestamp)) > SIGNATURE_TOLERANCE_SECONDS
        ):
            raise NotificationError("stale or missing timestamp")
        if headers.get("Wechatpay-Signature-Type", SIGNATURE_TYPE) != SIGNATURE_TYPE:
            raise NotificationError("unsupported signature type")
        # Checked here: for any other serial the SDK would fetch platform
        # certificates from WeChat Pay, for every forged request.
        if headers.get("Wechatpay-Serial") != settings.WECHATPAY_PUBLIC_KEY_ID:
            raise NotificationError("unknown signing key")
        signed = {
            "Wechatpay-Signature": headers.get("Wechatpay-Signature", ""),
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": headers.get("Wechatpay-Nonce", ""),
            "Wechatpay-Serial": settings.WECHATPAY_PUBLIC_KEY_ID,
            "Wechatpay-Signature-Type": SIGNATURE_TYPE,
        }
        try:
            data = _client().callback(headers=signed, body=body)
        except Exception as error:  # the SDK raises bare Exceptions; JSON and UTF-8 errors
            raise NotificationError("malformed notification", status=400) from error
        if data is None:  # signature, or decryption with our API v3 key, failed
            raise NotificationError("invalid signature")
        resource = data.get("resource")
        if not (
            isinstance(data.get("id"), str)
            and data["id"]
            and isinstance(data.get("event_type"), str)
            and isinstance(resource, dict)
        ):
            raise NotificationError("malformed notification", status=400)
        return Notification(id=data["id"], event_type=data["event_type"], resource=resource)
