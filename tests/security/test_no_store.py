"""Pages with personal data are stored by no browser, proxy or the anonymous page cache
(``Cache-Control: no-store, private``): buyers' orders, addresses and profile, 查订单,
log-in, sign-up and second-factor pages, payment pages, the producer portal, the
admin's household pages and the exports (a household's copy of its data too). And the
test pages Wagtail's admin ships are not served."""

import time

import pytest
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from django.core.cache import cache
from django.test import Client, override_settings

from core.roles import TOWNSHIP_EDITOR
from shop.catalogue import page_cache
from tests.security.matrix_support import walk
from tests.security.matrix_world import World, client_for
from tests.township import add_staff

pytestmark = pytest.mark.django_db

# (role, URL with the world's objects, status): the status shows the page itself answered.
PERSONAL_PAGES = [
    ("buyer", "/orders/{order_a.number}/", 200),
    ("buyer", "/orders/{unpaid_order_a.number}/pay/", 200),
    ("buyer", "/o/{order_a_link.token}/", 302),
    ("buyer", "/checkout/", 302),
    ("buyer", "/account/orders/", 200),
    ("buyer", "/account/addresses/", 200),
    ("buyer", "/account/addresses/new/", 200),
    ("buyer", "/account/addresses/{address_a.pk}/", 200),
    ("buyer", "/account/profile/", 200),
    ("anon", "/find-order/", 200),
    ("anon", "/find-order/code/", 302),
    ("member", "/portal/", 200),
    ("member", "/portal/shipments/", 200),
    ("member", "/portal/earnings/", 200),
    ("member", "/portal/earnings/statement.csv", 200),
    ("officer", "/admin/households/", 200),
    ("officer", "/admin/households/edit/{household.pk}/", 200),
    ("officer", "/admin/households/inspect/{household.pk}/", 200),
    ("officer", "/admin/households/history/{household.pk}/", 200),
    ("officer", "/admin/aid/households/import/", 200),
    ("officer", "/admin/aid/reports/households-by-village/?period=2026", 200),
    # allauth's pages: log-in, sign-up, reset, the e-mail, number and second-factor pages.
    ("anon", "/accounts/login/", 200),
    ("anon", "/en/accounts/login/", 200),
    ("anon", "/accounts/signup/", 200),
    ("anon", "/accounts/password/reset/", 200),
    ("buyer", "/accounts/email/", 200),
    ("buyer", "/accounts/password/change/", 200),
    ("officer", "/accounts/2fa/", 200),
    # The gateways' pages a buyer sees.
    ("buyer", "/payments/dummy/{pending_payment_a.pk}/", 200),
    ("buyer", "/payments/stripe/{stripe_payment_a.pk}/return/", 302),
    ("buyer", "/payments/alipay/{alipay_payment_a.pk}/return/", 302),
    ("buyer", "/payments/wechatpay/{wechatpay_payment_a.pk}/", 302),
]


def assert_no_store(response) -> None:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, response.get("Cache-Control")
    name = response.wsgi_request.resolver_match.url_name
    assert name not in page_cache.CACHED_URL_NAMES


@pytest.mark.parametrize(
    ("role", "url", "status"), PERSONAL_PAGES, ids=[f"{r}:{u}" for r, u, _ in PERSONAL_PAGES]
)
def test_a_page_with_personal_data_is_not_stored(world: World, role, url, status):
    response = client_for(world, role).get(url.format(**world.objects))

    assert response.status_code == status
    assert_no_store(response)


def test_the_totp_set_up_page_with_its_secret_is_not_stored(world: World):
    client = Client()
    client.force_login(world.users["officer"])
    # allauth shows the page only after the password was asked again, a moment ago.
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY].append(
        {"method": "password", "at": time.time(), "reauthenticated": True}
    )
    session.save()

    response = client.get("/accounts/2fa/totp/activate/")

    assert response.status_code == 200
    assert_no_store(response)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_with_personal_data_is_not_stored(world: World, kind):
    response = client_for(world, "officer").post(
        "/admin/aid/reports/households-by-village/download/",
        {"period": "2026", "format": kind, "purpose": "核对名单", "full": "on"},
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert_no_store(response)


def test_a_households_copy_of_its_data_is_not_stored(world: World):
    household = world.objects["household"]
    response = client_for(world, "officer").post(
        f"/admin/aid/households/{household.pk}/personal-data/", {"purpose": "户主申请查阅"}
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert_no_store(response)


@override_settings(PAGE_CACHE_SECONDS=300)
def test_the_anonymous_page_cache_does_not_keep_the_order_lookup(world: World):
    response = Client().get("/find-order/")

    assert response.status_code == 200
    assert cache.get(page_cache.page_key(request=response.wsgi_request)) is None


def test_the_admins_test_pages_are_not_served(client):
    client.force_login(add_staff(TOWNSHIP_EDITOR))
    routes = {pattern.route for pattern in walk()}

    assert not {"admin/failwhale/", "admin/test404/"} & routes
    assert client.get("/admin/failwhale/").status_code == 404
    assert client.get("/admin/test404/").status_code == 404
