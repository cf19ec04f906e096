"""A buying unit's member, on a phone, orders in the unit's name and pays,
requests a 发票; the producer's member, on a phone too, records it with its
PDF in the portal; the unit's member downloads it."""

import re
from pathlib import Path

import pytest
from django.utils import translation
from playwright.sync_api import expect

from producers.models import Producer
from shop.invoicing.models import InvoiceRequest
from shop.orders.models import Cart, CartLine, Order
from tests.e2e.conftest import PHONE_360
from tests.e2e.steps import log_in_to_portal, phone_findings
from tests.e2e.test_checkout import signed_in_context
from tests.e2e.world import PASSWORD, portal_member
from tests.shop.factories import AddressFactory, UnitMembershipFactory
from tests.township import add_variant

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PDF = "%PDF-1.4\n% 临清市总工会 fapiao\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".encode()


def test_a_unit_member_orders_requests_an_invoice_and_downloads_it(browser, live_server, tmp_path):
    variant = add_variant("小米", name="5斤装", price_fen=4500, stock=20)
    producer = variant.product.producer
    producer.invoice_issuer = Producer.InvoiceIssuer.PRODUCER
    producer.save()
    issuer = portal_member(producer)
    membership = UnitMembershipFactory(
        unit__name="临清市总工会", unit__tax_number="91371581MA3C00000R"
    )
    member = membership.user
    AddressFactory(user=member)
    cart = Cart.objects.create(user=member)
    CartLine.objects.create(cart=cart, variant=variant, quantity=4)

    buyer = signed_in_context(browser, live_server, member).new_page()
    buyer.set_default_timeout(15_000)
    buyer.goto(f"{live_server.url}/checkout/")
    buyer.get_by_role("radio", name="为「临清市总工会」采购").check()
    buyer.get_by_role("button", name="提交订单并付款").click()
    buyer.get_by_role("button", name="支付成功").click()
    buyer.wait_for_url(re.compile(r"/orders/LG"))
    expect(buyer.get_by_text("为「临清市总工会」采购")).to_be_visible()
    order = Order.objects.get()
    assert (order.status, order.buying_unit) == ("paid", membership.unit)

    buyer.goto(f"{live_server.url}/account/invoices/new/")
    buyer.get_by_role("link", name="临清市总工会").click()
    buyer.get_by_role("checkbox", name=re.compile(order.number)).check()
    expect(buyer.get_by_label("发票抬头")).to_have_value("临清市总工会")
    buyer.get_by_label("接收邮箱").fill("caiwu@example.com")
    assert phone_findings(buyer) == []
    buyer.get_by_role("button", name="提交申请").click()
    buyer.wait_for_url(re.compile(r"/account/invoices/$"))
    expect(buyer.get_by_text("待开票")).to_be_visible()
    request = InvoiceRequest.objects.get()
    assert request.amount_fen == order.total_fen

    portal = browser.new_context(locale="zh-CN", viewport=PHONE_360, has_touch=True).new_page()
    portal.set_default_timeout(15_000)
    with translation.override("zh-hans"):
        log_in_to_portal(portal, live_server, "13900001111", PASSWORD)
    portal.get_by_role("link", name="发票").click()
    card = portal.locator(f"#invoice-{request.pk}")
    card.get_by_label("发票号码").fill("00012345")
    upload = tmp_path / "fapiao.pdf"
    upload.write_bytes(PDF)
    card.get_by_label("发票PDF").set_input_files(str(upload))
    assert phone_findings(portal) == []
    card.get_by_role("button", name="登记发票").click()
    expect(portal.get_by_text("发票已登记")).to_be_visible()
    assert issuer.pk == InvoiceRequest.objects.get().decided_by_id

    buyer.goto(f"{live_server.url}/account/invoices/")
    expect(buyer.get_by_text("已开票")).to_be_visible()
    with buyer.expect_download() as download:
        buyer.get_by_role("link", name="下载发票").click()
    assert Path(download.value.path()).read_bytes() == PDF
