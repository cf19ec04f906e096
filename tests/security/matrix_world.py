"""A small township for the authorisation matrix: every role's user, and one
of every object a URL can name, built once through the real services.

"a" objects belong to ``buyer`` and ``member`` (producer A); "b" objects to
``buyer2`` and ``member2`` (producer B), so a cell for buyer2 or member2 on an
"a" URL is the "changes an id in the URL" case of DESIGN §8.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group
from django.utils import timezone

from aid_accounting.ledger.models import Account, Entry, Transaction
from aid_accounting.payouts.batches import draft_batch
from aid_accounting.payouts.models import PayoutBatch
from aid_accounting.periods.close import close_period
from aid_accounting.rules.models import AidPool
from aid_accounting.rules.versions import set_rule
from aid_accounting.transparency.notices import (
    generate_notices,
    publish_notice,
    review_notice,
    submit_objection,
)
from core.roles import AID_OFFICER, AUDITOR, BUYER, TOWNSHIP_EDITOR
from producers.access import provision_producer
from producers.models import MemberProfile, PortalActivity, ProducerMembership
from shop.catalogue.models import ProductCertificate
from shop.orders.checkout import ShippingAddress, place_order
from shop.orders.models import Address
from shop.payments.models import Payment
from shop.payments.services import payment_succeeded, start_payment
from tests.aid_accounting.factories import HouseholdFactory, ProducerPayoutAccountFactory
from tests.aid_accounting.sales import deliver
from tests.factories import (
    ProducerPageFactory,
    ProductPageFactory,
    ProductVariantFactory,
    UserFactory,
    VillageFactory,
)

# The order of the matrix's columns.
ROLES = ("anon", "buyer", "buyer2", "member", "member2", "editor", "officer", "auditor")

ADDRESS = ShippingAddress(
    recipient="王示例",
    mobile="13812345678",
    province="北京市",
    city="北京市",
    district="朝阳区",
    street="示例路1号",
)


def at(day: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.fromisoformat(f"{day}T10:00"))


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


def _staff(username: str, group: str):
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=group))
    return user


def _buyer(username: str):
    return _staff(username, BUYER)


def _paid_order(variant, *, user, paid_at: datetime.datetime):
    order = place_order(
        items=[(variant.pk, 1)], email=user.email, address=ADDRESS, gateway="dummy", user=user
    )
    payment, _start = start_payment(order=order)
    payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen, paid_at=paid_at)
    order.refresh_from_db()
    return order, payment


def build_world() -> World:
    world = World()
    objects = world.objects
    village = VillageFactory(name="姜庄村", code="jiangzhuang")
    objects["village"] = village
    households = [
        HouseholdFactory(registration_number=f"LGZ-M-{n}", village=village) for n in (1, 2)
    ]
    objects["household"] = households[0]
    pool = AidPool.objects.create(name="重点村帮扶资金池")
    pool.villages.add(village)
    objects["pool"] = pool

    for side in ("a", "b"):
        page = ProducerPageFactory()
        product = ProductPageFactory(parent=page, title=f"番茄{side}")
        variant = ProductVariantFactory(product=product, stock=100)
        draft = ProductPageFactory(parent=page, title=f"草稿{side}", live=False)
        member = UserFactory(username=f"member_{side}")
        ProducerMembership.objects.create(producer=page.producer, user=member)
        provision_producer(page.producer)
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
        world.users["buyer" if side == "a" else "buyer2"] = _buyer(f"buyer_{side}")

    objects["rule"] = set_rule(
        producer=objects["producer_a"], pool=pool, share_bp=2500, valid_from=at("2026-01-01").date()
    )
    world.users.update(
        editor=_staff("editor", TOWNSHIP_EDITOR),
        officer=_staff("officer", AID_OFFICER),
        auditor=_staff("auditor", AUDITOR),
    )
    officer2 = _staff("officer2", AID_OFFICER)

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
    objects["period"] = close_period(period="2026-10", now=at("2026-11-02")).period
    objects["batch"] = draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=world.users["officer"])
    objects["payout_row"] = objects["batch"].rows.first()
    notices = generate_notices(period=objects["period"])
    objects["notice"] = publish_notice(
        notice=review_notice(notice=notices[0], actor=officer2), actor=officer2
    )
    objects["objection"] = submit_objection(
        notice=objects["notice"], name="张三", contact="13800000000", message="有误"
    )

    # November: B's order is paid but not shipped, so its shipment can still be shipped.
    order, payment = _paid_order(
        objects["variant_b"], user=world.users["buyer2"], paid_at=at("2026-11-05")
    )
    objects["shipment_b"] = order.shipments.get()
    objects["shipment_a"] = objects["order_a"].shipments.get()
    # A second shipment of A's, still to ship, for the portal's ship action.
    order, payment = _paid_order(
        objects["variant_a"], user=world.users["buyer"], paid_at=at("2026-11-05")
    )
    objects["pending_shipment_a"] = order.shipments.get()
    # An order of buyer's still awaiting its dummy payment, for the pay and payment pages.
    order = place_order(
        items=[(objects["variant_a"].pk, 1)],
        email=world.users["buyer"].email,
        address=ADDRESS,
        gateway="dummy",
        user=world.users["buyer"],
    )
    objects["unpaid_order_a"] = order
    objects["pending_payment_a"], _start = start_payment(order=order)
    # A Stripe payment of A's order, already settled, so its pages never call Stripe.
    objects["stripe_payment_a"] = Payment.objects.create(
        order=objects["order_a"],
        gateway="stripe",
        status=Payment.Status.SUCCEEDED,
        amount_fen=objects["order_a"].total_fen,
        idempotency_key="matrix-stripe-a",
    )

    objects["transaction"] = Transaction.objects.filter(kind=Transaction.Kind.ACCRUAL).first()
    objects["entry"] = Entry.objects.first()
    objects["account"] = Account.objects.first()
    objects["payout_account"] = ProducerPayoutAccountFactory(producer=objects["producer_a"])
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
    return world
