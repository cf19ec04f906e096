"""Browser tests: Playwright driving Debian's headless Chromium against
pytest-django's live server (a real HTTP server on 127.0.0.1)."""

import os
from collections.abc import Iterator

import pytest

from tests.conftest import CHROMIUM_PATH

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
PHONE = {"width": 390, "height": 844}
# The narrowest phone the storefront is made for (issue 19).
PHONE_360 = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

# Playwright's sync API runs an event loop in the test's thread; the ORM calls
# the tests make between browser steps are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def browser() -> Iterator:
    # One Playwright per test, not per session: while Playwright's dispatcher
    # runs, Django sees a different context and so other database connection
    # objects, which breaks the test database's serialized rollback.
    if not os.access(CHROMIUM_PATH, os.X_OK):
        pytest.skip(f"needs Chromium at {CHROMIUM_PATH}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def page(request, browser):
    context = browser.new_context(locale="zh-CN", viewport=request.param)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
