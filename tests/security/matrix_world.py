"""A small township for the authorisation matrix: every role's user, and one
of every object a URL can name, built once through the real services.

"a" objects belong to ``buyer`` and ``member`` (producer A); "b" objects to
``buyer2`` and ``member2`` (producer B), so a cell for buyer2 or member2 on an
"a" URL is the "changes an id in the URL" case of DESIGN §8.
"""

import datetime
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.test import Client
from django.utils import timezone

from aid_accounting.certificates.issue import issue_certificate
from aid_accounting.ledger.models import Account, Entry, Transaction
from aid_accounting.notices.publication import (
    generate_notices,
    publish_notice,
    review_notice,
    submit_objection,
)
from aid_accounting.payouts.batches import draft_batch
from aid_accounting.payouts.models import PayoutBatch
from aid_accounting.periods.close import close_period
from core.roles import AID_OFFICER, AUDITOR, BUYER, SYSTEM, TOWNSHIP_EDITOR
from producers.models import MemberProfile, PortalActivity
from shop.aftersales.actions import open_request
from shop.aftersales.models import Kind
from shop.catalogue.models import ProductCertificate
from shop.invoicing.models import InvoiceRequest
from shop.invoicing.services import issue_invoice, request_invoice
from shop.orders.links import order_token
from shop.orders.models import Address
from shop.payments.models import GatewayStatement, Payment, StatementDifference
from tests.aid_accounting.factories import PayoutAccountChangeFactory, ProducerPayoutAccountFactory
from tests.factories import ImageFactory, UserFactory, jpeg_bytes
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import (
    PrivateDocumentFactory,
    ProductPageFactory,
    ProductVariantFactory,
    UnitMembershipFactory,
)
from tests.township import (
    ADDRESS,
    add_households,
    add_key_village,
    add_member,
    add_pool,
    add_rule,
    add_staff,
    at,
    deliver,
    sell,
    unpaid_order,
)

# The order of the matrix's columns.
ROLES = ("anon", "buyer", "buyer2", "member", "member2", "editor", "officer", "auditor")


@dataclass
class World:
    users: dict[str, Any] = field(default_factory=dict)
    # Named objects, for the URLs' arguments ("order_a", "product_b", ...).
    objects: dict[str, Any] = field(default_factory=dict)
    # Each role's session key, once logged in.
    sessions: dict[str, str] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.objects[name]
        except KeyError:
            raise AttributeError(name) from None


def _paid_order(variant, *, user, paid_at: datetime.datetime):
    order = sell([(variant, 1)], user=user, paid_at=paid_at)
    return order, order.payments.get()


