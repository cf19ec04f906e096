"""A canteen's member, on a phone, issues the canteen's yearly aid certificate,
downloads its PDF and opens its verification page, which confirms it; after a
refund the same page reports what changed (issue 18)."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from aid_accounting.certificates.models import AidCertificate
from aid_accounting.periods.close import close_period
from core.roles import SYSTEM, TOWNSHIP_EDITOR
from shop.orders.models import Order
from tests.e2e.steps import signed_in_context
from tests.e2e.world import aid_pool_for, last_month, sales_last_month
from tests.factories import UserFactory
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import (
    BuyingUnitFactory,
    ProductPageFactory,
    ProductVariantFactory,
    UnitMembershipFactory,
)
from tests.township import add_staff, refund

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def canteen():
    """A canteen that bought 3 boxes of tomatoes (¥119.40, 25% of it, ¥29.85,
    to 姜庄村's three households) early last month, charged to this year's
    budget; last month closed. Returns the member and the order."""
    farm = ProducerPageFactory(producer__name="姜庄合作社")
    tomato = ProductVariantFactory(
        product=ProductPageFactory(title="大棚番茄", parent=farm), price_fen=3980, stock=50
    )
    aid_pool_for(producer=farm.producer, village_name="姜庄村", share_bp=2500)
    unit = BuyingUnitFactory(name="刘垓子镇中心学校食堂")
    member = UserFactory(username="canteen")
    UnitMembershipFactory(unit=unit, user=member)
    sales_last_month([(tomato, 3)])
    order = Order.objects.get()
    # Last month's order, charged to its year's budget (checkout for units is
    # helper B's part of issue 18).
    Order.objects.filter(pk=order.pk).update(buying_unit=unit, budget_year=last_month().start.year)
    close_period(actor=SYSTEM, period=last_month().code)
    return member, order


def test_a_member_issues_the_certificate_and_its_page_confirms_then_reports_a_refund(
    browser, live_server, canteen, tmp_path
):
    member, order = canteen
    year = last_month().start.year
    context = signed_in_context(browser, live_server, member)
    page = context.new_page()
    page.set_default_timeout(15_000)

    page.goto(f"{live_server.url}/account/orders/")
    page.get_by_role("link", name="刘垓子镇中心学校食堂").click()
    if year != timezone.localdate().year:
        page.get_by_role("link", name=str(year), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("刘垓子镇中心学校食堂 年度帮扶证明")
    page.get_by_role("button", name="生成帮扶证明").click()
    expect(page.get_by_text("帮扶证明已生成，可以下载 PDF。")).to_be_visible()
    certificate = AidCertificate.objects.get()

    with page.expect_download() as download:
        page.get_by_role("link", name="下载 PDF").click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    assert "刘垓子镇中心学校食堂" in text and "¥119.40" in text and "¥29.85" in text
    assert certificate.code in text

    page.get_by_role("link", name="核验").click()
    expect(page.get_by_role("heading", name="✓ 一致")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    refund(order, staff=add_staff(TOWNSHIP_EDITOR), line=order.lines.get(), quantity=1)
    page.reload()

    expect(page.get_by_role("heading", name="与账簿不一致")).to_be_visible()
    changed = page.get_by_role("row").filter(has_text="带动帮扶资金")
    expect(changed.get_by_role("cell").nth(1)).to_have_text("¥29.85")
    expect(changed.get_by_role("cell").nth(2)).to_have_text("¥19.90")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    call_command("aid_reconcile")
    context.close()
