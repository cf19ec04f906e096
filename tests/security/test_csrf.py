"""CSRF: every POST form of the shop and the portal carries the token, and the view it
posts to refuses a POST without one; only the signed payment webhooks are exempt."""

from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver

from core.roles import TOWNSHIP_EDITOR
from tests.security.pages import AUDIENCES
from tests.township import add_staff

pytestmark = pytest.mark.django_db

OUR_APPS = ("producers", "shop", "aid_accounting", "config")
SERVER = "http://testserver"


class PostForms(HTMLParser):
    """Each POST form's action and whether it holds the CSRF token."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and (attributes.get("method") or "").lower() == "post":
            self._open = {"action": attributes.get("action") or "", "token": False}
            self.forms.append(self._open)
        elif tag == "input" and self._open and attributes.get("name") == "csrfmiddlewaretoken":
            self._open["token"] = bool(attributes.get("value"))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def post_forms(shop) -> list[tuple[str, str, dict]]:
    """(audience, page, form) for every POST form on every page."""
    found = []
    for audience in AUDIENCES:
        client = shop.client_for(audience)
        for url in getattr(shop, audience):
            parser = PostForms()
            parser.feed(client.get(url).content.decode())
            found += [(audience, url, form) for form in parser.forms]
    return found


def form_targets(shop) -> set[tuple[str, str]]:
    """(audience, path) each POST form posts to; no action posts to the page itself."""
    return {
        (audience, urljoin(f"http://testserver{url}", form["action"]).removeprefix(SERVER))
        for audience, url, form in post_forms(shop)
    }


def test_the_forms_walked_include_every_kind_of_post(shop):
    targets = {target for _audience, target in form_targets(shop)}

    for expected in (
        "/cart/add/",
        "/cart/update/",
        "/checkout/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/change/",
        "/account/profile/",
        "/portal/login/",
        "/portal/logout/",
        "/portal/products/new/",
        "/payments/dummy/",
        "/i18n/setlang/",
    ):
        assert any(target.startswith(expected) for target in targets), expected
    assert any("/stock/" in target for target in targets)
    assert any("/pay/" in target for target in targets)
    assert any(target.startswith("/notices/") for target in targets)  # the objection form


def test_every_post_form_carries_the_csrf_token(shop):
    missing = [
        (url, form["action"]) for _audience, url, form in post_forms(shop) if not form["token"]
    ]
    assert not missing


def test_every_form_target_refuses_a_post_without_the_token(shop):
    targets = {
        (
            audience,
            urljoin(f"http://testserver{url}", form["action"]).removeprefix("http://testserver"),
        )
        for audience, url, form in post_forms(shop)
    }
    clients = {
        audience: shop.client_for(audience, enforce_csrf_checks=True) for audience in AUDIENCES
    }

    accepted = {
        (audience, target): status
        for audience, target in sorted(targets)
        if (status := clients[audience].post(target, {}).status_code) != 403
    }

    assert len(targets) > 20
    assert not accepted


def exempt_views() -> set[str]:
    def walk(resolver, prefix=""):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern), pattern.callback

    return {
        path
        for path, view in walk(get_resolver())
        if getattr(view, "csrf_exempt", False) and view.__module__.startswith(OUR_APPS)
    }


# The admin API's image and document endpoints (shop/admin/api.py over Wagtail's): Django
# REST framework exempts its views and checks CSRF itself for a session's unsafe methods;
# these answer GET only.
ADMIN_API_READS = {
    f"admin/api/main/^{endpoint}/{route}"
    for endpoint in ("images", "documents")
    for route in ("", "<int:pk>/", "find/")
}


def test_only_the_payment_webhooks_and_the_admin_apis_reads_are_exempt():
    assert exempt_views() == {
        "payments/stripe/webhook/",
        "payments/alipay/notify/",
        "payments/wechatpay/notify/",
        "payments/wechatpay/refund-notify/",
        *ADMIN_API_READS,
    }


def test_the_admin_apis_exempt_endpoints_refuse_a_post(client):
    client.force_login(add_staff(TOWNSHIP_EDITOR))
    for endpoint in ("images", "documents"):
        assert client.post(f"/admin/api/main/{endpoint}/").status_code == 405


def test_the_webhook_is_refused_for_its_signature_not_for_a_token(settings):
    settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/payments/stripe/webhook/",
        "{}",
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE="t=1,v1=forged",
    )

    assert response.status_code == 400
