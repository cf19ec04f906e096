"""A fake Alipay open platform for the tests: a threaded HTTP server on a free
loopback port that signs and verifies as Alipay does, so the SDK's own code runs.

- Every call to ``/gateway.do`` must carry our RSA2 signature (checked with our app's
  public key) over all its parameters but ``sign``, our app id and a fresh timestamp.
- Server calls (trade.query, close, refund, fastpay.refund.query, the bill's download
  address) answer in Alipay's envelope, ``{"<method>_response": {...}, "sign": "..."}``,
  signed with the test "Alipay" private key over the inner object's exact text.
- ``page.pay`` and ``wap.pay`` opened in a browser show a cashier. Opening it opens the
  trade (before, a query says ACQ.TRADE_NOT_EXIST, as at Alipay); paying there sends
  the signed notification to the ``notify_url`` (when ``deliver_notifications``) and
  redirects the buyer to the ``return_url`` with a signed query string.
- The bill is a zip of GBK CSV files, named in GBK, as Alipay's is.
"""

import base64
import csv
import io
import itertools
import json
import threading
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode
from urllib.request import Request, urlopen
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.shop.payments.loopback import QuietHandler, serving

BEIJING = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SELLER_ID = "2088000000000001"
BUYER_ID = "2088000000000002"
BUYER_LOGON_ID = "buy***@example.com"
REQUEST_TIMESTAMP_WINDOW = timedelta(minutes=15)
FEE_PER_MILLE = 6  # Alipay's standard 0.6%


@dataclass(frozen=True)
class KeyPair:
    """An RSA key pair in PEM, and RSA2 (SHA256withRSA) as Alipay computes it."""

    private_pem: str
    public_pem: str

    @classmethod
    def generate(cls) -> "KeyPair":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
        public = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(private_pem=private.decode(), public_pem=public.decode())

    def sign(self, text: str) -> str:
        key = serialization.load_pem_private_key(self.private_pem.encode(), None)
        signature = key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode()

    def verifies(self, text: str, signature: str) -> bool:
        key = serialization.load_pem_public_key(self.public_pem.encode())
        try:
            key.verify(
                base64.b64decode(signature), text.encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, ValueError):
            return False
        return True


