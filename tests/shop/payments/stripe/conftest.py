"""Stripe under test, with no network and no real keys.

- ``localstripe``: the fake Stripe server, started by the tests on a free loopback
  port, for what it implements (card PaymentIntents, declines, refunds, events).
- ``stripe_stub``: a small recorded-response server for what localstripe cannot do
  (Alipay and WeChat Pay confirmation, pending refunds); it also records each
  request, so tests can check the parameters and idempotency keys we send.
- ``deliver``: posts a webhook event to our endpoint, signed as Stripe signs it.
"""

import hashlib
import hmac
import itertools
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


@dataclass
class StripeStub:
    """Answers like Stripe for PaymentIntents (Alipay redirect, WeChat Pay QR code)
    and refunds, from responses shaped as Stripe documents them."""

    base_url: str = ""
    requests: list[StubRequest] = field(default_factory=list)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refund_status: str = "pending"
    error: str = ""  # when set, the next create fails with this message
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def answer(self, request: StubRequest) -> tuple[int, dict[str, Any]]:
        self.requests.append(request)
        if request.method == "POST" and self.error:
            message, self.error = self.error, ""
            return 400, {"error": {"type": "invalid_request_error", "message": message}}
        if request.method == "POST" and request.path == "/v1/payment_intents":
            intent = self._intent(request.form)
            self.intents[intent["id"]] = intent
            return 200, intent
        if request.method == "GET" and request.path.startswith("/v1/payment_intents/"):
            intent = self.intents.get(request.path.rsplit("/", 1)[1])
            if intent is not None:
                return 200, intent
        if request.method == "POST" and request.path == "/v1/refunds":
            refund_id = f"re_stub{next(self._ids)}"
            return 200, {
                "id": refund_id,
                "object": "refund",
                "amount": int(request.form["amount"]),
                "payment_intent": request.form["payment_intent"],
                "status": self.refund_status,
            }
        return 404, {"error": {"type": "invalid_request_error", "message": "No such object"}}

    def _intent(self, form: dict[str, str]) -> dict[str, Any]:
        intent_id = f"pi_stub{next(self._ids)}"
        method = form["payment_method_types[0]"]
        intent: dict[str, Any] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "amount_received": 0,
            "currency": form["currency"],
            "client_secret": f"{intent_id}_secret_stub",
            "metadata": {
                key[len("metadata[") : -1]: value
                for key, value in form.items()
                if key.startswith("metadata[")
            },
            "payment_method_types": [method],
            "status": "requires_payment_method",
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

    def intent_requests(self) -> list[StubRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/v1/payment_intents"]


@pytest.fixture
def stripe_stub() -> Iterator[StripeStub]:
    stub = StripeStub()

    class Handler(BaseHTTPRequestHandler):
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

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


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
