"""Steps several browser journeys share: logging in (or a browser signed in already),
checking out, auditing with axe."""

import re
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.urls import reverse
from django.utils.translation import gettext as _

from tests.e2e.conftest import PHONE_360
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


def signed_in_context(browser, live_server, user):
    """A phone browser already signed in as ``user`` (the session as log-in leaves it)."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "allauth.account.auth_backends.AuthenticationBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    context = browser.new_context(locale="zh-CN", viewport=PHONE_360, has_touch=True)
    cookie = {"name": settings.SESSION_COOKIE_NAME, "value": session.session_key}
    context.add_cookies([{**cookie, "url": live_server.url}])
    return context


def log_in_to_portal(page, live_server, mobile: str, password: str) -> None:
    """In the active language (translation.override)."""
    page.goto(f"{live_server.url}{reverse('portal:home')}")
    page.get_by_label(_("手机号或邮箱")).fill(mobile)
    page.get_by_label(_("密码")).fill(password)
    page.get_by_role("button", name=_("登录"), exact=True).click()
    page.wait_for_url(re.compile(r"/portal/$"))


class Taps:
    """Counts a buyer's taps on a touch screen: each link or button clicked, each
    choice made in a list (one tap, for the option; the tap opening the list is
    not counted), and each field typed into unless it has the focus already (an
    autofocused field costs none). Typing is not a tap."""

    def __init__(self):
        self.count = 0

    def click(self, locator) -> None:
        self.count += 1
        locator.click()

    def select(self, locator, value: str) -> None:
        self.count += 1
        locator.select_option(value)

    def fill(self, locator, text: str) -> None:
        if not locator.evaluate("field => field === document.activeElement"):
            self.count += 1
        locator.fill(text)


def check_out_and_pay(page, taps: Taps | None = None) -> None:
    """From the cart: the guest checkout form, then the dummy gateway's success button."""
    taps = taps or Taps()
    check_out(page, taps)
    taps.click(page.get_by_role("button", name=_("支付成功")))
    page.wait_for_url(re.compile(r"/orders/LG"))


def check_out(page, taps: Taps | None = None) -> None:
    """From the cart: the guest goes to the checkout and places the order."""
    taps = taps or Taps()
    start_checkout(page, taps)
    place_order(page, taps)


def start_checkout(page, taps: Taps) -> None:
    taps.click(page.get_by_role("link", name=_("去结算")))
    page.wait_for_url(re.compile(r"/checkout/$"))


def place_order(page, taps: Taps) -> None:
    """The guest gives the address (no e-mail: it is optional) and places the order.
    The labels are the active language's (translation.override)."""
    taps.fill(page.get_by_label(_("收货人")), "王示例")
    taps.fill(page.get_by_label(_("手机号码")), "138 1234 5678")
    choose_region(page, taps=taps)
    taps.fill(page.get_by_label(_("详细地址")), "示例路1号")
    taps.click(page.get_by_role("button", name=_("提交订单并付款")))


def choose_region(
    page,
    province: str = "北京市",
    city: str = "北京市",
    district: str = "朝阳区",
    taps: Taps | None = None,
) -> None:
    """The address's province, city and district, from the picker's lists
    (static/js/region_picker.js turns the city and district fields into them);
    a list that shows the wanted name already (a municipality's city) is left."""
    taps = taps or Taps()
    page.locator("select[name=district]").wait_for()
    for label, name in ((_("省份"), province), (_("城市"), city), (_("区县"), district)):
        field = page.get_by_label(label)
        if field.input_value() != name:
            taps.select(field, name)


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


# What sticks out past the right edge of the screen, outermost first.
WIDER_THAN_THE_SCREEN = """() => [...document.body.querySelectorAll('*')]
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .filter((e, _, all) => !all.includes(e.parentElement))
    .slice(0, 3)
    .map(e => [e.tagName.toLowerCase(), ...e.classList].join('.'))"""
# Menus whose links run past their edge: the last ones are cut off (the
# portal's tab bar in English once hid "Income").
CUT_OFF_MENUS = """() => [...document.querySelectorAll('nav')]
    .filter(nav => nav.scrollWidth > nav.clientWidth + 1)
    .map(nav => nav.getAttribute('aria-label') || nav.className)"""
UNSIZED_IMAGES = """() => [...document.images]
    .filter(img => !img.hasAttribute('width') || !img.hasAttribute('height'))
    .map(img => img.outerHTML.slice(0, 160))"""


def phone_findings(page) -> list[str]:
    """What a page on a phone must not have, one line each: axe's serious and
    critical violations, a page wider than the screen (it scrolls sideways), a
    menu wider than itself, and an <img> without width and height (the page
    jumps as it loads). Inline <svg> icons are not <img>s and not checked: they
    carry their own width and height (includes/icon.html)."""
    found = blocking_violations(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        wide = ", ".join(page.evaluate(WIDER_THAN_THE_SCREEN))
        found.append(f"{page.url} scrolls sideways by {overflow} px ({wide})")
    found += [f"{page.url} menu cut off: {nav}" for nav in page.evaluate(CUT_OFF_MENUS)]
    found += [
        f"{page.url} image without width/height: {img}" for img in page.evaluate(UNSIZED_IMAGES)
    ]
    return found
