"""factory-boy factories for every model of the shop app: the catalogue, carts
and orders, payments. Money is in integer fen.

Orders made here are rows, not sales: their lines and totals hold the
database's constraints but no stock is taken and no aid accrues. A test of a
sale places and pays it through the shop's services (``tests.township.sell``).
"""

import datetime

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from shop.accounts.models import BuyerPhone, OrderLookupCode
from shop.aftersales.models import AfterSalesPhoto, AfterSalesRequest, AfterSalesStep, Kind
from shop.catalogue.models import (
    Category,
    HomePage,
    PageCacheGeneration,
    ProductCertificate,
    ProductPage,
    ProductPhoto,
    ProductVariant,
)
from shop.documents.models import PrivateDocument
from shop.institutions.models import BuyingUnit, UnitMembership
from shop.invoicing.models import InvoiceRequest, InvoiceRequestOrder
from shop.orders.models import (
    Address,
    BuyerProfile,
    Cart,
    CartLine,
    Order,
    OrderEvent,
    OrderLine,
    Shipment,
    ShippingPolicy,
)
from shop.payments.models import (
    GatewayStatement,
    GatewayStatementLine,
    Payment,
    Refund,
    StatementDifference,
    WebhookEvent,
)
from tests.factories import ImageFactory, PageFactory, UserFactory, jpeg_bytes
from tests.producers.factories import ProducerFactory, ProducerPageFactory

# A deliverable address, as the order and address forms take it.
ADDRESS_FIELDS = {
    "recipient": "王示例",
    "mobile": "13812345678",
    "province": "北京市",
    "city": "北京市",
    "district": "朝阳区",
    "street": "示例路1号",
}


class HomePageFactory(factory.django.DjangoModelFactory):
    """The site has one home page (``max_count = 1``), made by a migration:
    this returns it."""

    class Meta:
        model = HomePage

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return HomePage.objects.get()


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = "vegetables"
    name = "蔬菜"
    return_policy = Category.ReturnPolicy.QUALITY_ONLY
    return_window_days = 2
    ship_within_days = 2


class ProductPageFactory(PageFactory):
    class Meta:
        model = ProductPage

    title = factory.Sequence(lambda n: f"大棚番茄{n}号")
    slug = factory.Sequence(lambda n: f"product-{n}")
    summary = "自然成熟的大棚番茄"
    category = factory.SubFactory(CategoryFactory)
    parent = factory.SubFactory(ProducerPageFactory)


class ProductPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductPhoto

    product = factory.SubFactory(ProductPageFactory)
    image = factory.SubFactory(ImageFactory)
    caption = "大棚里"


class ProductVariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVariant

    product = factory.SubFactory(ProductPageFactory)
    name = factory.Sequence(lambda n: f"{n + 1}斤装")
    price_fen = 3980
    stock = 10


class ProductCertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCertificate

    product = factory.SubFactory(ProductPageFactory)
    number = factory.Sequence(lambda n: f"CERT-{n}")
    issuing_body = "示例农业农村局"
    valid_from = datetime.date(2026, 1, 1)
    valid_to = datetime.date(2027, 1, 1)


class PrivateDocumentFactory(factory.django.DjangoModelFactory):
    """An editor's upload: a CSV naming a household with its ID number."""

    class Meta:
        model = PrivateDocument

    title = factory.Sequence(lambda n: f"名单{n}")
    file = factory.LazyFunction(
        lambda: ContentFile("户主,身份证号\n王某,110101199003074578\n".encode(), name="名单.csv")
    )


class CartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cart

    user = factory.SubFactory(UserFactory)


class CartLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CartLine

    cart = factory.SubFactory(CartFactory)
    variant = factory.SubFactory(ProductVariantFactory)
    quantity = 1


class BuyerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BuyerProfile

    user = factory.SubFactory(UserFactory)
    mobile = "13812345678"


class BuyingUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BuyingUnit

    name = factory.Sequence(lambda n: f"临清市第{n}中学食堂")
    kind = BuyingUnit.Kind.CANTEEN
    invoice_title = factory.SelfAttribute("name")
    tax_number = "91371581MA3C00000R"  # a valid 统一社会信用代码


class UnitMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitMembership

    unit = factory.SubFactory(BuyingUnitFactory)
    user = factory.SubFactory(UserFactory)


class BuyerPhoneFactory(factory.django.DjangoModelFactory):
    """A buyer's verified log-in number."""

    class Meta:
        model = BuyerPhone

    user = factory.SubFactory(UserFactory)
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    verified = True
    verified_at = factory.LazyFunction(timezone.now)


class AddressFieldsFactory(factory.django.DjangoModelFactory):
    """ADDRESS_FIELDS, for the models with an address (AddressFields)."""

    class Meta:
        abstract = True

    recipient = ADDRESS_FIELDS["recipient"]
    mobile = ADDRESS_FIELDS["mobile"]
    province = ADDRESS_FIELDS["province"]
    city = ADDRESS_FIELDS["city"]
    district = ADDRESS_FIELDS["district"]
    street = ADDRESS_FIELDS["street"]


class AddressFactory(AddressFieldsFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    is_default = True


class ShippingPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShippingPolicy

    producer = factory.SubFactory(ProducerFactory)
    flat_fee_fen = 1000
    free_over_fen = 9900


class PageCacheGenerationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PageCacheGeneration

    value = 1


class OrderFactory(AddressFieldsFactory):
    """An order awaiting payment by the dummy gateway, with no lines of its own."""

    class Meta:
        model = Order

    number = factory.Sequence(lambda n: f"TEST{n:010d}")
    email = "buyer@example.com"
    gateway = "dummy"
    subtotal_fen = 3980
    shipping_fen = 1000
    total_fen = factory.LazyAttribute(lambda order: order.subtotal_fen + order.shipping_fen)
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(minutes=30))