def signing_text(params: Mapping[str, str], *, leave_out: tuple[str, ...]) -> str:
    """Alipay's string to sign: the parameters sorted by name, ``name=value`` joined by &."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in leave_out)


def yuan(fen: int) -> str:
    return f"{'-' if fen < 0 else ''}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def fen_of(text: str) -> int:
    return int(Decimal(text) * 100)


def beijing(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime(TIME_FORMAT)


@dataclass
class FakeRefund:
    out_request_no: str
    amount_fen: int
    at: datetime


@dataclass
class Trade:
    out_trade_no: str
    trade_no: str
    amount_fen: int
    subject: str
    product: str  # alipay.trade.page.pay or alipay.trade.wap.pay
    notify_url: str
    return_url: str
    quit_url: str
    time_expire: str
    created_at: datetime
    status: str = "WAIT_BUYER_PAY"
    paid_at: datetime | None = None
    refunds: list[FakeRefund] = field(default_factory=list)

    @property
    def refunded_fen(self) -> int:
        return sum(refund.amount_fen for refund in self.refunds)


@dataclass
class Call:
    """A call we made to the gateway, its signature checked."""

    method: str
    params: dict[str, str]
    biz: dict[str, Any]


class FakeAlipay:
    def __init__(self, *, app_id: str, app_keys: KeyPair, alipay_keys: KeyPair) -> None:
        self.app_id = app_id
        self.app_keys = app_keys  # ours: the fake checks our signatures with its public half
        self.alipay_keys = alipay_keys  # "Alipay's": the fake signs with its private half
        self.base_url = ""
        self.trades: dict[str, Trade] = {}
        self.calls: list[Call] = []
        self.refused: list[str] = []  # why calls were refused (bad signature, ...)
        self.deliver_notifications = False
        self.notify_answers: list[tuple[int, str]] = []
        # When trades are paid and refunded: the bill files each under its day.
        self.clock: Callable[[], datetime] = lambda: datetime.now(BEIJING)
        self.down = False  # every server call fails with a 502, as a broken proxy would
        self._bills: dict[str, bytes] = {}
        self._ids = itertools.count(1)
        self._lock = threading.RLock()

    @property
    def gateway_url(self) -> str:
        return f"{self.base_url}/gateway.do"

    # The HTTP side ----------------------------------------------------------------

    def handle(self, method: str, path: str, query: str, body: str) -> tuple[int, str, bytes, dict]:
        """(status, content type, body, extra headers) for one request."""
        if path == "/gateway.do":
            params = dict(parse_qsl(query, keep_blank_values=True))
            params.update(parse_qsl(body, keep_blank_values=True))
            return self._gateway(params)
        if path.startswith("/cashier/") and path.endswith("/pay") and method == "POST":
            out_trade_no = path.removeprefix("/cashier/").removesuffix("/pay")
            trade = self.pay(out_trade_no)
            return 302, "text/plain", b"", {"Location": self.return_url_of(trade)}
        if path.startswith("/bill/") and path in self._bills:
            return 200, "application/zip", self._bills[path], {}
        return 404, "text/plain", b"not found", {}

    def _gateway(self, params: dict[str, str]) -> tuple[int, str, bytes, dict]:
        method = params.get("method", "")
        problem = self._check_request(params)
        if problem:
            self.refused.append(problem)
            if method in ("alipay.trade.page.pay", "alipay.trade.wap.pay"):
                return 200, "text/html; charset=utf-8", _page("错误", problem), {}
            # Not signed: the SDK raises on an answer without a signature.
            inner = {"code": "40002", "msg": "Invalid Arguments", "sub_code": problem}
            key = method.replace(".", "_") + "_response" if method else "error_response"
            return 200, "application/json; charset=utf-8", json.dumps({key: inner}).encode(), {}
        biz = json.loads(params.get("biz_content") or "{}")
        with self._lock:
            self.calls.append(Call(method=method, params=params, biz=biz))
        if method in ("alipay.trade.page.pay", "alipay.trade.wap.pay"):
            return self._cashier(method, params, biz)
        if self.down:
            return 502, "text/html", b"<h1>502 Bad Gateway</h1>", {}
        handlers = {
            "alipay.trade.query": self._query,
            "alipay.trade.close": self._close,
            "alipay.trade.refund": self._refund,
            "alipay.trade.fastpay.refund.query": self._refund_query,
            "alipay.data.dataservice.bill.downloadurl.query": self._bill_url,
        }
        if method not in handlers:
            return self._answer(method, _failed("40004", "ACQ.INVALID_METHOD", "不支持的接口"))
        with self._lock:
            return self._answer(method, handlers[method](biz))

    def _check_request(self, params: dict[str, str]) -> str:
        signature = params.get("sign", "")
        if not self.app_keys.verifies(signing_text(params, leave_out=("sign",)), signature):
            return "isv.invalid-signature"
        if params.get("app_id") != self.app_id:
            return "isv.invalid-app-id"
        if params.get("sign_type") != "RSA2" or params.get("charset") != "utf-8":
            return "isv.invalid-signature-type"
        try:
            sent = datetime.strptime(params.get("timestamp", ""), TIME_FORMAT)
        except ValueError:
            return "isv.invalid-timestamp"
        if abs(sent.replace(tzinfo=BEIJING) - datetime.now(BEIJING)) > REQUEST_TIMESTAMP_WINDOW:
            return "isv.invalid-timestamp"
        return ""

    def _answer(self, method: str, inner: dict[str, Any]) -> tuple[int, str, bytes, dict]:
        text = json.dumps(inner, ensure_ascii=False, separators=(",", ":"))
        key = method.replace(".", "_") + "_response"
        body = f'{{"{key}":{text},"sign":"{self.alipay_keys.sign(text)}"}}'
        return 200, "text/html;charset=utf-8", body.encode(), {}

    # The cashier ------------------------------------------------------------------

    def _cashier(self, method: str, params: dict[str, str], biz: dict[str, Any]):
        out_trade_no = biz["out_trade_no"]
        amount_fen = fen_of(biz["total_amount"])
        now = datetime.now(BEIJING)
        if biz.get("time_expire") and beijing(now) > biz["time_expire"]:
            return 200, "text/html; charset=utf-8", _page("错误", "交易已超时关闭"), {}
        with self._lock:
            trade = self.trades.get(out_trade_no)
            if trade is None:
                trade = self.trades[out_trade_no] = Trade(
                    out_trade_no=out_trade_no,
                    trade_no=f"{now:%Y%m%d}22001400{next(self._ids):012d}",
                    amount_fen=amount_fen,
                    subject=biz["subject"],
                    product=method,
                    notify_url=params.get("notify_url", ""),
                    return_url=params.get("return_url", ""),
                    quit_url=biz.get("quit_url", ""),
                    time_expire=biz.get("time_expire", ""),
                    created_at=self.clock(),
                )
            elif (trade.amount_fen, trade.subject) != (amount_fen, biz["subject"]):
                return (
                    200,
                    "text/html; charset=utf-8",
                    _page("错误", "ACQ.CONTEXT_INCONSISTENT"),
                    {},
                )
        if trade.status != "WAIT_BUYER_PAY":
            return 200, "text/html; charset=utf-8", _page("支付宝", "该笔订单已支付或已关闭"), {}
        back = f'<p><a href="{escape(trade.quit_url)}">返回商家</a></p>' if trade.quit_url else ""
        content = (
            f'<p class="subject">{escape(trade.subject)}</p>'
            f'<p class="amount">¥{yuan(trade.amount_fen)}</p>'
            f'<form method="post" action="/cashier/{escape(out_trade_no)}/pay">'
            '<button type="submit">确认付款</button></form>' + back
        )
        return 200, "text/html; charset=utf-8", _page("支付宝收银台", content, raw=True), {}

    def pay(self, out_trade_no: str, *, at: datetime | None = None) -> Trade:
        """The buyer pays (on the cashier, or straight from a test); notifies us if told to."""
        with self._lock:
            trade = self.trades[out_trade_no]
            if trade.status == "WAIT_BUYER_PAY":
                trade.status = "TRADE_SUCCESS"
                trade.paid_at = at or self.clock()
        if self.deliver_notifications:
            self.send(self.notification(trade))
        return trade

    def return_url_of(self, trade: Trade) -> str:
        return f"{trade.return_url}?{urlencode(self.return_query(trade))}"

    def return_query(self, trade: Trade) -> dict[str, str]:
        """The synchronous return's query string, signed as Alipay signs it (all but
        ``sign`` and ``sign_type``)."""
        params = {
            "charset": "utf-8",
            "out_trade_no": trade.out_trade_no,
            "method": f"{trade.product}.return",
            "total_amount": yuan(trade.amount_fen),
            "trade_no": trade.trade_no,
            "auth_app_id": self.app_id,
            "version": "1.0",
            "app_id": self.app_id,
            "sign_type": "RSA2",
            "seller_id": SELLER_ID,
            "timestamp": beijing(datetime.now(BEIJING)),
        }
        return self.signed(params)

    # Notifications ------------------------------------------------------------------

    def notification(
        self,
        trade: Trade,
        *,
        trade_status: str | None = None,
        signer: KeyPair | None = None,
        **changes: str,
    ) -> dict[str, str]:
        """The asynchronous notification of ``trade`` as Alipay posts it; ``changes``
        replace fields before signing (``signer`` signs instead of Alipay's key)."""
        amount = yuan(trade.amount_fen)
        status = trade_status or trade.status
        params = {
            "gmt_create": beijing(trade.created_at),
            "charset": "utf-8",
            "seller_email": "shop@example.com",
            "subject": trade.subject,
            "buyer_id": BUYER_ID,
            "invoice_amount": amount,
            "notify_id": f"2026{next(self._ids):028d}",
            "fund_bill_list": json.dumps([{"amount": amount, "fundChannel": "ALIPAYACCOUNT"}]),
            "notify_type": "trade_status_sync",
            "trade_status": status,
            "receipt_amount": amount,
            "buyer_pay_amount": amount,
            "app_id": self.app_id,
            "sign_type": "RSA2",
            "seller_id": SELLER_ID,
            "notify_time": beijing(datetime.now(BEIJING)),
            "version": "1.0",
            "out_trade_no": trade.out_trade_no,
            "total_amount": amount,
            "trade_no": trade.trade_no,
            "auth_app_id": self.app_id,
            "buyer_logon_id": BUYER_LOGON_ID,
            "point_amount": "0.00",
        }
        if trade.paid_at:
            params["gmt_payment"] = beijing(trade.paid_at)
        if trade.refunds:
            params["refund_fee"] = yuan(trade.refunded_fen)
            params["gmt_refund"] = beijing(trade.refunds[-1].at)
            params["out_biz_no"] = trade.refunds[-1].out_request_no
        params.update(changes)
        return self.signed(params, signer=signer)

    def signed(self, params: dict[str, str], *, signer: KeyPair | None = None) -> dict[str, str]:
        text = signing_text(params, leave_out=("sign", "sign_type"))
        return {**params, "sign": (signer or self.alipay_keys).sign(text)}

    def send(self, params: dict[str, str]) -> tuple[int, str]:
        """Post a notification to its trade's notify_url, form-encoded, as Alipay does."""
        trade = self.trades[params["out_trade_no"]]
        request = Request(
            trade.notify_url,
            data=urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        )
        try:
            with urlopen(request, timeout=30) as response:
                answer = (response.status, response.read().decode())
        except OSError as error:
            answer = (getattr(error, "code", 0), str(error))
        self.notify_answers.append(answer)
        return answer

    # Server calls -----------------------------------------------------------------------

    def _trade(self, biz: dict[str, Any]) -> Trade | None:
        if biz.get("out_trade_no"):
            return self.trades.get(biz["out_trade_no"])
        return next((t for t in self.trades.values() if t.trade_no == biz.get("trade_no")), None)

    def _query(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self._trade(biz)
        if trade is None:
            return _failed("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在")
        amount = yuan(trade.amount_fen)
        answer = {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_logon_id": BUYER_LOGON_ID,
            "trade_status": trade.status,
            "total_amount": amount,
            "buyer_pay_amount": "0.00" if trade.paid_at is None else amount,
            "point_amount": "0.00",
            "invoice_amount": "0.00" if trade.paid_at is None else amount,
            "receipt_amount": "0.00" if trade.paid_at is None else amount,
            "buyer_user_id": BUYER_ID,
        }
        if trade.paid_at:
            answer["send_pay_date"] = beijing(trade.paid_at)
        return answer

    def _close(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self._trade(biz)
        if trade is None:
            return _failed("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在")
        if trade.status != "WAIT_BUYER_PAY":
            return _failed("40004", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        trade.status = "TRADE_CLOSED"
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
        }

    def _refund(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self._trade(biz)
        if trade is None:
            return _failed("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在")
        request_no = biz.get("out_request_no") or trade.out_trade_no
        amount_fen = fen_of(biz["refund_amount"])
        earlier = next((r for r in trade.refunds if r.out_request_no == request_no), None)
        if earlier is not None and earlier.amount_fen != amount_fen:
            return _failed("40004", "ACQ.DISCORDANT_REPEAT_REQUEST", "请求信息不一致")
        if earlier is None:
            if trade.status != "TRADE_SUCCESS":
                return _failed("40004", "ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
            if amount_fen <= 0 or trade.refunded_fen + amount_fen > trade.amount_fen:
                return _failed("40004", "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
            trade.refunds.append(FakeRefund(request_no, amount_fen, self.clock()))
            if trade.refunded_fen == trade.amount_fen:
                trade.status = "TRADE_CLOSED"
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_logon_id": BUYER_LOGON_ID,
            # Y only when this call moved money: a repeat of a refund made says N.
            "fund_change": "N" if earlier else "Y",
            "refund_fee": yuan(trade.refunded_fen),
            "gmt_refund_pay": beijing((earlier or trade.refunds[-1]).at),
            "buyer_user_id": BUYER_ID,
        }

    def _refund_query(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self._trade(biz)
        if trade is None:
            return _failed("40004", "ACQ.TRADE_NOT_EXIST", "交易不存在")
        refund = next((r for r in trade.refunds if r.out_request_no == biz["out_request_no"]), None)
        answer = {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
        }
        if refund is not None:  # none: "not received or failed", as Alipay words it
            answer |= {
                "out_request_no": refund.out_request_no,
                "total_amount": yuan(trade.amount_fen),
                "refund_amount": yuan(refund.amount_fen),
                "refund_status": "REFUND_SUCCESS",
            }
        return answer

    def _bill_url(self, biz: dict[str, Any]) -> dict[str, Any]:
        if biz.get("bill_type") != "trade":
            return _failed("40004", "isp.bill_type_not_support", "账单类型不支持")
        day = date.fromisoformat(biz["bill_date"])
        if day >= datetime.now(BEIJING).date():
            return _failed("40004", "isp.bill_not_exist", "账单不存在")
        path = f"/bill/{next(self._ids)}.csv.zip"
        self._bills[path] = self.bill(day)
        return {"code": "10000", "msg": "Success", "bill_download_url": f"{self.base_url}{path}"}

    def bill(self, day: date) -> bytes:
        """The day's trade bill as Alipay zips it."""
        rows = []
        for trade in self.trades.values():
            if trade.paid_at and trade.paid_at.astimezone(BEIJING).date() == day:
                rows.append(self._bill_row(trade, "交易", trade.amount_fen, trade.paid_at, ""))
            for refund in trade.refunds:
                if refund.at.astimezone(BEIJING).date() == day:
                    rows.append(
                        self._bill_row(
                            trade, "退款", -refund.amount_fen, refund.at, refund.out_request_no
                        )
                    )
        detail = io.StringIO()
        detail.write("#支付宝业务明细查询\n")
        detail.write(f"#账号：[{SELLER_ID}0156]\n")
        end = day + timedelta(days=1)
        detail.write(
            f"#起始日期：[{day:%Y年%m月%d日} 00:00:00]   终止日期：[{end:%Y年%m月%d日} 00:00:00]\n"
        )
        detail.write(
            "#-----------------------------------------业务明细列表----------------------------------------\n"
        )
        writer = csv.writer(detail, lineterminator="\n")
        writer.writerow(BILL_HEADER)
        writer.writerows(rows)
        payments = [row for row in rows if row[2] == "交易"]
        refunds = len(rows) - len(payments)
        detail.write(
            "#-----------------------------------------业务明细列表结束------------------------------------\n"
        )
        detail.write(
            f"#交易合计：{len(payments)}笔，退款合计：{refunds}笔\n"
            f"#导出时间：[{datetime.now(BEIJING):%Y年%m月%d日 %H:%M:%S}]\n"
        )
        summary = (
            "#支付宝业务汇总查询\n门店编号,门店名称,交易订单总笔数,退款订单总笔数\n"
            f"合计,,{len(payments)},{refunds}\n"
        )
        archive = io.BytesIO()
        prefix = f"{SELLER_ID}0156_{day:%Y%m%d}"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bill:
            bill.writestr(GbkName(f"{prefix}_业务明细.csv"), detail.getvalue().encode("gbk"))
            bill.writestr(GbkName(f"{prefix}_业务明细(汇总).csv"), summary.encode("gbk"))
        return archive.getvalue()

    @staticmethod
    def _bill_row(
        trade: Trade, kind: str, amount_fen: int, at: datetime, request_no: str
    ) -> list[str]:
        fee_fen = (abs(amount_fen) * FEE_PER_MILLE + 500) // 1000
        return [
            f"{trade.trade_no}\t",
            f"{trade.out_trade_no}\t",
            kind,
            trade.subject,
            beijing(trade.created_at),
            beijing(at),
            "",
            "",
            "",
            "",
            BUYER_LOGON_ID,
            yuan(amount_fen),
            yuan(amount_fen),
            "0.00",
            "0.00",
            "0.00",
            "0.00",
            "0.00",
            "",
            "0.00",
            "0.00",
            f"{request_no}\t" if request_no else "",
            # A payment's fee is taken (negative); a refund gives its share back.
            yuan(-fee_fen if amount_fen > 0 else fee_fen),
            "0.00",
            "",
        ]


BILL_HEADER = (
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "创建时间",
    "完成时间",
    "门店编号",
    "门店名称",
    "操作员",
    "终端号",
    "对方账户",
    "订单金额（元）",
    "商家实收（元）",
    "支付宝红包（元）",
    "集分宝（元）",
    "支付宝优惠（元）",
    "商家优惠（元）",
    "券核销金额（元）",
    "券名称",
    "商家红包消费金额（元）",
    "卡消费金额（元）",
    "退款批次号/请求号",
    "服务费（元）",
    "分润（元）",
    "备注",
)


class GbkName(zipfile.ZipInfo):
    """A member whose name is written in GBK without the UTF-8 flag, as Alipay's are."""

    def _encodeFilenameFlags(self):  # zipfile's own hook, hence its name
        return self.filename.encode("gbk"), self.flag_bits


def _failed(code: str, sub_code: str, sub_msg: str) -> dict[str, str]:
    return {"code": code, "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}


def _page(title: str, content: str, *, raw: bool = False) -> bytes:
    body = content if raw else f"<p>{escape(content)}</p>"
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width"><title>{title}</title></head>'
        f"<body><h1>{title}</h1>{body}</body></html>"
    ).encode()


@contextmanager
def serving_fake(fake: FakeAlipay) -> Iterator[FakeAlipay]:
    """``fake`` served on a free loopback port while the block runs."""

    class Handler(QuietHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            path, _, query = self.path.partition("?")
            status, content_type, payload, headers = fake.handle(self.command, path, query, body)
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _handle

    with serving(Handler) as base_url:
        fake.base_url = base_url
        yield fake
