"""A fake WeChat Pay API v3 (and WeChat's web OAuth) on a loopback port.

It behaves as WeChat Pay documents, closely enough for the official SDK's own
code to run: it verifies the Authorization signature of each request with the
merchant's public key, signs each answer with the "WeChat Pay public key"
(RSA 2048 made by the tests) so the SDK verifies it, keeps orders and refunds
(the same out_trade_no with the same parameters gets the same answer, with
others an error), closes orders, serves trade bills (gzip, SHA1-checked) and
an H5 cashier page, and builds notifications encrypted with the API v3 key
(AEAD_AES_256_GCM) and signed as WeChat Pay signs them.
"""

import base64
import gzip
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlencode
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from tests.shop.payments.loopback import QuietHandler, serving

BEIJING = ZoneInfo("Asia/Shanghai")
MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
APP_SECRET = "test-app-secret-0123456789abcdef"
CERT_SERIAL_NO = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001092025061800000000000000"
SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
AUTHORIZATION = re.compile(r'(\w+)="([^"]*)"')
FEE_RATE = Decimal("0.006")
SITE_URL = "https://shop.example.cn"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def rsa_sign(key: rsa.RSAPrivateKey, message: str) -> str:
    signature = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def rsa_verifies(public_key, message: str, signature: str) -> bool:
    try:
        public_key.verify(
            base64.b64decode(signature), message.encode(), padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError):
        return False
    return True


def yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def beijing_now() -> str:
    return datetime.now(BEIJING).isoformat(timespec="seconds")


@dataclass
class Keys:
    """The merchant's API key pair and WeChat Pay's signing key pair, per session."""

    merchant: rsa.RSAPrivateKey
    platform: rsa.RSAPrivateKey
    apiv3_key: str

    @classmethod
    def generate(cls) -> "Keys":
        return cls(merchant=new_key(), platform=new_key(), apiv3_key=secrets.token_hex(16))


@dataclass
class Answer:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    signed: bool = True


def json_answer(status: int, payload: dict[str, Any] | None = None) -> Answer:
    return Answer(status, json.dumps(payload, ensure_ascii=False).encode() if payload else b"")


def error(status: int, code: str, message: str) -> Answer:
    return json_answer(status, {"code": code, "message": message})


@dataclass
class FakeOrder:
    kind: str  # native, h5, jsapi
    params: dict[str, Any]
    answer: dict[str, Any]
    trade_state: str = "NOTPAY"
    transaction_id: str = ""
    success_time: str = ""


