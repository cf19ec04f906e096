"""axe-core on the storefront, the purchase, the notices and the portal: no
serious or critical violation. On the phone viewport only and once per page,
to keep CI lean; the journeys exercise the desktop layout."""

import re

import pytest

from aid_accounting.notices import publication as notices
from aid_accounting.periods.close import close_period
from aid_accounting.periods.models import AccountingPeriod
from core.roles import SYSTEM
from tests.e2e.conftest import PHONE
from tests.e2e.steps import blocking_violations, choose_region, log_in_to_portal
from tests.e2e.world import (
    PASSWORD,
    aid_officers,
    aid_pool_for,
    last_month,
    portal_member,
    sales_last_month,
)
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import CategoryFactory, ProductPageFactory, ProductVariantFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def township():
    """A tomato on sale under an aid rule; last month's sales closed and their
    notice published; a villager who may use the portal."""
    farm = ProducerPageFactory(producer__name="姜庄合作社")
    tomato = ProductVariantFactory(
        product=ProductPageFactory(
            title="大棚番茄", parent=farm, category=CategoryFactory(slug="vegetables", name="蔬菜")
        ),
        name="5斤装",
        price_fen=3980,
        stock=50,
    )
    aid_pool_for(producer=farm.producer, village_name="姜庄村")
    sales_last_month([(tomato, 2)])
    officer, _second = aid_officers()
    close_period(actor=SYSTEM, period=last_month().code)
    for notice in notices.generate_notices(actor=SYSTEM, period=AccountingPeriod.objects.get()):
        notices.review_notice(notice=notice, actor=officer)
        notices.publish_notice(notice=notice, actor=officer)
    portal_member(farm.producer, mobile="13900001111")


def test_the_main_pages_have_no_serious_accessibility_violations(browser, live_server, township):
    page = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
    page.set_default_timeout(15_000)
    found = []

    def audit(path: str | None = None) -> None:
        """Audit ``path`` (or the page as it is) and keep what axe found."""
        if path is not None:
            page.goto(f"{live_server.url}{path}")
        found.extend(blocking_violations(page))

    audit("/")
    audit("/categories/")
    audit("/categories/vegetables/")
    audit("/search/?q=番茄")
    page.get_by_role("link", name="大棚番茄").first.click()
    audit()
    page.get_by_role("button", name="加入购物车").click()
    page.wait_for_url(re.compile(r"/cart/$"))
    audit()
    page.get_by_role("link", name="去结算").click()
    audit()
    page.get_by_label("电子邮箱").fill("buyer@example.com")
    page.get_by_label("收货人").fill("王示例")
    page.get_by_label("手机号码").fill("138 1234 5678")
    choose_region(page)
    page.get_by_label("详细地址").fill("示例路1号")
    page.get_by_role("button", name="提交订单并付款").click()
    page.get_by_role("button", name="支付成功").wait_for()
    audit()  # the dummy gateway's payment page
    page.get_by_role("button", name="支付成功").click()
    page.wait_for_url(re.compile(r"/orders/LG"))
    audit()
    audit("/accounts/login/")
    audit("/accounts/signup/")
    audit("/accounts/login/code/")
    audit("/find-order/")
    audit("/notices/")
    page.get_by_role("link", name=re.compile("期间分配公示")).first.click()
    audit()
    audit("/portal/login/")
    log_in_to_portal(page, live_server, "13900001111", PASSWORD)
    audit()
    # The portal's four tabs on the smallest phone, in English's longer words:
    # none pushed off screen (the tab row would scroll on its own).
    page.set_viewport_size({"width": 360, "height": 740})
    audit("/en/portal/")
    assert page.evaluate(
        "(tabs => tabs.scrollWidth <= tabs.clientWidth)(document.querySelector('.portal-tabs'))"
    )

    assert not found, "axe found serious or critical violations:\n" + "\n".join(found)
