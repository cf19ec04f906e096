"""The storefront's chrome in a browser: on a 360-px phone, in Chinese and in English,
no page scrolls sideways, the bottom tab bar shows where one is and hides nothing under
it; large-text mode (大字模式) turns on, is remembered, and the page without JavaScript
is the plain one; from 720 px the header's nav replaces the tab bar."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP
from tests.e2e.steps import blocking_violations
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import CategoryFactory, ProductPageFactory, ProductVariantFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

SMALL_PHONE = {"width": 360, "height": 740}
PAGES = ["/", "/categories/", "/cart/", "/accounts/login/", "/accounts/signup/"]
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def shop():
    farm = ProducerPageFactory(producer__name="姜庄合作社")
    ProductVariantFactory(
        product=ProductPageFactory(
            title="大棚番茄", parent=farm, category=CategoryFactory(slug="vegetables", name="蔬菜")
        ),
        name="5斤装",
        price_fen=3980,
        stock=50,
    )


def phone_page(browser, **options):
    page = browser.new_context(locale="zh-CN", viewport=SMALL_PHONE, **options).new_page()
    page.set_default_timeout(15_000)
    return page


@pytest.mark.parametrize("prefix", ["", "/en"], ids=["zh-hans", "en"])
def test_a_phone_never_scrolls_sideways_and_has_the_tab_bar(browser, live_server, shop, prefix):
    page = phone_page(browser)
    for path in PAGES:
        page.goto(f"{live_server.url}{prefix}{path}")
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{prefix}{path} scrolls sideways"

    page.goto(f"{live_server.url}{prefix}/")
    tab_bar = page.locator(".tab-bar")
    expect(tab_bar).to_be_visible()
    expect(page.locator(".site-nav")).to_be_hidden()
    expect(tab_bar.locator("a[aria-current=page]")).to_have_attribute("href", f"{prefix}/")
    tab_bar.locator("a").nth(1).click()
    expect(tab_bar.locator("a[aria-current=page]")).to_have_attribute(
        "href", f"{prefix}/categories/"
    )
    # At the bottom of the page, the footer ends above the bar, not under it.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    footer = page.locator(".site-footer").bounding_box()
    bar = tab_bar.bounding_box()
    assert footer["y"] + footer["height"] <= bar["y"] + 1


def test_large_text_mode_is_remembered_and_meets_the_guideline(browser, live_server, shop):
    page = phone_page(browser)
    page.goto(f"{live_server.url}/")
    switch = page.get_by_role("button", name="大字模式")
    expect(switch).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "16px"

    switch.click()
    expect(switch).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "18px"
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    # Remembered on the next page (the log-in form: tap targets of 48 px and more).
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.evaluate("document.documentElement.classList.contains('elder')")
    expect(page.get_by_role("button", name="大字模式")).to_have_attribute("aria-pressed", "true")
    targets = page.locator(
        "main input:not([type=hidden]):not([type=checkbox]), main button, .tab-bar a, .header-icon"
    )
    heights = [box["height"] for box in (t.bounding_box() for t in targets.all()) if box]
    assert heights and min(heights) >= 48
    body_size = page.evaluate("getComputedStyle(document.querySelector('main p')).fontSize")
    assert float(body_size.removesuffix("px")) >= 18
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    assert not blocking_violations(page)  # axe-core, in the stronger colours too

    page.get_by_role("button", name="大字模式").click()
    page.reload()
    assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "16px"


def test_without_javascript_the_page_is_the_plain_one(browser, live_server, shop):
    page = phone_page(browser, java_script_enabled=False)
    page.goto(f"{live_server.url}/")

    expect(page.locator(".elder-toggle")).to_be_hidden()
    expect(page.locator(".tab-bar")).to_be_visible()
    assert page.locator("html.elder").count() == 0
    assert page.evaluate(NO_SIDEWAYS_SCROLL)


def test_on_a_desktop_the_header_nav_replaces_the_tab_bar(browser, live_server, shop):
    page = browser.new_context(locale="zh-CN", viewport=DESKTOP).new_page()
    page.goto(f"{live_server.url}/")

    expect(page.locator(".tab-bar")).to_be_hidden()
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav.get_by_role("link", name="分类")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).paddingBottom") == "0px"
