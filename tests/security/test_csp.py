"""The content security policy: every page of the shop and the portal is served under
the strict policy and has nothing inline that it would block; the admin alone gets
inline scripts and styles, the Stripe page alone Stripe's sources."""

from html.parser import HTMLParser

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from config.security import AdminContentSecurityPolicyMiddleware
from shop.payments.models import Payment

pytestmark = pytest.mark.django_db

# Script types a browser does not run, so the policy does not govern them.
DATA_BLOCK_TYPES = {"application/json", "application/ld+json"}


def policy_of(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: sources for name, *sources in directives}


class InlineCode(HTMLParser):
    """Collects what a strict policy would block: inline scripts, event handlers,
    javascript: URLs, style elements and style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        runs = (attributes.get("type") or "").lower() not in DATA_BLOCK_TYPES
        if tag == "script" and not attributes.get("src") and runs:
            self.scripts.append(self.get_starttag_text() or tag)
        if tag == "style":
            self.styles.append(tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.scripts.append(f"<{tag} {name}=…>")
            if name in ("href", "action", "src") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.scripts.append(f"<{tag} {name}={value}>")
            if name == "style":
                self.styles.append(f"<{tag} style={value}>")


def inline_code(html: str) -> InlineCode:
    parser = InlineCode()
    parser.feed(html)
    return parser


def rendered_pages(shop):
    """(url, response) for every page of the shop and the portal, each with a
    product in the cart."""
    clients = {audience: shop.client_for(audience) for audience in ("public", "buyer", "portal")}
    for audience, url in shop.pages():
        response = clients[audience].get(url)
        assert response.status_code == 200, (url, response.status_code)
        yield url, response


def test_every_page_of_the_shop_and_the_portal_carries_the_strict_policy(shop):
    expected = {
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
    wrong = {
        url: policy_of(response)
        for url, response in rendered_pages(shop)
        if any(policy_of(response).get(name) != value for name, value in expected.items())
    }
    assert not wrong


def test_no_page_of_the_shop_or_the_portal_has_an_inline_script_or_handler(shop):
    found = {
        url: inline_code(response.content.decode()).scripts
        for url, response in rendered_pages(shop)
    }
    assert not {url: scripts for url, scripts in found.items() if scripts}


def test_no_page_of_the_shop_or_the_portal_has_an_inline_style(shop):
    found = {
        url: inline_code(response.content.decode()).styles for url, response in rendered_pages(shop)
    }
    assert not {url: styles for url, styles in found.items() if styles}


def test_the_checker_finds_inline_code():
    found = inline_code(
        '<script>alert(1)</script><script type="application/json">{}</script>'
        '<script src="/static/js/a.js"></script><button onclick="go()">'
        '<a href="javascript:go()">x</a><p style="color:red">'
    )
    assert len(found.scripts) == 3
    assert len(found.styles) == 1


def test_the_policy_allows_no_eval_and_no_outside_sources(client):
    policy = policy_of(client.get("/"))

    sources = [source for values in policy.values() for source in values]
    assert "'unsafe-eval'" not in sources
    assert "'unsafe-inline'" not in sources
    assert not [source for source in sources if source.startswith(("http", "data:", "*"))]


def test_the_admin_allows_inline_scripts_and_styles_but_still_no_eval_or_plugins(client):
    policy = policy_of(client.get("/admin/login/"))

    assert "'unsafe-inline'" in policy["script-src"]
    assert "'unsafe-inline'" in policy["style-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]  # its preview panel frames itself


def test_the_admin_policy_replaces_one_set_by_a_preview_of_a_shop_page():
    # A page preview runs the shop page's request through every middleware first.
    def preview(request):
        response = HttpResponse()
        response["Content-Security-Policy"] = "frame-ancestors 'none'"
        return response

    middleware = AdminContentSecurityPolicyMiddleware(preview)
    response = middleware(RequestFactory().get("/admin/pages/3/edit/preview/"))

    assert policy_of(response)["frame-ancestors"] == ["'self'"]


def test_only_the_stripe_payment_page_allows_stripe(shop, client):
    order = shop.buyer_user.orders.get()
    payment = Payment.objects.create(
        order=order,
        gateway="stripe",
        method="card",
        status=Payment.Status.SUCCEEDED,
        amount_fen=order.total_fen,
        idempotency_key="csp-test",
    )
    client.force_login(shop.buyer_user)

    stripe_page = policy_of(client.get(f"/payments/stripe/{payment.pk}/"))
    order_page = policy_of(client.get(f"/orders/{order.number}/"))

    assert "https://js.stripe.com" in stripe_page["script-src"]
    assert "https://js.stripe.com" in stripe_page["frame-src"]
    assert "'none'" not in stripe_page["frame-src"]
    assert "https://api.stripe.com" in stripe_page["connect-src"]
    assert "data:" in stripe_page["img-src"]  # WeChat Pay's QR code
    assert order_page["script-src"] == ["'self'"]
