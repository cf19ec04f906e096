"""A villager lists a product in the portal, the township editor approves it
in the admin, a buyer finds and buys it, and the villager ships the parcel
from the portal (issues 6 and 8)."""

import re

import pytest
from playwright.sync_api import expect

from shop.catalogue.models import ProductPage
from shop.orders.models import Shipment
from tests.e2e.conftest import DESKTOP
from tests.e2e.steps import check_out_and_pay, log_in_to_admin, log_in_to_portal
from tests.e2e.world import PASSWORD, portal_member, staff_user
from tests.factories import jpeg_bytes
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import CategoryFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def township():
    producer_page = ProducerPageFactory()
    portal_member(producer_page.producer, mobile="13900001111")
    staff_user("editor", "township_editor")
    CategoryFactory(slug="vegetables", name="蔬菜")
    return producer_page


def test_a_villager_lists_a_product_the_editor_approves_a_buyer_buys_and_the_villager_ships(
    browser, page, live_server, township, tmp_path
):
    photo = tmp_path / "tomato.jpg"
    photo.write_bytes(jpeg_bytes(3000, 2000))

    # The villager, on the viewport under test, lists a product from a camera-sized photo.
    log_in_to_portal(page, live_server, "139 0000 1111", PASSWORD)
    page.get_by_role("link", name="上架新商品").first.click()
    page.get_by_label("商品名称").fill("姜庄樱桃番茄")
    page.get_by_label("或从相册选").set_input_files(photo)
    page.get_by_label("分类").select_option(label="蔬菜")
    page.get_by_label("一句话介绍").fill("小果型，酸甜适口")
    page.get_by_label("规格").first.fill("3斤装")
    page.get_by_label("价格（元）").first.fill("29.90")
    page.get_by_label("单位").first.fill("箱")
    page.get_by_label("现有库存").first.fill("40")
    page.get_by_role("button", name="保存并提交审核").click()
    page.wait_for_url(re.compile(r"/portal/products/$"))

    product = ProductPage.objects.get(title="姜庄樱桃番茄")
    assert not product.live
    assert product.current_workflow_task_state is not None
    assert max(product.image.width, product.image.height) <= 2000

    # The township editor approves it in the admin, at a desk.
    admin = browser.new_context(viewport=DESKTOP).new_page()
    admin.set_default_timeout(15_000)
    log_in_to_admin(admin, live_server, "editor", PASSWORD)
    admin.goto(f"{live_server.url}/admin/pages/{product.pk}/edit/")
    # The workflow actions sit in the footer's drop-down; Wagtail's script acts on the click.
    admin.locator('[data-workflow-action-name="approve"]').first.dispatch_event("click")
    admin.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
    admin.context.close()

    product.refresh_from_db()
    assert product.live

    # A guest, in a browser of their own, finds it, sees the listed details and buys two boxes.
    buyer = browser.new_context(locale="zh-CN", viewport=page.viewport_size).new_page()
    buyer.set_default_timeout(15_000)
    buyer.goto(f"{live_server.url}/search/?q=樱桃番茄")
    buyer.get_by_role("link", name="姜庄樱桃番茄").first.click()
    expect(buyer.locator("main")).to_contain_text("¥29.90")
    expect(buyer.get_by_role("radio", name="3斤装")).to_be_checked()
    buyer.get_by_label("数量").fill("2")
    buyer.get_by_role("button", name="加入购物车").click()
    buyer.wait_for_url(re.compile(r"/cart/$"))
    check_out_and_pay(buyer)
    order_number = buyer.url.rstrip("/").rsplit("/", 1)[-1]
    buyer.context.close()

    # The villager sees the paid order waiting and ships it with a courier.
    page.goto(f"{live_server.url}/portal/")
    page.get_by_role("link", name="待发货订单").click()
    parcel = page.get_by_role("article", name=f"订单 {order_number}")
    expect(parcel).to_contain_text("姜庄樱桃番茄 · 3斤装")
    expect(parcel).to_contain_text("× 2")
    parcel.get_by_label("快递公司").select_option("顺丰速运")
    parcel.get_by_label("运单号").fill("sf 1234 5678 901")
    parcel.get_by_role("button", name="确认发货").click()
    expect(page.get_by_role("status")).to_contain_text(f"订单 {order_number} 已发货")
    expect(page.get_by_text("现在没有要发的货。")).to_be_visible()

    shipment = Shipment.objects.get(order__number=order_number)
    assert shipment.status == Shipment.Status.SHIPPED
    assert (shipment.carrier, shipment.tracking_number) == ("顺丰速运", "SF12345678901")

    # The header's 退出 is there on a phone too (the portal has no tab bar).
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r"/portal/login/$"))
