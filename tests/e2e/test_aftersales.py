"""After-sales at phone size (issue 18): a buyer files a quality claim with a
photo, the producer proposes a partial refund in the portal, the buyer accepts;
the refund goes through the dummy gateway and the aid reversal is in the books."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from aid_accounting.accrual.models import AidReversal, LineAccrual
from aid_accounting.rules.allocation import aid_reversed_after
from shop.aftersales.models import AfterSalesRequest, Status
from shop.payments.models import Refund
from tests.e2e.conftest import PHONE_360
from tests.e2e.steps import blocking_violations, log_in_to_portal, signed_in_context
from tests.e2e.world import PASSWORD, township
from tests.factories import UserFactory, jpeg_bytes
from tests.township import assert_books_check_out, deliver, sell

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_quality_claim_partly_refunded_on_a_phone(browser, live_server, tmp_path):
    tomato = township()
    buyer = UserFactory(username="buyer", email="buyer@example.com")
    order = sell([(tomato, 2)], user=buyer)
    deliver(order, at=timezone.now() - datetime.timedelta(hours=3))
    photo = tmp_path / "crushed.jpg"
    photo.write_bytes(jpeg_bytes(1200, 900))

    # The buyer, on a 360-px phone, opens the order and files a claim with a photo.
    buyer_page = signed_in_context(browser, live_server, buyer).new_page()
    buyer_page.set_default_timeout(15_000)
    buyer_page.goto(f"{live_server.url}/orders/{order.number}/")
    buyer_page.get_by_role("link", name="申请售后").click()
    buyer_page.get_by_label("质量问题").check()
    buyer_page.get_by_label("数量").fill("1")
    buyer_page.get_by_label("问题描述").fill("一箱番茄压坏了一半")
    buyer_page.get_by_label("照片").set_input_files(photo)
    assert fits_the_screen(buyer_page)
    assert blocking_violations(buyer_page) == []
    buyer_page.screenshot(path=tmp_path / "claim-form-360.png", full_page=True)
    buyer_page.get_by_role("button", name="提交申请").click()
    buyer_page.wait_for_url(re.compile(r"/aftersales/\d+/$"))
    expect(buyer_page.locator(".facts")).to_contain_text("待生产者处理")
    request = AfterSalesRequest.objects.get()
    assert request.photos.count() == 1

    # The villager proposes ¥15 back in the portal, on a phone too.
    portal = browser.new_context(locale="zh-CN", viewport=PHONE_360, has_touch=True).new_page()
    portal.set_default_timeout(15_000)
    log_in_to_portal(portal, live_server, "13900001111", PASSWORD)
    portal.get_by_role("link", name="售后").click()
    portal.get_by_role("link", name="去处理").click()
    expect(portal.get_by_role("img", name="照片 1")).to_be_visible()
    assert fits_the_screen(portal)
    assert blocking_violations(portal) == []
    portal.screenshot(path=tmp_path / "portal-answer-360.png", full_page=True)
    portal.get_by_label("提议部分退款").check()
    portal.get_by_label("部分退款金额（元）").fill("15.00")
    portal.get_by_role("button", name="提交").click()
    expect(portal.locator(".facts")).to_contain_text("待买家确认部分退款")

    # The buyer accepts; the money goes back through the order's gateway.
    buyer_page.reload()
    assert blocking_violations(buyer_page) == []
    buyer_page.screenshot(path=tmp_path / "request-proposed-360.png", full_page=True)
    buyer_page.get_by_role("button", name="接受部分退款").click()
    expect(buyer_page.locator(".facts")).to_contain_text("已同意退款")
    expect(buyer_page.locator(".facts")).to_contain_text("¥15.00 · 已退款")

    request.refresh_from_db()
    assert request.status == Status.REFUNDED
    refund = request.refund
    assert (refund.status, refund.amount_fen, refund.quantity) == (
        Refund.Status.SUCCEEDED,
        1500,
        0,
    )
    accrual = LineAccrual.objects.get(line=request.line)
    reversal = AidReversal.objects.get(refund=refund)
    assert reversal.aid_fen == aid_reversed_after(
        aid_fen=accrual.aid_fen, line_total_fen=accrual.line_total_fen, refunded_fen=1500
    )
    assert reversal.aid_fen > 0
    assert_books_check_out()
