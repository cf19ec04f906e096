"""Stripe under test, with no network and no real keys.

- ``localstripe``: the fake Stripe server, started by the tests on a free loopback
  port, for what it implements (card PaymentIntents, declines, refunds, events).
- ``stripe_stub``: a small recorded-response server for what localstripe cannot do
  (Alipay and WeChat Pay confirmation, pending refunds, a cancel Stripe refuses,
  disputes' charges, the balance listed by date); it also records each request,
  so tests can check the parameters and idempotency keys we send.
- ``deliver``: posts a webhook event to our endpoint, signed as Stripe signs it.
"""

import hashlib
import hmac
import itertools
import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
from django.test import Client

from shop.orders.checkout import place_order
from shop.orders.models import Order
from shop.orders.ownership import SESSION_KEY
from shop.payments.models import Payment
from shop.payments.services import start_payment
from tests.conftest import needs_service
from tests.shop.payments.loopback import QuietHandler, serving

WEBHOOK_URL = "/payments/stripe/webhook/"  # fixed: it is registered at Stripe
WEBHOOK_SECRET = "whsec_test_local"

# localstripe's own CLI binds every interface and reloads state pickled in /tmp;
# this binds loopback only, and stops the pickling of every write to /tmp.
LOCALSTRIPE = """
import sys
from aiohttp import web
from localstripe.resources import Store
from localstripe.server import app
Store.dump_to_disk = lambda self: None
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(base_url: str) -> bool:
    try:
        urllib.request.urlopen(f"{base_url}/v1/balance", timeout=1)
    except urllib.error.HTTPError:
        return True  # 401 without a key: it is up
    except OSError:
        return False
    return True


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a localstripe server running for the whole session."""
    workdir = tmp_path_factory.mktemp("localstripe")
    log = workdir / "localstripe.log"
    base_url = f"http://127.0.0.1:{(port := _free_port())}"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", LOCALSTRIPE, str(port)],
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while not _answers(base_url):
            if server.poll() is not None or time.monotonic() > deadline:
                needs_service(f"localstripe did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@dataclass
class StubRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]  # as sent: flat keys such as "metadata[order_number]"


# Stripe's answer when an intent cannot be cancelled in its state.
UNEXPECTED_STATE = (
    "You cannot cancel this PaymentIntent because it has a status of {status}. Only a "
    "PaymentIntent with one of the following statuses may be canceled: "
    "requires_payment_method, requires_capture, requires_confirmation, requires_action, "
    "processing."
)
CANCELLABLE = ("requires_payment_method", "requires_capture", "requires_confirmation")


