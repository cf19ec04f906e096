"""Screenshots of the storefront in headless Chromium (Debian's `chromium`).

Serve the demo site first (`make run`), then:

    .venv/bin/python docs/screenshots/take.py [--base http://127.0.0.1:8000]

Writes docs/screenshots/<page>-<width>x<height>.png for a phone and a desktop.
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
                response = page.goto(args.base + path)
                if response is None or response.status != 200:
                    raise SystemExit(f"{path}: HTTP {response.status if response else '?'}")
                out = args.out / f"{name}-{width}x{height}.png"
                page.screenshot(path=out, full_page=True)
                print(out)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
