"""Steps several browser journeys share: logging in, checking out, auditing with axe."""

import re
from pathlib import Path

from tests.mfa import totp_code

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
# axe's impacts, worst last; the tests fail on these.
BLOCKING_IMPACTS = ("serious", "critical")


def log_in_to_admin(page, live_server, username: str, password: str) -> None:
    """The password, then the code of the staff member's TOTP (world.staff_user's secret)."""
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label(re.compile("Username|用户名")).fill(username)
    page.get_by_label(re.compile("Password|密码")).fill(password)
    page.get_by_role("button", name=re.compile("Sign in|登录")).click()
    page.wait_for_url(re.compile(r"/accounts/2fa/reauthenticate/"))
    page.locator("input[name=code]").fill(totp_code())
    page.locator("form:has(input[name=code]) button[type=submit]").click()
    page.wait_for_url(re.compile(r"/admin/$"))


def log_in_to_portal(page, live_server, mobile: str, password: str) -> None:
    page.goto(f"{live_server.url}/portal/")
    page.get_by_label("手机号或邮箱").fill(mobile)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/portal/$"))


def check_out_and_pay(page) -> None:
    """From the cart: the guest checkout form, then the dummy gateway's success button."""
    check_out(page)
    page.get_by_role("button", name="支付成功").click()
    page.wait_for_url(re.compile(r"/orders/LG"))


def check_out(page) -> None:
    """From the cart: the guest fills in the checkout form and places the order."""
    page.get_by_role("link", name="去结算").click()
    page.get_by_label("电子邮箱").fill("buyer@example.com")
    page.get_by_label("收货人").fill("王示例")
    page.get_by_label("手机号码").fill("138 1234 5678")
    choose_region(page)
    page.get_by_label("详细地址").fill("示例路1号")
    page.get_by_role("button", name="提交订单并付款").click()


def choose_region(
    page, province: str = "北京市", city: str = "北京市", district: str = "朝阳区"
) -> None:
    """The address's province, city and district, from the picker's lists
    (static/js/region_picker.js turns the city and district fields into them)."""
    page.locator("select[name=district]").wait_for()
    page.get_by_label("省份").select_option(province)
    page.get_by_label("城市").select_option(city)
    page.get_by_label("区县").select_option(district)


def blocking_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now,
    one line per rule with the offending nodes' selectors."""
    # page.evaluate runs through the DevTools protocol, which the page's
    # Content-Security-Policy does not govern; add_script_tag would insert an
    # inline <script> that a CSP without 'unsafe-inline' blocks.
    if not page.evaluate("() => Boolean(window.axe)"):
        page.evaluate(AXE_SOURCE)
    results = page.evaluate(
        "() => axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => n.target.join(' ') + ' ' + n.failureSummary)})))"
    )
    return [
        f"{page.url} [{violation['impact']}] {violation['id']}: {violation['help']}\n    "
        + "\n    ".join(violation["nodes"])
        for violation in results
        if violation["impact"] in BLOCKING_IMPACTS
    ]
