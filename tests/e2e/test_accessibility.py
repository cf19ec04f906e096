"""Every page a buyer or a villager sees, in Chinese and in English, on a
360 × 740 phone: no serious or critical axe finding, no sideways scroll, no
image without its dimensions (steps.phone_findings). On the way the guest buys
one tomato from the home page, counting the taps (steps.Taps). One browser
context per language and each page loaded once, to keep CI lean; the journeys
exercise the desktop layout."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from aid_accounting.notices.models import Notice
from shop.catalogue.models import ProductPage
from tests.e2e.conftest import PHONE_360
from tests.e2e.steps import (
    Taps,
    log_in_to_portal,
    phone_findings,
    place_order,
    start_checkout,
)
from tests.e2e.world import PASSWORD, township
from tests.factories import ImageFactory
from tests.shop.factories import ProductPhotoFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# The site's languages, with the browser locale a buyer reading each would have.
BROWSER_LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}
# From the home page to a paid order for one product, and from the cart's
# 去结算 to 提交订单 (issue 19: the storefront took 26 and 10).
MOST_TAPS_TO_PAID = 14
MOST_TAPS_TO_CHECK_OUT = 6


@pytest.fixture
def tomato():
    """The township, the tomato with a main image and one more photo: the cards
    and the product page's gallery then have images to check."""
    tomato = township()
    ProductPage.objects.filter(pk=tomato.product_id).update(image=ImageFactory())
    ProductPhotoFactory(product=tomato.product)
    return tomato


def test_every_page_on_a_phone_in_both_languages(browser, live_server, tomato):
    found, taps = [], {}
    for language, locale in BROWSER_LOCALES.items():
        context = browser.new_context(locale=locale, viewport=PHONE_360, has_touch=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        with translation.override(language):
            taps[language] = walk(page, live_server, found)
        context.close()

    assert not found, "found on the phone pages:\n" + "\n".join(found)
    for language, (to_paid, to_check_out) in taps.items():
        assert to_paid <= MOST_TAPS_TO_PAID, (language, to_paid)
        assert to_check_out <= MOST_TAPS_TO_CHECK_OUT, (language, to_check_out)


def walk(page, live_server, found: list[str]) -> tuple[int, int]:
    """Every page in the active language, adding what each has to ``found``;
    returns the taps from home to paid and from 去结算 to 提交订单."""

    def audit(path: str | None = None) -> None:
        """Audit ``path`` (or the page as the last tap left it)."""
        if path is None:
            page.wait_for_load_state()
        else:
            page.goto(f"{live_server.url}{path}")
        found.extend(phone_findings(page))

    audit(reverse("category_list"))
    audit(reverse("category_detail", args=["vegetables"]))
    audit(reverse("search") + "?q=番茄")
    audit(reverse("order_lookup"))
    audit(reverse("account_signup"))
    audit(reverse("account_request_login_code"))
    audit(reverse("account_login"))
    audit(reverse("notices:index"))
    audit(reverse("notices:detail", args=[Notice.objects.get().pk]))
    audit(reverse("impact"))
    audit(reverse("open_data_html"))

    audit(reverse("wagtail_serve", args=[""]))  # the home page
    taps = Taps()
    taps.click(page.get_by_role("link", name="大棚番茄").first)
    audit()
    taps.click(page.get_by_role("button", name=_("加入购物车")).first)
    page.wait_for_url(re.compile(r"/cart/$"))
    audit()
    before_checkout = taps.count
    start_checkout(page, taps)
    audit()
    place_order(page, taps)
    to_check_out = taps.count - before_checkout
    page.get_by_role("button", name=_("支付成功")).wait_for()
    audit()  # the dummy gateway's payment page
    taps.click(page.get_by_role("button", name=_("支付成功")))
    page.wait_for_url(re.compile(r"/orders/LG"))
    audit()

    audit(reverse("portal:login"))
    log_in_to_portal(page, live_server, "13900001111", PASSWORD)
    audit()
    return taps.count, to_check_out
