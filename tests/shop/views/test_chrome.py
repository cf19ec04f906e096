"""The storefront's chrome on every page: the cart's badge (counted without a query for
a visitor with an empty session), the phone tab bar and its current tab, the large-text
switch's script, the favicon, and the English home page's hero."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import RequestFactory

from shop.orders import cart
from tests.factories import UserFactory
from tests.shop.factories import CartFactory, CartLineFactory, CategoryFactory, HomePageFactory

pytestmark = pytest.mark.django_db


def badges(html: str) -> list[str]:
    return re.findall(r'<span class="cart-count" aria-hidden="true">([^<]*)</span>', html)


def current_tab(html: str) -> list[str]:
    tab_bar = html.split('class="bottom-bar tab-bar"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'<a href="([^"]*)"[^>]*aria-current="page"', tab_bar)


def test_a_visitor_with_an_empty_session_has_no_badge_and_costs_no_query(
    django_assert_num_queries,
):
    request = RequestFactory().get("/")
    request.session = {}
    request.user = type("Anonymous", (), {"is_authenticated": False})()

    with django_assert_num_queries(0):
        assert cart.item_count(request) == 0


def test_a_guest_badge_counts_the_items_in_one_query(
    client, two_producers, django_assert_num_queries
):
    tomato, bag = two_producers
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 2})
    client.post("/cart/add/", {"variant": bag.pk, "quantity": 1})
    request = RequestFactory().get("/")
    request.session = {"cart_id": client.session["cart_id"]}
    request.user = type("Anonymous", (), {"is_authenticated": False})()

    with django_assert_num_queries(1):
        assert cart.item_count(request) == 3
    html = client.get("/").text

    # The header's and the tab bar's badge, from the one count.
    assert badges(html) == ["3", "3"]
    assert "（3 件）" in html


def test_the_home_page_of_an_empty_session_shows_no_badge(client, two_producers):
    html = client.get("/").text

    assert badges(html) == []


def test_a_buyer_badge_counts_their_own_cart_and_not_a_guest_cart(client):
    buyer = UserFactory()
    CartLineFactory(cart=CartFactory(user=buyer), quantity=4)
    CartLineFactory(cart=CartFactory(user=None), quantity=7)
    client.force_login(buyer)

    assert badges(client.get("/categories/").text) == ["4", "4"]


def test_more_than_99_items_show_as_99_plus(client):
    buyer = UserFactory()
    buyer_cart = CartFactory(user=buyer)
    CartLineFactory(cart=buyer_cart, quantity=60)
    CartLineFactory(cart=buyer_cart, quantity=50)
    client.force_login(buyer)

    assert badges(client.get("/cart/").text) == ["99+", "99+"]


def test_the_tab_bar_marks_the_page_it_is_on(client):
    category = CategoryFactory()

    assert current_tab(client.get("/").text) == ["/"]
    assert current_tab(client.get(f"/categories/{category.slug}/").text) == ["/categories/"]
    assert current_tab(client.get("/cart/").text) == ["/cart/"]
    assert current_tab(client.get("/accounts/login/").text) == ["/accounts/login/"]
    assert current_tab(client.get("/search/?q=番茄").text) == []


def test_me_is_the_log_in_for_a_guest_and_the_orders_for_a_buyer(client):
    guest = client.get("/").text
    client.force_login(UserFactory())
    buyer = client.get("/account/orders/").text

    assert re.search(r'<a href="/accounts/login/"[^>]*>[^<]*<svg.*?我的</span></a>', guest, re.S)
    assert re.search(
        r'<a href="/account/orders/" aria-current="page">.*?我的</span></a>', buyer, re.S
    )
    # The orders page can log out, now that phones have no header nav.
    assert 'action="/accounts/logout/"' in buyer.split('id="main"', 1)[1]


def test_every_page_loads_the_large_text_script_from_a_file_and_hides_its_switch(client):
    html = client.get("/").text

    assert '<script src="/static/js/elder_mode.js"></script>' in html.split("</head>")[0]
    # Without JavaScript the switch would do nothing: the script shows it.
    assert re.search(
        r'<button type="button" class="elder-toggle" aria-pressed="false" hidden>', html
    )
    assert finders.find("js/elder_mode.js")


def test_the_favicon_is_found(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"] == "/static/img/favicon.ico"
    assert "max-age=86400" in response["Cache-Control"]
    with open(finders.find("img/favicon.ico"), "rb") as icon:
        assert icon.read(4) == b"\x00\x00\x01\x00"  # an ICO file's header
    assert '<link rel="icon" href="/static/img/favicon.ico"' in client.get("/").text


def test_the_english_home_page_hero_is_in_english(client):
    home = HomePageFactory()
    home.title_en = "Liugaizi Aid Shop"
    home.intro_en = "Every order helps"
    home.save_revision().publish()

    english = client.get("/en/").text
    chinese = client.get("/").text

    assert "<h1>Liugaizi Aid Shop</h1>" in english and "Every order helps" in english
    assert f"<h1>{home.title}</h1>" in chinese and "Every order helps" not in chinese


def test_without_an_english_title_the_english_hero_keeps_the_chinese_one(client):
    home = HomePageFactory()
    home.title_en = home.intro_en = ""
    home.save_revision().publish()

    assert f"<h1>{home.title}</h1>" in client.get("/en/").text


def test_a_used_password_reset_link_says_so_plainly(client):
    response = client.get("/accounts/password/reset/key/1-set-password/", follow=True)

    assert "链接已失效" in response.text
    assert 'href="/accounts/password/reset/"' in response.text
