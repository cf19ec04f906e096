"""A unit's paid order from two producers (tomatoes 3 × 39.80, bags 2 × 9.90,
each parcel with its shipping fee): the bags' producer issues its own 发票,
the township issues the tomatoes'."""

from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from producers.models import Producer
from shop.invoicing.models import InvoiceRequest
from shop.orders.checkout import place_order
from shop.orders.models import Order
from shop.payments.services import payment_succeeded, start_payment
from tests.shop.factories import UnitMembershipFactory
from tests.township import add_member

TAX_NUMBER = "91371581MA3C00000R"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf(content: bytes = PDF, name: str = "fapiao.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def pay(order: Order) -> Order:
    payment, _ = start_payment(order=order)
    payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)
    order.refresh_from_db()
    return order


@dataclass
class UnitSale:
    order: Order
    member: object
    unit: object
    tomato_producer: Producer
    bag_producer: Producer
    bag_member: object  # acts for the bags' producer in the portal

    def part(self, producer: Producer) -> int:
        """The producer's lines less refunds, plus its parcel's fee: from the fields."""
        shipment = self.order.shipments.get(producer=producer)
        lines = sum(line.total_fen - line.refunded_fen for line in shipment.lines.all())
        return lines + shipment.shipping_fen


def unit_order(two_producers, address, membership) -> Order:
    tomato, bag = two_producers
    return pay(
        place_order(
            items=[(tomato.pk, 3), (bag.pk, 2)],
            email="",
            address=address,
            gateway="dummy",
            user=membership.user,
            buying_unit_id=membership.unit.pk,
        )
    )


@pytest.fixture
def sale(two_producers, address) -> UnitSale:
    tomato, bag = two_producers
    bag_producer = bag.product.producer
    bag_producer.invoice_issuer = Producer.InvoiceIssuer.PRODUCER
    bag_producer.save()
    membership = UnitMembershipFactory(unit__name="临清市总工会", unit__tax_number=TAX_NUMBER)
    return UnitSale(
        order=unit_order(two_producers, address, membership),
        member=membership.user,
        unit=membership.unit,
        tomato_producer=tomato.product.producer,
        bag_producer=bag_producer,
        bag_member=add_member(bag_producer),
    )


@pytest.fixture
def request_fields():
    return {
        "kind": InvoiceRequest.Kind.NORMAL,
        "title": "临清市总工会",
        "tax_number": TAX_NUMBER,
        "email": "caiwu@example.com",
    }