def build_world() -> World:
    world = World()
    objects = world.objects
    objects["village"] = village = add_key_village()
    objects["household"] = add_households(village, prefix="LGZ-M", members=(3, 3))[0]
    objects["pool"] = pool = add_pool(village)

    for side in ("a", "b"):
        page = ProducerPageFactory()
        product = ProductPageFactory(parent=page, title=f"番茄{side}")
        variant = ProductVariantFactory(product=product, stock=100)
        draft = ProductPageFactory(parent=page, title=f"草稿{side}", live=False)
        member = add_member(page.producer, UserFactory(username=f"member_{side}"))
        objects.update(
            {
                f"producer_{side}": page.producer,
                f"producer_page_{side}": page,
                f"product_{side}": product,
                f"draft_product_{side}": draft,
                f"variant_{side}": variant,
            }
        )
        world.users["member" if side == "a" else "member2"] = member
        world.users["buyer" if side == "a" else "buyer2"] = add_staff(
            BUYER, username=f"buyer_{side}"
        )

    objects["rule"] = add_rule(objects["producer_a"], pool)
    world.users.update(
        editor=add_staff(TOWNSHIP_EDITOR, username="editor"),
        officer=add_staff(AID_OFFICER, username="officer"),
        auditor=add_staff(AUDITOR, username="auditor"),
    )
    officer2 = add_staff(AID_OFFICER, username="officer2")

    # October: each buyer buys from "their" producer; A's sale accrues aid.
    for side, buyer in (("a", world.users["buyer"]), ("b", world.users["buyer2"])):
        order, payment = _paid_order(
            objects[f"variant_{side}"], user=buyer, paid_at=at("2026-10-10")
        )
        objects[f"order_{side}"] = order
        objects[f"payment_{side}"] = payment
        objects[f"address_{side}"] = Address.objects.create(
            user=buyer, is_default=True, **ADDRESS.__dict__
        )
    deliver(objects["order_a"], at=at("2026-10-12"))
    objects["period"] = close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-02")).period
    notices = generate_notices(actor=SYSTEM, period=objects["period"])
    # Published at the close, so its window is over and the households can be paid.
    objects["notice"] = publish_notice(
        notice=review_notice(notice=notices[0], actor=officer2),
        actor=officer2,
        now=at("2026-11-02"),
    )
    objects["batch"] = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=world.users["officer"])
    objects["payout_row"] = objects["batch"].rows.first()
    objects["objection"] = submit_objection(
        notice=objects["notice"],
        name="张三",
        contact="13800000000",
        message="有误",
        now=at("2026-11-03"),
    )

    # November: B's order is paid but not shipped, so its shipment can still be shipped.
    order, payment = _paid_order(
        objects["variant_b"], user=world.users["buyer2"], paid_at=at("2026-11-05")
    )
    objects["shipment_b"] = order.shipments.get()
    objects["shipment_a"] = objects["order_a"].shipments.get()
    # The signed link to A's order that its messages carry.
    objects["order_a_link"] = SimpleNamespace(token=order_token(objects["order_a"]))
    # A second shipment of A's, still to ship, for the portal's ship action.
    order, payment = _paid_order(
        objects["variant_a"], user=world.users["buyer"], paid_at=at("2026-11-05")
    )
    objects["pending_shipment_a"] = order.shipments.get()
    # An order of buyer's still awaiting its dummy payment, for the pay and payment pages.
    objects["unpaid_order_a"], objects["pending_payment_a"] = unpaid_order(
        objects["variant_a"], user=world.users["buyer"]
    )
    # A Stripe payment of A's order, already settled, so its pages never call Stripe.
    objects["stripe_payment_a"] = Payment.objects.create(
        order=objects["order_a"],
        gateway="stripe",
        status=Payment.Status.SUCCEEDED,
        amount_fen=objects["order_a"].total_fen,
        idempotency_key="matrix-stripe-a",
    )
    # The same for Alipay: its return page asks Alipay only about a pending payment.
    objects["alipay_payment_a"] = Payment.objects.create(
        order=objects["order_a"],
        gateway="alipay",
        status=Payment.Status.SUCCEEDED,
        amount_fen=objects["order_a"].total_fen,
        idempotency_key="matrix-alipay-a",
    )

    # And a WeChat Pay one, settled too, so its pages never call WeChat Pay.
    objects["wechatpay_payment_a"] = Payment.objects.create(
        order=objects["order_a"],
        gateway="wechatpay",
        method="native",
        status=Payment.Status.SUCCEEDED,
        amount_fen=objects["order_a"].total_fen,
        idempotency_key="matrix-wechatpay-a",
    )

    # A day's statement with a difference to explain. Written directly: reconciling runs
    # in a durable transaction of its own, and the world is built inside one.
    objects["statement"] = GatewayStatement.objects.create(
        gateway="dummy",
        day=datetime.date(2026, 10, 10),
        fetched_at=at("2026-10-11"),
        status=GatewayStatement.Status.DIFFERENCES,
    )
    objects["difference"] = StatementDifference.objects.create(
        statement=objects["statement"],
        kind=StatementDifference.Kind.MISSING_AT_GATEWAY,
        merchant_reference=objects["payment_a"].merchant_reference,
        shop_amount_fen=objects["payment_a"].amount_fen,
    )

    objects["transaction"] = Transaction.objects.filter(kind=Transaction.Kind.ACCRUAL).first()
    objects["entry"] = Entry.objects.first()
    objects["account"] = Account.objects.first()
    objects["payout_account"] = ProducerPayoutAccountFactory(producer=objects["producer_a"])
    objects["account_change"] = PayoutAccountChangeFactory(
        household=objects["household"], requested_by=world.users["officer"]
    )
    objects["certificate"] = ProductCertificate.objects.create(
        product=objects["product_a"],
        number="CERT-1",
        issuing_body="示例农业农村局",
        valid_from=datetime.date(2026, 1, 1),
        valid_to=datetime.date(2027, 1, 1),
    )
    objects["member_profile"] = MemberProfile.objects.create(
        user=world.users["member"], mobile="19911110001"
    )
    objects["activity"] = PortalActivity.objects.create(
        user=world.users["member"], producer=objects["producer_a"], action="stock", summary="＋1"
    )
    objects["category"] = objects["product_a"].category
    objects["document"] = PrivateDocumentFactory(uploaded_by_user=world.users["editor"])
    objects["image"] = ImageFactory()
    # A buying unit of buyer A's, with this year's aid certificate.
    objects["buying_unit"] = unit = UnitMembershipFactory(user=world.users["buyer"]).unit
    objects["aid_certificate"] = issue_certificate(
        unit=unit, year=timezone.localdate().year, actor=world.users["buyer"]
    )
    # A quality claim on A's delivered line, with its photo, opened the day after delivery.
    objects["line_a"] = objects["order_a"].lines.get()
    objects["aftersales_a"] = open_request(
        order_id=objects["order_a"].pk,
        line_id=objects["line_a"].pk,
        kind=Kind.QUALITY,
        quantity=1,
        reason="番茄压坏了",
        photos=[ContentFile(jpeg_bytes(), name="photo.jpg")],
        actor=world.users["buyer"],
        now=at("2026-10-13"),
    )
    objects["aftersales_photo_a"] = objects["aftersales_a"].photos.get()
    # A 发票 over A's order, which producer A issues itself (in the portal): issued, with its PDF.
    producer_a = objects["producer_a"]
    producer_a.invoice_issuer = producer_a.InvoiceIssuer.PRODUCER
    producer_a.save(update_fields=["invoice_issuer"])
    (invoice,) = request_invoice(
        actor=world.users["buyer"],
        order_ids=[objects["order_a"].pk],
        kind=InvoiceRequest.Kind.NORMAL,
        title="买家甲",
        email="buyer@example.com",
    )
    objects["invoice_a"] = issue_invoice(
        actor=world.users["member"],
        request_id=invoice.pk,
        number="INV-1",
        issued_on=datetime.date(2026, 10, 20),
        amount_fen=invoice.amount_fen,
        pdf=ContentFile(b"%PDF-1.4 matrix", name="invoice.pdf"),
    )
    return world


def client_for(world: World, role: str) -> Client:
    """A client logged in as ``role`` (the world's session for it), or anonymous."""
    client = Client()
    if role != "anon":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    return client