class OrderLookupCodeFactory(factory.django.DjangoModelFactory):
    """A 查订单 code just sent (its hash only: ``shop.accounts.lookup`` makes real ones)."""

    class Meta:
        model = OrderLookupCode

    order = factory.SubFactory(OrderFactory)
    code_hash = "0" * 64
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(minutes=5))


class ShipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shipment

    order = factory.SubFactory(OrderFactory)
    producer = factory.SubFactory(ProducerFactory)
    shipping_fen = 1000


class OrderLineFactory(factory.django.DjangoModelFactory):
    """A line of ``variant``, in the shipment of the variant's producer."""

    class Meta:
        model = OrderLine

    variant = factory.SubFactory(ProductVariantFactory)
    shipment = factory.SubFactory(
        ShipmentFactory, producer=factory.SelfAttribute("..variant.product.producer")
    )
    order = factory.SelfAttribute("shipment.order")
    producer = factory.SelfAttribute("variant.product.producer")
    category = factory.SelfAttribute("variant.product.category")
    product_title = factory.SelfAttribute("variant.product.title")
    variant_name = factory.SelfAttribute("variant.name")
    unit_price_fen = factory.SelfAttribute("variant.price_fen")
    quantity = 1
    total_fen = factory.LazyAttribute(lambda line: line.unit_price_fen * line.quantity)
    return_policy = factory.SelfAttribute("category.return_policy")
    return_window_days = factory.SelfAttribute("category.return_window_days")


class OrderEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrderEvent

    order = factory.SubFactory(OrderFactory)
    kind = "placed"
    to_status = Order.Status.AWAITING_PAYMENT


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    order = factory.SubFactory(OrderFactory)
    gateway = "dummy"
    amount_fen = factory.SelfAttribute("order.total_fen")
    idempotency_key = factory.Sequence(lambda n: f"test-payment-{n}")


class RefundFactory(factory.django.DjangoModelFactory):
    """A pending refund of the whole payment."""

    class Meta:
        model = Refund

    payment = factory.SubFactory(PaymentFactory)
    order = factory.SelfAttribute("payment.order")
    amount_fen = factory.SelfAttribute("payment.amount_fen")
    reason = "质量问题"
    idempotency_key = factory.Sequence(lambda n: f"test-refund-{n}")


class WebhookEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEvent

    gateway = "stripe"
    event_id = factory.Sequence(lambda n: f"evt_test_factory_{n}")
    event_type = "payment_intent.succeeded"


class GatewayStatementFactory(factory.django.DjangoModelFactory):
    """A day's statement that matched (no lines: nothing was paid that day)."""

    class Meta:
        model = GatewayStatement

    gateway = "dummy"
    day = factory.Sequence(lambda n: datetime.date(2026, 10, 1) + datetime.timedelta(days=n))
    fetched_at = factory.LazyFunction(timezone.now)
    status = GatewayStatement.Status.MATCHED


class GatewayStatementLineFactory(factory.django.DjangoModelFactory):
    """A line the shop has no payment for."""

    class Meta:
        model = GatewayStatementLine

    statement = factory.SubFactory(GatewayStatementFactory)
    kind = GatewayStatementLine.Kind.PAYMENT
    merchant_reference = factory.Sequence(lambda n: f"LG261010ABCDEFP{n}")
    external_id = factory.Sequence(lambda n: f"dummy_{n}")
    amount_fen = 3980
    fee_fen = 24
    occurred_at = factory.LazyFunction(timezone.now)


class StatementDifferenceFactory(factory.django.DjangoModelFactory):
    """A payment at the gateway the shop has no record of."""

    class Meta:
        model = StatementDifference

    statement = factory.SubFactory(
        GatewayStatementFactory, status=GatewayStatement.Status.DIFFERENCES
    )
    kind = StatementDifference.Kind.MISSING_IN_SHOP
    merchant_reference = factory.Sequence(lambda n: f"LG261010ABCDEFP{n}")
    external_id = factory.Sequence(lambda n: f"dummy_{n}")
    gateway_amount_fen = 3980


class InvoiceRequestFactory(factory.django.DjangoModelFactory):
    """A request for an ordinary invoice, as the buyer's form leaves it (no parts)."""

    class Meta:
        model = InvoiceRequest

    requested_by = factory.SubFactory(UserFactory)
    producer = factory.SubFactory(ProducerFactory)
    issuer = "township"
    kind = InvoiceRequest.Kind.NORMAL
    title = "临清市总工会"
    tax_number = "91371581MA3C00000R"
    email = "caiwu@example.com"
    amount_fen = 5000


class InvoiceRequestOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceRequestOrder

    request = factory.SubFactory(InvoiceRequestFactory)
    order = factory.SubFactory(OrderFactory)
    amount_fen = 5000


class AfterSalesRequestFactory(factory.django.DjangoModelFactory):
    """An open quality claim on one unit of a line (rows only: the rules are in
    shop.aftersales.actions)."""

    class Meta:
        model = AfterSalesRequest

    line = factory.SubFactory(OrderLineFactory)
    order = factory.SelfAttribute("line.order")
    kind = Kind.QUALITY
    quantity = 1
    reason = "番茄压坏了"


class AfterSalesPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AfterSalesPhoto

    request = factory.SubFactory(AfterSalesRequestFactory)
    file = factory.LazyFunction(lambda: ContentFile(jpeg_bytes(), name="photo.jpg"))


class AfterSalesStepFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AfterSalesStep

    request = factory.SubFactory(AfterSalesRequestFactory)
    kind = "opened"
    role = "buyer"