class FakeWeChatPay:
    def __init__(self, keys: Keys) -> None:
        self.keys = keys
        self.base_url = ""
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.orders: dict[str, FakeOrder] = {}
            self.refunds: dict[str, dict[str, Any]] = {}
            self.refund_params: dict[str, dict[str, Any]] = {}
            self.requests: list[tuple[str, str, dict[str, Any]]] = []
            self.bill_tokens: dict[str, str] = {}
            self.oauth_codes: dict[str, str] = {}
            self.openid = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
            self.refund_status = "PROCESSING"
            self.corrupt_downloads = False  # a bill changed on the way: its SHA1 differs

    # What a buyer does at WeChat -------------------------------------------------

    def pay(self, out_trade_no: str) -> dict[str, Any]:
        """The buyer pays the order (scans the QR code, confirms in the cashier)."""
        with self.lock:
            order = self.orders[out_trade_no]
            if order.trade_state == "NOTPAY":
                order.trade_state = "SUCCESS"
                order.transaction_id = f"42000{next(self._ids):023d}"
                order.success_time = beijing_now()
            return self.transaction(out_trade_no)

    def transaction(self, out_trade_no: str) -> dict[str, Any]:
        """The order as WeChat Pay describes it (query answer, notification resource)."""
        order = self.orders[out_trade_no]
        total = order.params["amount"]["total"]
        data: dict[str, Any] = {
            "appid": order.params["appid"],
            "mchid": order.params["mchid"],
            "out_trade_no": out_trade_no,
            "trade_type": order.kind.upper() if order.kind != "h5" else "MWEB",
            "trade_state": order.trade_state,
            "trade_state_desc": {
                "NOTPAY": "订单未支付",
                "SUCCESS": "支付成功",
                "CLOSED": "订单已关闭",
                "REFUND": "转入退款",
            }[order.trade_state],
            "attach": "",
            "amount": {"total": total, "currency": "CNY", "payer_currency": "CNY"},
        }
        if order.transaction_id:
            data |= {
                "transaction_id": order.transaction_id,
                "bank_type": "OTHERS",
                "success_time": order.success_time,
                "payer": {"openid": (order.params.get("payer") or {}).get("openid", self.openid)},
            }
            data["amount"]["payer_total"] = total
        return data

    # Notifications --------------------------------------------------------------

    def signed_headers(
        self, body: str, *, timestamp: int | None = None, key: rsa.RSAPrivateKey | None = None
    ) -> dict[str, str]:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        nonce = secrets.token_hex(16)
        signature = rsa_sign(key or self.keys.platform, f"{stamp}\n{nonce}\n{body}\n")
        return {
            "Wechatpay-Timestamp": stamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": signature,
            "Wechatpay-Serial": PUBLIC_KEY_ID,
            "Wechatpay-Signature-Type": SIGNATURE_TYPE,
        }

    def notification(
        self,
        event_type: str,
        resource: dict[str, Any],
        *,
        event_id: str | None = None,
        timestamp: int | None = None,
        key: rsa.RSAPrivateKey | None = None,
    ) -> tuple[dict[str, str], str]:
        """(headers, body) of a notification as WeChat Pay posts it."""
        original_type = "refund" if event_type.startswith("REFUND.") else "transaction"
        nonce = secrets.token_hex(6)  # 12 characters, as WeChat Pay's
        ciphertext = AESGCM(self.keys.apiv3_key.encode()).encrypt(
            nonce.encode(),
            json.dumps(resource, ensure_ascii=False).encode(),
            original_type.encode(),
        )
        body = json.dumps(
            {
                "id": event_id or f"EV-{secrets.token_hex(12)}",
                "create_time": beijing_now(),
                "resource_type": "encrypt-resource",
                "event_type": event_type,
                "summary": "支付成功" if original_type == "transaction" else "退款状态变更",
                "resource": {
                    "original_type": original_type,
                    "algorithm": "AEAD_AES_256_GCM",
                    "ciphertext": base64.b64encode(ciphertext).decode(),
                    "associated_data": original_type,
                    "nonce": nonce,
                },
            },
            ensure_ascii=False,
        )
        return self.signed_headers(body, timestamp=timestamp, key=key), body

    def paid_notification(self, out_trade_no: str, **options: Any) -> tuple[dict[str, str], str]:
        return self.notification("TRANSACTION.SUCCESS", self.transaction(out_trade_no), **options)

    def refund_notification(
        self, out_refund_no: str, status: str = "SUCCESS", **options: Any
    ) -> tuple[dict[str, str], str]:
        refund = self.refunds[out_refund_no]
        resource = {
            "mchid": MCHID,
            "out_trade_no": refund["out_trade_no"],
            "transaction_id": refund["transaction_id"],
            "out_refund_no": out_refund_no,
            "refund_id": refund["refund_id"],
            "refund_status": status,
            "success_time": beijing_now(),
            "user_received_account": "支付用户零钱",
            "amount": {
                "total": refund["amount"]["total"],
                "refund": refund["amount"]["refund"],
                "payer_total": refund["amount"]["total"],
                "payer_refund": refund["amount"]["refund"],
            },
        }
        return self.notification(f"REFUND.{status}", resource, **options)

    def send(self, headers: dict[str, str], body: str, url: str) -> int:
        """Post a notification to ``url`` (our notify address), as WeChat Pay does."""
        request = urllib.request.Request(
            url,
            data=body.encode(),
            headers={**headers, "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as failure:
            return failure.code

    def refund_made_at_the_merchant_platform(self, out_trade_no: str, amount_fen: int) -> str:
        """A refund made outside the shop (in WeChat Pay's merchant platform)."""
        order = self.orders[out_trade_no]
        out_refund_no = f"MP{next(self._ids)}"
        self.refunds[out_refund_no] = self._refund_answer(
            out_refund_no, order, {"refund": amount_fen, "total": order.params["amount"]["total"]}
        )
        return out_refund_no

    # The trade bill ---------------------------------------------------------------

    def trade_bill(self, day: date) -> str:
        """The day's trade bill (bill_type=ALL) in WeChat Pay's format."""
        header = (
            "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,"
            "交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,"
            "商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
            "手续费,费率,订单金额,申请退款金额,费率备注"
        )
        rows, paid, refunded, fees = [], 0, 0, 0
        for out_trade_no, order in self.orders.items():
            if not order.success_time or datetime.fromisoformat(order.success_time).date() != day:
                continue
            total = order.params["amount"]["total"]
            fee = self._fee(total)
            paid, fees = paid + total, fees + fee
            moment = datetime.fromisoformat(order.success_time).strftime("%Y-%m-%d %H:%M:%S")
            rows.append(
                [moment, APPID, MCHID, "0", "", order.transaction_id, out_trade_no, "oUser"]
                + [order.kind.upper(), "SUCCESS", "OTHERS", "CNY", yuan(total), "0.00"]
                + ["0", "0", "0.00", "0.00", "", "", order.params["description"], ""]
                + [yuan(fee), "0.60%", yuan(total), "0.00", ""]
            )
        for out_refund_no, refund in self.refunds.items():
            if datetime.fromisoformat(refund["create_time"]).date() != day:
                continue
            amount = refund["amount"]["refund"]
            fee = self._fee(amount)
            refunded, fees = refunded + amount, fees - fee
            moment = datetime.fromisoformat(refund["create_time"]).strftime("%Y-%m-%d %H:%M:%S")
            rows.append(
                [moment, APPID, MCHID, "0", "", refund["transaction_id"], refund["out_trade_no"]]
                + ["oUser", "NATIVE", "REFUND", "OTHERS", "CNY", "0.00", "0.00"]
                + [refund["refund_id"], out_refund_no, yuan(amount), "0.00", "ORIGINAL"]
                + ["SUCCESS", "消费帮扶商城订单", "", f"-{yuan(fee)}", "0.60%", "0.00"]
                + [yuan(amount), ""]
            )
        lines = [header] + [",".join(f"`{cell}" for cell in row) for row in rows]
        lines.append(
            "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
        )
        totals = [str(len(rows)), yuan(paid), yuan(refunded), "0.00", yuan(fees), yuan(paid)]
        lines.append(",".join(f"`{cell}" for cell in [*totals, yuan(refunded)]))
        return "\r\n".join(lines) + "\r\n"

    @staticmethod
    def _fee(fen: int) -> int:
        return int((Decimal(fen) * FEE_RATE).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    # The HTTP API -----------------------------------------------------------------

    def answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Answer:
        path, _sep, query = target.partition("?")
        params = {name: values[0] for name, values in parse_qs(query).items()}
        if path.startswith("/v3/"):
            if not self._authorized(method, target, headers, body):
                return error(401, "SIGN_ERROR", "签名错误")
            data = json.loads(body) if body else {}
            with self.lock:
                self.requests.append((method, path, data))
                return self._api(method, path, params, data)
        if path == "/h5/pay":
            return self._h5_cashier(method, params, body)
        if path == "/connect/oauth2/authorize":
            return self._authorize(params)
        if path == "/sns/oauth2/access_token":
            return self._access_token(params)
        return error(404, "NOT_FOUND", "not found")

    def _authorized(self, method: str, target: str, headers: dict[str, str], body: bytes) -> bool:
        scheme, _sep, fields = headers.get("Authorization", "").partition(" ")
        values = dict(AUTHORIZATION.findall(fields))
        if scheme != SIGNATURE_TYPE or values.get("mchid") != MCHID:
            return False
        if values.get("serial_no") != CERT_SERIAL_NO:
            return False
        if abs(time.time() - int(values.get("timestamp") or 0)) > 300:
            return False
        message = f"{method}\n{target}\n{values['timestamp']}\n{values.get('nonce_str')}\n"
        message += f"{body.decode()}\n"
        return rsa_verifies(self.keys.merchant.public_key(), message, values.get("signature", ""))

    def _api(self, method: str, path: str, params: dict[str, str], data: dict) -> Answer:
        prepay = re.fullmatch(r"/v3/pay/transactions/(native|h5|jsapi)", path)
        if method == "POST" and prepay:
            return self._prepay(prepay.group(1), data)
        by_number = re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)(/close)?", path)
        if by_number:
            order = self.orders.get(by_number.group(1))
            mchid = data.get("mchid") if by_number.group(2) else params.get("mchid")
            if mchid != MCHID:
                return error(400, "PARAM_ERROR", "mchid 与请求方不一致")
            if order is None:
                return error(404, "ORDER_NOT_EXIST", "订单不存在")
            if method == "GET" and not by_number.group(2):
                return json_answer(200, self.transaction(by_number.group(1)))
            if method == "POST" and by_number.group(2):
                if order.trade_state in ("SUCCESS", "REFUND"):
                    return error(400, "ORDERPAID", "订单已支付")
                order.trade_state = "CLOSED"
                return json_answer(204)
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            return self._refund(data)
        if method == "GET" and path == "/v3/bill/tradebill":
            return self._bill(params)
        if method == "GET" and path == "/v3/billdownload/file":
            day = self.bill_tokens.get(params.get("token", ""))
            if day is None:
                return error(404, "RESOURCE_NOT_EXISTS", "账单不存在")
            raw = self.trade_bill(date.fromisoformat(day)).encode()
            if self.corrupt_downloads:
                raw = raw.replace(b"0.60%", b"0.61%")
            return Answer(200, gzip.compress(raw), "application/octet-stream", signed=False)
        return error(404, "NOT_FOUND", "接口不存在")

    def _prepay(self, kind: str, data: dict[str, Any]) -> Answer:
        required = ["appid", "mchid", "description", "out_trade_no", "notify_url", "amount"]
        missing = [name for name in required if not data.get(name)]
        if kind == "h5" and not (data.get("scene_info") or {}).get("payer_client_ip"):
            missing.append("scene_info.payer_client_ip")
        if kind == "jsapi" and not (data.get("payer") or {}).get("openid"):
            missing.append("payer.openid")
        if missing:
            return error(400, "PARAM_ERROR", f"缺少参数 {', '.join(missing)}")
        if data["appid"] != APPID or data["mchid"] != MCHID:
            return error(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配")
        amount = data["amount"]
        if not (isinstance(amount.get("total"), int) and amount["total"] > 0):
            return error(400, "PARAM_ERROR", "订单金额必须大于0")
        if amount.get("currency", "CNY") != "CNY":
            return error(400, "PARAM_ERROR", "币种不支持")
        if "time_expire" in data and not data["time_expire"].endswith("+08:00"):
            return error(400, "PARAM_ERROR", "time_expire 格式错误")
        out_trade_no = data["out_trade_no"]
        known = self.orders.get(out_trade_no)
        if known is not None:
            if known.kind != kind or known.params != data:
                return error(400, "INVALID_REQUEST", "201 商户订单号重复")
            return json_answer(200, known.answer)
        prepay_id = f"wx{next(self._ids):030d}"
        answer = {
            "native": {"code_url": f"weixin://wxpay/bizpayurl?pr={prepay_id[-10:]}"},
            "h5": {"h5_url": f"{self.base_url}/h5/pay?prepay_id={prepay_id}&package=2055486010"},
            "jsapi": {"prepay_id": prepay_id},
        }[kind]
        self.orders[out_trade_no] = FakeOrder(kind=kind, params=data, answer=answer)
        return json_answer(200, answer)

    def _refund_answer(
        self, out_refund_no: str, order: FakeOrder, amount: dict[str, int]
    ) -> dict[str, Any]:
        out_trade_no = order.params["out_trade_no"]
        order.trade_state = "REFUND"
        return {
            "refund_id": f"50{next(self._ids):027d}",
            "out_refund_no": out_refund_no,
            "transaction_id": order.transaction_id,
            "out_trade_no": out_trade_no,
            "channel": "ORIGINAL",
            "user_received_account": "支付用户零钱",
            "create_time": beijing_now(),
            "status": self.refund_status,
            "funds_account": "AVAILABLE",
            "amount": {
                "total": amount["total"],
                "refund": amount["refund"],
                "payer_total": amount["total"],
                "payer_refund": amount["refund"],
                "settlement_total": amount["total"],
                "settlement_refund": amount["refund"],
                "discount_refund": 0,
                "currency": "CNY",
            },
        }

    def _refund(self, data: dict[str, Any]) -> Answer:
        out_refund_no = data.get("out_refund_no", "")
        if out_refund_no in self.refund_params:
            if self.refund_params[out_refund_no] != data:
                return error(400, "INVALID_REQUEST", "商户退款单号重复")
            return json_answer(200, self.refunds[out_refund_no])
        order = self.orders.get(data.get("out_trade_no", ""))
        if order is None:
            return error(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if order.trade_state not in ("SUCCESS", "REFUND"):
            return error(400, "INVALID_REQUEST", "订单未支付")
        amount = data.get("amount") or {}
        total = order.params["amount"]["total"]
        if amount.get("total") != total or amount.get("currency") != "CNY":
            return error(400, "PARAM_ERROR", "订单金额或币种与原订单不一致")
        already = sum(
            refund["amount"]["refund"]
            for refund in self.refunds.values()
            if refund["out_trade_no"] == data["out_trade_no"]
        )
        if not 0 < amount.get("refund", 0) <= total - already:
            return error(400, "NOT_ENOUGH", "申请退款金额超过订单可退金额")
        self.refund_params[out_refund_no] = data
        self.refunds[out_refund_no] = self._refund_answer(out_refund_no, order, amount)
        return json_answer(200, self.refunds[out_refund_no])

    def _bill(self, params: dict[str, str]) -> Answer:
        day = params.get("bill_date", "")
        if params.get("bill_type") != "ALL" or params.get("tar_type") != "GZIP":
            return error(400, "PARAM_ERROR", "参数错误")
        raw = self.trade_bill(date.fromisoformat(day)).encode()
        if raw.count(b"\n") <= 3:  # header and summary only: no trade that day
            return error(400, "NO_STATEMENT_EXIST", "账单文件不存在")
        token = secrets.token_hex(8)
        self.bill_tokens[token] = day
        return json_answer(
            200,
            {
                "hash_type": "SHA1",
                "hash_value": hashlib.sha1(raw).hexdigest(),
                "download_url": f"{self.base_url}/v3/billdownload/file?token={token}",
            },
        )

    # WeChat's pages ---------------------------------------------------------------

    def _h5_cashier(self, method: str, params: dict[str, str], body: bytes) -> Answer:
        """WeChat Pay's H5 cashier: a button that pays, then back to redirect_url.
        It sends no notification, so our return page's query is what finds the money."""
        if method == "POST":
            params = {name: values[0] for name, values in parse_qs(body.decode()).items()}
        with self.lock:
            order = next(
                (
                    (number, order)
                    for number, order in self.orders.items()
                    if order.answer.get("h5_url", "").endswith(
                        f"prepay_id={params.get('prepay_id')}&package=2055486010"
                    )
                ),
                None,
            )
        if order is None:
            return Answer(404, b"unknown prepay_id", "text/plain", signed=False)
        if method == "POST":
            self.pay(order[0])
            return Answer(
                302, b"", "text/plain", {"Location": params["redirect_url"]}, signed=False
            )
        page = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>微信支付</title></head><body><h1>微信支付</h1>
<p>¥{yuan(order[1].params["amount"]["total"])}</p>
<form method="post" action="/h5/pay">
<input type="hidden" name="prepay_id" value="{escape(params["prepay_id"])}">
<input type="hidden" name="redirect_url" value="{escape(params.get("redirect_url", ""))}">
<button type="submit">确认支付</button></form></body></html>"""
        return Answer(200, page.encode(), "text/html; charset=utf-8", signed=False)

    def _authorize(self, params: dict[str, str]) -> Answer:
        if params.get("appid") != APPID or params.get("scope") != "snsapi_base":
            return Answer(400, b"bad request", "text/plain", signed=False)
        code = secrets.token_hex(16)
        with self.lock:
            self.oauth_codes[code] = self.openid
        query = urlencode({"code": code, "state": params.get("state", "")})
        location = f"{params['redirect_uri']}?{query}"
        return Answer(302, b"", "text/plain", {"Location": location}, signed=False)

    def _access_token(self, params: dict[str, str]) -> Answer:
        with self.lock:
            openid = self.oauth_codes.pop(params.get("code", ""), None)  # single use
        if (
            params.get("appid") != APPID
            or params.get("secret") != APP_SECRET
            or params.get("grant_type") != "authorization_code"
        ):
            payload: dict[str, Any] = {"errcode": 40125, "errmsg": "invalid appsecret"}
        elif openid is None:
            payload = {"errcode": 40029, "errmsg": "invalid code"}
        else:
            payload = {
                "access_token": secrets.token_hex(16),
                "expires_in": 7200,
                "refresh_token": secrets.token_hex(16),
                "openid": openid,
                "scope": "snsapi_base",
                "is_snapshotuser": 0,
            }
        # WeChat's OAuth answers errors with HTTP 200 too.
        return Answer(200, json.dumps(payload).encode(), "application/json", signed=False)


def serve(fake: FakeWeChatPay) -> Iterator[FakeWeChatPay]:
    """Run ``fake`` on a free loopback port until the generator is closed."""

    class Handler(QuietHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            answer = fake.answer(self.command, self.path, dict(self.headers.items()), body)
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.send_header("Request-ID", secrets.token_hex(16))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if answer.signed:
                for name, value in fake.signed_headers(answer.body.decode()).items():
                    self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = _handle

    with serving(Handler) as base_url:
        fake.base_url = base_url
        yield fake


def configure(settings, fake: FakeWeChatPay, *, site_url: str = SITE_URL) -> FakeWeChatPay:
    """Our settings (pytest-django's ``settings``) pointed at ``fake``, emptied first:
    WeChat Pay the one gateway, with the session's keys; ``site_url`` is where
    WeChat Pay sends notifications and the buyer back."""
    fake.reset()
    settings.PAYMENT_GATEWAYS = ["wechatpay"]
    settings.WECHATPAY_MCHID = MCHID
    settings.WECHATPAY_APPID = APPID
    settings.WECHATPAY_APP_SECRET = APP_SECRET
    settings.WECHATPAY_APIV3_KEY = fake.keys.apiv3_key
    settings.WECHATPAY_CERT_SERIAL_NO = CERT_SERIAL_NO
    settings.WECHATPAY_PRIVATE_KEY = private_pem(fake.keys.merchant)
    settings.WECHATPAY_PUBLIC_KEY = public_pem(fake.keys.platform)
    settings.WECHATPAY_PUBLIC_KEY_ID = PUBLIC_KEY_ID
    settings.WECHATPAY_API_BASE = fake.base_url
    settings.WECHATPAY_OAUTH_BASE = fake.base_url
    settings.WAGTAILADMIN_BASE_URL = site_url
    return fake
