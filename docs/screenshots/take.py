"""Screenshots of the storefront in headless Chromium (Debian's `chromium`).

Serve the demo site first (`make run`), then:

    .venv/bin/python docs/screenshots/take.py [--base http://127.0.0.1:8000]

Writes docs/screenshots/<page>-<width>x<height>.png: the storefront for a phone
and a desktop, and the producer portal (logged in as the demo cooperative,
mobile 19911110001) for a small 360-pixel phone.
"""

import argparse
import os
from pathlib import Path

from playwright.sync_api import sync_playwright

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
VIEWPORTS = [(390, 844), (1280, 800)]
PAGES = {
    "home": "/",
    "category": "/categories/vegetables/",
    "village": "/villages/jiangzhuang/",
    "product": "/producers/jiangzhuang-coop/greenhouse-tomato/",
    "producer": "/producers/lishuyun-nets/",
    "search": "/search/?q=番茄",
}

PORTAL_VIEWPORT = (360, 780)
PORTAL_LOGIN = ("19911110001", "liugaizi-demo-2026")  # the demo's 姜庄 cooperative
PORTAL_PAGES = {
    "portal-login": "/portal/login/",
    "portal-home": "/portal/",
    "portal-products": "/portal/products/",
    "portal-product-new": "/portal/products/new/",
    "portal-shipments": "/portal/shipments/",
    "portal-earnings": "/portal/earnings/",
}


def shoot(page, base: str, path: str, out: Path) -> None:
    response = page.goto(base + path)
    if response is None or response.status != 200:
        raise SystemExit(f"{path}: HTTP {response.status if response else '?'}")
    page.screenshot(path=out, full_page=True)
    print(out)


def portal(browser, base: str, out_dir: Path) -> None:
    width, height = PORTAL_VIEWPORT
    page = browser.new_page(locale="zh-CN", viewport={"width": width, "height": height})
    for name, path in PORTAL_PAGES.items():
        if name == "portal-home":  # everything after the log-in page needs a session
            page.get_by_label("手机号或邮箱").fill(PORTAL_LOGIN[0])
            page.get_by_label("密码").fill(PORTAL_LOGIN[1])
            page.get_by_role("button", name="登录").click()
            page.wait_for_url(base + path)
        shoot(page, base, path, out_dir / f"{name}-{width}x{height}.png")
    page.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for width, height in VIEWPORTS:
            page = browser.new_page(locale="zh-CN", viewport={"width": width, "height": height})
            for name, path in PAGES.items():
                shoot(page, args.base, path, args.out / f"{name}-{width}x{height}.png")
            page.close()
        portal(browser, args.base, args.out)
        browser.close()


if __name__ == "__main__":
    main()