@dataclass
class StripeStub:
    """Answers like Stripe for PaymentIntents (Alipay redirect, WeChat Pay QR code;
    retrieve, with ``latest_charge`` expanded; cancel), charges, refunds and the
    balance's transactions, from responses shaped as Stripe documents them. Tests
    move an intent on as the buyer and Stripe would (``settle``, ``decline``,
    ``process``)."""

    base_url: str = ""
    requests: list[StubRequest] = field(default_factory=list)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    balance: list[dict[str, Any]] = field(default_factory=list)
    refund_status: str = "pending"
    error: str = ""  # when set, the next create fails with this message
    refuse_key: bool = False  # when set, every request is refused as with a revoked key
    page_size: int = 100  # at most this many items a page, whatever the limit asked
    now: int | None = None  # Stripe's clock (Unix time) when set, else the real one
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def answer(self, request: StubRequest) -> tuple[int, dict[str, Any]]:
        self.requests.append(request)
        method, path = request.method, request.path
        if self.refuse_key:
            return 401, {
                "error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}
            }
        if method == "POST" and self.error:
            message, self.error = self.error, ""
            return 400, {"error": {"type": "invalid_request_error", "message": message}}
        if method == "POST" and path == "/v1/payment_intents":
            intent = self._intent(request.form)
            self.intents[intent["id"]] = intent
            return 200, intent
        if path.startswith("/v1/payment_intents/"):
            intent_id, _, action = path.removeprefix("/v1/payment_intents/").partition("/")
            intent = self.intents.get(intent_id)
            if intent is not None and method == "GET" and not action:
                return 200, self._expanded(intent, request.form)
            if intent is not None and method == "POST" and action == "cancel":
                return self._cancel(intent)
        if method == "GET" and path.startswith("/v1/charges/"):
            charge = self.charges.get(path.rsplit("/", 1)[1])
            if charge is not None:
                return 200, charge
        if method == "POST" and path == "/v1/refunds":
            return 200, self._refund(request.form)
        if method == "GET" and path == "/v1/balance_transactions":
            return 200, self._balance_page(request.form)
        return 404, {"error": {"type": "invalid_request_error", "message": "No such object"}}

    def clock(self) -> int:
        return int(time.time()) if self.now is None else self.now

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}_stub{next(self._ids)}"

    def _intent(self, form: dict[str, str]) -> dict[str, Any]:
        intent_id = self._next_id("pi")
        method = form["payment_method_types[0]"]
        intent: dict[str, Any] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "amount_received": 0,
            "created": self.clock(),
            "currency": form["currency"],
            "client_secret": f"{intent_id}_secret_stub",
            "metadata": {
                key[len("metadata[") : -1]: value
                for key, value in form.items()
                if key.startswith("metadata[")
            },
            "payment_method_types": [method],
            "status": "requires_payment_method",
            "cancellation_reason": None,
            "last_payment_error": None,
            "latest_charge": None,
            "next_action": None,
        }
        if form.get("confirm") == "true" and method == "alipay":
            intent["status"] = "requires_action"
            intent["next_action"] = {
                "type": "alipay_handle_redirect",
                "alipay_handle_redirect": {
                    "native_data": None,
                    "native_url": None,
                    "return_url": form["return_url"],
                    "url": f"https://hooks.stripe.com/redirect/authenticate/src_{intent_id}",
                },
            }
        elif form.get("confirm") == "true" and method == "wechat_pay":
            intent["status"] = "requires_action"
            intent["next_action"] = {
                "type": "wechat_pay_display_qr_code",
                "wechat_pay_display_qr_code": {
                    "data": f"weixin://wxpay/bizpayurl?pr={intent_id}",
                    "hosted_instructions_url": f"https://pay.stripe.com/wechat/{intent_id}",
                    "image_data_url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==",
                    "image_url_png": f"https://qr.stripe.com/{intent_id}.png",
                    "image_url_svg": f"https://qr.stripe.com/{intent_id}.svg",
                },
            }
        return intent

    def _expanded(self, intent: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
        expand = {value for key, value in form.items() if key.startswith("expand[")}
        if "latest_charge" in expand and intent["latest_charge"]:
            return {**intent, "latest_charge": self.charges[intent["latest_charge"]]}
        return intent

    def _cancel(self, intent: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        # Stripe cancels a processing intent only "in rare cases"; this one never does.
        if intent["status"] not in (*CANCELLABLE, "requires_action"):
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "payment_intent_unexpected_state",
                    "message": UNEXPECTED_STATE.format(status=intent["status"]),
                    "payment_intent": intent,
                }
            }
        intent.update(status="canceled", cancellation_reason="requested_by_customer")
        intent["next_action"] = None
        return 200, intent

    def _refund(self, form: dict[str, str]) -> dict[str, Any]:
        refund = {
            "id": self._next_id("re"),
            "object": "refund",
            "amount": int(form["amount"]),
            "created": self.clock(),
            "currency": "cny",
            "payment_intent": form["payment_intent"],
            "status": self.refund_status,
        }
        self.refunds[refund["id"]] = refund
        # The refund leaves the balance when it is created, even while pending.
        self.add_transaction("refund", source=refund["id"], amount=-refund["amount"])
        return refund

    def settle(self, intent_id: str, *, fee: int = 0, kind: str = "charge") -> dict[str, Any]:
        """The buyer paid: the intent succeeds with a charge, which enters the balance."""
        intent = self.intents[intent_id]
        charge = self.add_charge(intent_id=intent_id, amount=intent["amount"], fee=fee, kind=kind)
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            latest_charge=charge["id"],
            next_action=None,
        )
        return charge

    def decline(self, intent_id: str, message: str) -> None:
        """The buyer's attempt failed: the intent waits for another payment method."""
        self.intents[intent_id].update(
            status="requires_payment_method",
            next_action=None,
            last_payment_error={
                "type": "card_error",
                "code": "payment_method_provider_decline",
                "message": message,
            },
        )

    def process(self, intent_id: str) -> None:
        """The payment was submitted and its outcome is not known yet."""
        self.intents[intent_id].update(status="processing", next_action=None)

    def add_charge(
        self, *, intent_id: str | None, amount: int, fee: int = 0, kind: str = "charge"
    ) -> dict[str, Any]:
        charge = {
            "id": self._next_id("ch" if kind == "charge" else "py"),
            "object": "charge",
            "amount": amount,
            "amount_captured": amount,
            "created": self.clock(),
            "currency": "cny",
            "paid": True,
            "payment_intent": intent_id,
            "status": "succeeded",
        }
        self.charges[charge["id"]] = charge
        self.add_transaction(kind, source=charge["id"], amount=amount, fee=fee)
        return charge

    def add_transaction(
        self, kind: str, *, source: str, amount: int, fee: int = 0, currency: str = "cny"
    ) -> dict[str, Any]:
        transaction = {
            "id": self._next_id("txn"),
            "object": "balance_transaction",
            "amount": amount,
            "created": self.clock(),
            "currency": currency,
            "fee": fee,
            "net": amount - fee,
            "source": source,
            "status": "pending",
            "type": kind,
        }
        self.balance.append(transaction)
        return transaction

    def _balance_page(self, form: dict[str, str]) -> dict[str, Any]:
        """Newest first, as Stripe lists them, within created[gte]/created[lt]."""
        gte, lt = int(form.get("created[gte]", 0)), int(form.get("created[lt]", 2**40))
        listed = sorted(
            (txn for txn in self.balance if gte <= txn["created"] < lt),
            key=lambda txn: (txn["created"], txn["id"]),
            reverse=True,
        )
        if "starting_after" in form:
            ids = [txn["id"] for txn in listed]
            listed = listed[ids.index(form["starting_after"]) + 1 :]
        size = min(int(form.get("limit", 10)), self.page_size)
        expand = {value for key, value in form.items() if key.startswith("expand[")}
        sources = self.charges | self.refunds
        return {
            "object": "list",
            "url": "/v1/balance_transactions",
            "has_more": len(listed) > size,
            "data": [
                {**txn, "source": sources.get(txn["source"], txn["source"])}
                if "data.source" in expand
                else txn
                for txn in listed[:size]
            ],
        }

    def intent_requests(self) -> list[StubRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/payment_intents"]


@pytest.fixture
def stripe_stub() -> Iterator[StripeStub]:
    stub = StripeStub()

    class Handler(QuietHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            path, _, query = self.path.partition("?")
            status, payload = stub.answer(
                StubRequest(
                    method=self.command,
                    path=path,
                    headers=dict(self.headers.items()),
                    form=dict(parse_qsl(body or query)),
                )
            )
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _handle

    with serving(Handler) as base_url:
        stub.base_url = base_url
        yield stub


@pytest.fixture
def stripe_keys(settings):
    """Stripe configured as the gateway, with test keys and no server."""
    settings.PAYMENT_GATEWAYS = ["stripe"]
    settings.STRIPE_SECRET_KEY = "sk_test_local"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_local"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = ""
    return settings


@pytest.fixture
def on_localstripe(stripe_keys, localstripe: str):
    stripe_keys.STRIPE_API_BASE = localstripe
    return stripe_keys


@pytest.fixture
def on_stub(stripe_keys, stripe_stub: StripeStub) -> StripeStub:
    stripe_keys.STRIPE_API_BASE = stripe_stub.base_url
    return stripe_stub


def sign(payload: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A Stripe-Signature header: t=<time>,v1=HMAC-SHA256(secret, "<time>.<payload>")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


Deliver = Callable[..., Any]


@pytest.fixture
def deliver(stripe_keys) -> Deliver:
    """Post an event (a dict, or a raw body) to the webhook, signed unless told otherwise."""

    def post(event: dict[str, Any] | str, *, signature: str | None = None, client=None):
        payload = event if isinstance(event, str) else json.dumps(event)
        return (client or Client()).post(
            WEBHOOK_URL,
            data=payload,
            content_type="application/json",
            headers={"Stripe-Signature": sign(payload) if signature is None else signature},
        )

    return post


_event_ids = itertools.count()


def intent_event(
    payment: Payment,
    event_type: str = "payment_intent.succeeded",
    *,
    amount: int | None = None,
    currency: str = "cny",
    created: int | None = None,
) -> dict[str, Any]:
    """A PaymentIntent event for our payment, shaped as Stripe sends it."""
    amount = payment.amount_fen if amount is None else amount
    succeeded = event_type == "payment_intent.succeeded"
    return {
        "id": f"evt_test{next(_event_ids)}_{payment.pk}",
        "object": "event",
        "api_version": "2025-09-30.clover",
        "created": int(time.time()) if created is None else created,
        "livemode": False,
        "type": event_type,
        "data": {
            "object": {
                "id": payment.external_id,
                "object": "payment_intent",
                "amount": amount,
                "amount_received": amount if succeeded else 0,
                "currency": currency,
                "metadata": {"order_number": payment.order.number, "payment_id": str(payment.pk)},
                "payment_method_types": [payment.method],
                "status": "succeeded" if succeeded else "requires_payment_method",
                "last_payment_error": None
                if succeeded
                else {"code": "payment_method_provider_decline", "message": "付款被拒绝"},
            }
        },
    }


@pytest.fixture
def stripe_order(two_producers, address) -> Order:
    """An order awaiting payment through Stripe: 3 tomatoes and 2 bags."""
    tomato, bag = two_producers
    return place_order(
        items=[(tomato.pk, 3), (bag.pk, 2)],
        email="buyer@example.com",
        address=address,
        gateway="stripe",
    )


@pytest.fixture
def alipay_payment(on_stub: StripeStub, stripe_order: Order) -> Payment:
    payment, _start = start_payment(order=stripe_order, method="alipay")
    return payment


@pytest.fixture
def wechat_payment(on_stub: StripeStub, stripe_order: Order) -> Payment:
    payment, _start = start_payment(order=stripe_order, method="wechat_pay")
    return payment


@pytest.fixture
def buyer_client(client, stripe_order: Order):
    """The guest who placed ``stripe_order`` (the order is in their session)."""
    session = client.session
    session[SESSION_KEY] = [stripe_order.number]
    session.save()
    return client
