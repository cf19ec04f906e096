"""Screenshots of the demo site in headless Chromium (Debian's `chromium`).

Serve the seeded demo site first (`make run`, with its dummy payment gateway),
then, from the repository's root:

    .venv/bin/python docs/screenshots/take.py [--base http://127.0.0.1:8000]

For each language (zh-hans at "/", en under "/en/") and each viewport (a
360x740 phone, a 1280x800 desktop) it writes full-page shots named
docs/screenshots/<page>-<lang>-<width>x<height>.png: the storefront's pages, a
guest's purchase (cart, checkout, the dummy gateway's pay page, the paid order)
and the producer portal, logged in as the demo cooperative. Each run places
one order per language and viewport in the served site's database.
"""

import argparse
import os
import re
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")  # as manage.py

import django  # noqa: E402

django.setup()  # for the labels' translations, which the browser is asked to find

from django.utils import translation  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORTS = [(360, 740), (1280, 800)]
# language code: (URL prefix, the browser's locale)
LANGUAGES = {"zh-hans": ("", "zh-CN"), "en": ("/en", "en-US")}

PRODUCT = "/producers/jiangzhuang-coop/greenhouse-tomato/"  # the demo's 大棚番茄
PAGES = {
    "home": "/",
    "category": "/categories/vegetables/",
    "product": PRODUCT,
    "village": "/villages/jiangzhuang/",
    "producer": "/producers/lishuyun-nets/",
    "search": "/search/?q=番茄",
    "login": "/accounts/login/",
    "notices": "/notices/",
    "impact": "/impact/",
    "open-data": "/impact/open-data/",
}

PORTAL_LOGIN = ("19911110001", "liugaizi-demo-2026")  # the demo's 姜庄 cooperative
PORTAL_PAGES = {
    "portal-home": "/portal/",
    "portal-products": "/portal/products/",
    "portal-product-new": "/portal/products/new/",
    "portal-shipments": "/portal/shipments/",
    "portal-earnings": "/portal/earnings/",
}
# Resolves once every image has loaded (or failed to).
LOADED = "Promise.all([...document.images].map(image => image.decode().catch(() => null)))"


class Camera:
    """One browser page in one language and viewport, writing its shots."""

    def __init__(self, page, base: str, prefix: str, out: Path, suffix: str):
        self.page, self.base, self.prefix, self.out, self.suffix = page, base, prefix, out, suffix

    def go(self, path: str) -> None:
        response = self.page.goto(self.base + self.prefix + path)
        if response is None or response.status != 200:
            raise SystemExit(f"{self.prefix}{path}: HTTP {response.status if response else '?'}")

    def shoot(self, name: str) -> None:
        """The whole page, as a screen as tall as the page shows it: its lazy
        images loaded and the phone's tab bar fixed at the bottom, not over the
        middle (where a full-page shot of a short screen leaves fixed boxes)."""
        page = self.page
        viewport = page.viewport_size
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size(
            {"width": viewport["width"], "height": max(height, viewport["height"])}
        )
        page.evaluate(LOADED)
        path = self.out / f"{name}-{self.suffix}.png"
        page.screenshot(path=path, full_page=True)
        page.set_viewport_size(viewport)
        print(path)


def purchase(camera: Camera) -> None:
    """A guest adds the product to the cart and checks out with the dummy gateway
    (the steps of tests/e2e/steps.py's check_out_and_pay)."""
    page = camera.page
    camera.go(PRODUCT)
    page.get_by_role("button", name=_("加入购物车")).first.click()
    page.wait_for_url(re.compile(r"/cart/$"))
    camera.shoot("cart")
    page.get_by_role("link", name=_("去结算")).click()
    page.wait_for_url(re.compile(r"/checkout/$"))
    page.get_by_label(_("收货人")).fill("王示例")
    page.get_by_label(_("手机号码")).fill("138 1234 5678")
    page.locator("select[name=district]").wait_for()  # the region picker's lists
    for label, name in ((_("省份"), "北京市"), (_("城市"), "北京市"), (_("区县"), "朝阳区")):
        field = page.get_by_label(label)
        if field.input_value() != name:
            field.select_option(name)
    page.get_by_label(_("详细地址")).fill("示例路1号")
    camera.shoot("checkout")
    page.get_by_role("button", name=_("提交订单并付款")).click()
    paid = page.get_by_role("button", name=_("支付成功"))
    paid.wait_for()
    camera.shoot("pay")
    paid.click()
    page.wait_for_url(re.compile(r"/orders/LG"))
    camera.shoot("order")


def portal(camera: Camera) -> None:
    page = camera.page
    camera.go("/portal/login/")
    camera.shoot("portal-login")
    page.get_by_label(_("手机号或邮箱")).fill(PORTAL_LOGIN[0])
    page.get_by_label(_("密码")).fill(PORTAL_LOGIN[1])
    page.get_by_role("button", name=_("登录"), exact=True).click()
    page.wait_for_url(re.compile(r"/portal/$"))
    for name, path in PORTAL_PAGES.items():
        camera.go(path)
        camera.shoot(name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for language, (prefix, locale) in LANGUAGES.items():
            for width, height in VIEWPORTS:
                # A fresh context each time: an empty cart, no portal session.
                context = browser.new_context(
                    locale=locale,
                    viewport={"width": width, "height": height},
                    reduced_motion="reduce",  # the charts drawn whole, not growing
                )
                page = context.new_page()
                camera = Camera(page, args.base, prefix, args.out, f"{language}-{width}x{height}")
                with translation.override(language):
                    for name, path in PAGES.items():
                        camera.go(path)
                        camera.shoot(name)
                    purchase(camera)
                    portal(camera)
                context.close()
        browser.close()


if __name__ == "__main__":
    main()
