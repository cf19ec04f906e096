"""The buyers' way to the aid figures on a phone: footer → 帮扶成效 → open data
with its charts (drawn by static/js/open_data.js under the strict CSP) →
notices; and the portal's 售罄 confirmation. axe finds nothing serious, and
no page scrolls sideways at 360 px."""

import re

import pytest

from tests.e2e.conftest import PHONE_360
from tests.e2e.steps import blocking_violations, log_in_to_portal
from tests.e2e.world import PASSWORD, last_month, township

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def tomato():
    """The township (tests.e2e.world): a month of open data with a distribution."""
    return township()


def test_from_the_footer_to_the_open_data_charts_and_the_notices(browser, live_server, tomato):
    page = browser.new_context(locale="zh-CN", viewport=PHONE_360).new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    # A CSP refusal is a console error; failed loads are checked by their responses,
    # less /favicon.ico (the storefront's own issue, not these pages').
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and errors.append(m.text)
        ),
    )
    page.on(
        "response",
        lambda r: (
            r.status >= 400
            and not r.url.endswith("/favicon.ico")
            and errors.append(f"{r.status} {r.url}")
        ),
    )
    found = []

    page.goto(f"{live_server.url}/")
    page.get_by_role("contentinfo").get_by_role("link", name="帮扶成效与公示").click()
    page.wait_for_url(re.compile(r"/impact/$"))
    assert page.get_by_role("heading", name="帮扶成效", level=1).is_visible()
    assert page.evaluate(SIDEWAYS) == 0
    found += blocking_violations(page)

    page.get_by_role("link", name=re.compile("按月公开数据")).click()
    page.wait_for_url(re.compile(r"/impact/open-data/$"))
    # The charts' section shows once Chart.js has drawn both charts.
    page.locator(".open-data-charts").wait_for(state="visible")
    drawn = page.evaluate(
        "() => ['open-data-chart-sales', 'open-data-chart-distributed']"
        ".map(id => Boolean(window.Chart.getChart(id)))"
    )
    assert drawn == [True, True]
    month = last_month().code
    assert page.locator("details[open] summary").first.inner_text().startswith(month)
    assert page.get_by_role("row", name=re.compile("姜庄村")).first.is_visible()
    assert page.evaluate(SIDEWAYS) == 0
    found += blocking_violations(page)

    page.get_by_role("link", name="帮扶成效").first.click()
    page.get_by_role("link", name=re.compile("帮扶资金分配公示")).click()
    page.wait_for_url(re.compile(r"/notices/$"))
    found += blocking_violations(page)

    page.goto(f"{live_server.url}/en/impact/")
    assert page.evaluate(SIDEWAYS) == 0

    assert not errors, errors
    assert not found, "axe found serious or critical violations:\n" + "\n".join(found)


def test_sold_out_asks_before_the_stock_is_zeroed(browser, live_server, tomato):
    page = browser.new_context(locale="zh-CN", viewport=PHONE_360).new_page()
    page.set_default_timeout(15_000)
    log_in_to_portal(page, live_server, "13900001111", PASSWORD)
    assert page.evaluate(SIDEWAYS) == 0
    found = blocking_violations(page)

    page.get_by_role("link", name=re.compile("我的商品和库存")).click()
    page.get_by_role("link", name="售罄").click()
    page.get_by_role("heading", name="确认售罄").wait_for()
    found += blocking_violations(page)
    page.get_by_role("link", name="不改了，返回").click()
    page.wait_for_url(re.compile(r"/portal/products/#variant-"))
    tomato.refresh_from_db()
    assert tomato.stock == 48

    page.get_by_role("link", name="售罄").click()
    page.get_by_role("button", name="确认售罄，库存清零").click()
    page.wait_for_url(re.compile(r"/portal/products/#variant-"))
    assert page.get_by_text("已售罄，买家暂时买不到了").first.is_visible()
    tomato.refresh_from_db()
    assert tomato.stock == 0
    assert not found, "axe found serious or critical violations:\n" + "\n".join(found)
