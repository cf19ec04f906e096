"""The anonymous-page cache (shop.catalogue.page_cache): what it serves, to whom, and when a
change retires what it stored."""

import re

import pytest
from django.conf import settings
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from shop.catalogue import page_cache
from shop.orders import inventory
from shop.payments.services import payment_succeeded, start_payment
from tests.factories import ImageFactory, UserFactory
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import ProductPageFactory, ProductVariantFactory
from tests.township import add_pool, add_rule, deliver, place, refund

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("page_cache_on", "default_language"),
]


@pytest.fixture
def default_language():
    """Each test starts in Chinese: a request leaves its language active in the thread
    (an English page's, say), and a page's ``url`` outside a request follows it."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def page_cache_on():
    # The database's part of the generation is read once a minute here, so a page
    # served from the cache makes no query (the fault tests read it every time).
    with override_settings(PAGE_CACHE_SECONDS=300, PAGE_CACHE_GENERATION_CHECK_SECONDS=60):
        yield


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A change's invalidation runs when its transaction commits, which a test's
    own transaction never does: this runs it as the commit would."""
    return django_capture_on_commit_callbacks


@pytest.fixture
def tomato():
    product = ProductPageFactory(
        title="姜庄大棚番茄", image=ImageFactory(), parent=ProducerPageFactory()
    )
    return ProductVariantFactory(product=product, name="5斤装", price_fen=3980, stock=10)


def storefront_urls(tomato) -> list[str]:
    producer_page = tomato.product.get_parent().specific
    return [
        "/",
        "/categories/",
        f"/categories/{tomato.product.category.slug}/",
        "/villages/",
        f"/villages/{producer_page.producer.village.code}/",
        producer_page.url,
        tomato.product.url,
        "/search/?q=番茄",
        "/en/",
        f"/en{tomato.product.url}",
    ]


def test_a_second_anonymous_visitor_is_served_without_a_query(tomato, django_assert_num_queries):
    for url in storefront_urls(tomato):
        assert Client().get(url).status_code == 200, url
        with django_assert_num_queries(0):
            assert Client().get(url).status_code == 200, url


def test_a_stock_change_shows_on_the_next_request(client, tomato, staff, committed):
    assert "已售罄" not in client.get(tomato.product.url).text

    with committed(execute=True):
        inventory.mark_sold_out(variant_id=tomato.pk, actor=staff)

    assert "已售罄" in client.get(tomato.product.url).text


def test_the_sold_count_follows_a_payment_and_a_refund_after_shipping(
    client, tomato, staff, committed
):
    """The "已售 N" count is of paid units less refunded ones. Paying changes no stock (it was
    taken when the order was placed), nor does refunding goods already shipped, so
    neither retires the cached pages as a stock change would."""
    listing = f"/categories/{tomato.product.category.slug}/"
    with committed(execute=True):
        order = place([(tomato, 2)], gateway="dummy")
        payment, _start = start_payment(order=order)
    assert "已售" not in client.get(listing).text  # placed, not paid; now cached

    with committed(execute=True):
        payment_succeeded(payment_id=payment.pk, amount_fen=order.total_fen)
    assert "已售 2" in client.get(listing).text

    with committed(execute=True):
        deliver(order, at=timezone.now())
    assert "已售 2" in client.get(listing).text  # cached again
    with committed(execute=True):
        refund(order, staff=staff, line=order.lines.get(), quantity=1)
    assert "已售 1" in client.get(listing).text


def test_a_price_change_in_the_admin_shows_on_the_listing(client, tomato, committed):
    listing = f"/categories/{tomato.product.category.slug}/"
    assert "¥39.80" in client.get(listing).text

    tomato.price_fen = 2980
    with committed(execute=True):
        tomato.save()

    assert "¥29.80" in client.get(listing).text


def test_a_publish_and_an_unpublish_show_on_the_next_request(client, tomato, committed):
    product = tomato.product
    assert "姜庄大棚番茄" in client.get("/").text

    product.title = "姜庄沙瓤番茄"
    with committed(execute=True):
        product.save_revision().publish()
    assert "姜庄沙瓤番茄" in client.get("/").text
    assert "姜庄沙瓤番茄" in client.get(product.url).text

    with committed(execute=True):
        product.unpublish()
    assert "姜庄沙瓤番茄" not in client.get("/").text
    assert client.get(product.url).status_code == 404


def test_an_aid_rule_change_shows_on_the_product_page(client, tomato, committed):
    product = tomato.product
    assert "25%" not in client.get(product.url).text

    with committed(execute=True):
        pool = add_pool(product.producer.village)
        add_rule(product.producer, pool, valid_from=timezone.localdate())

    assert "25%" in client.get(product.url).text


def test_a_signed_in_buyer_is_never_served_the_cached_page(client, tomato):
    Client().get(tomato.product.url)  # stored for anonymous visitors
    client.force_login(UserFactory())

    page = client.get(tomato.product.url).text

    assert "我的订单" in page  # the header of a signed-in buyer
    assert "我的订单" not in Client().get(tomato.product.url).text


def test_a_visitor_with_a_cart_is_never_served_the_cached_page(tomato):
    url = tomato.product.url
    Client().get(url)  # stored for anonymous visitors
    visitor = Client()
    visitor.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})

    assert "已将" in visitor.get(url).text  # the cart's message: rendered for them
    assert "已将" not in Client().get(url).text  # and not stored for others
    with CaptureQueriesContext(connection) as captured:
        visitor.get(url)  # no message left, but the cart is in the session
    assert len(captured) > 0


def test_english_and_chinese_pages_are_cached_separately(tomato):
    chinese = Client().get("/").text
    english = Client().get("/en/").text

    assert Client().get("/").text.count('lang="zh-CN"') == chinese.count('lang="zh-CN"') == 1
    assert '<html lang="en">' in english
    assert '<html lang="en">' in Client().get("/en/").text
    assert '<html lang="en">' not in Client().get("/").text


def test_a_cached_page_gives_each_visitor_a_csrf_token_of_their_own(tomato):
    url = tomato.product.url
    Client().get(url)  # stored
    visitor = Client(enforce_csrf_checks=True)

    response = visitor.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)[1]

    assert "csrftoken" in response.cookies
    assert page_cache.CSRF_PLACEHOLDER not in response.text
    added = visitor.post(
        "/cart/add/", {"variant": tomato.pk, "quantity": 1, "csrfmiddlewaretoken": token}
    )
    assert added.status_code == 302


def test_the_stored_page_holds_no_token_and_no_cookie(tomato):
    response = Client().get(tomato.product.url)
    request = RequestFactory().get(tomato.product.url)
    request.LANGUAGE_CODE = "zh-hans"

    headers, content = page_cache.stored_page(page_cache.page_key(request=request))

    assert "csrftoken" in response.cookies  # the visitor got a CSRF cookie...
    assert page_cache.CSRF_PLACEHOLDER.encode() in content  # ...the stored page a placeholder
    assert b'name="csrfmiddlewaretoken" value="' + page_cache.CSRF_PLACEHOLDER.encode() in content
    assert not any(name.lower() == "set-cookie" for name in headers)


@override_settings(PAGE_CACHE_SECONDS=0)
def test_nothing_is_cached_when_turned_off(tomato):
    Client().get("/")
    with CaptureQueriesContext(connection) as captured:
        Client().get("/")
    assert len(captured) > 0


def test_posts_and_other_pages_are_not_cached(client, tomato):
    Client().get("/cart/")
    assert "5斤装" not in client.get("/cart/").text
    client.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})
    assert "5斤装" in client.get("/cart/").text


def test_a_page_served_early_has_the_headers_of_a_page_rendered(tomato):
    url = tomato.product.url
    rendered = Client().get(url)  # rendered through the whole stack, then stored
    served = Client().get(url)  # served by PageCacheMiddleware, before the session

    for header in (
        "Content-Type",
        "Content-Language",
        "Content-Security-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
    ):
        assert served.get(header) == rendered.get(header), header
    assert set(served["Vary"].split(", ")) == set(rendered["Vary"].split(", "))
    assert served.cookies["csrftoken"]["samesite"] == rendered.cookies["csrftoken"]["samesite"]


def test_a_visitor_keeps_their_csrf_cookie_on_a_page_served_early(tomato):
    url = tomato.product.url
    Client().get(url)  # stored
    visitor = Client(enforce_csrf_checks=True)
    visitor.get("/cart/")  # a CSRF cookie of their own, and no session
    secret = visitor.cookies["csrftoken"].value

    page = visitor.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]

    assert page.cookies["csrftoken"].value == secret
    added = visitor.post(
        "/cart/add/", {"variant": tomato.pk, "quantity": 1, "csrfmiddlewaretoken": token}
    )
    assert added.status_code == 302


def test_a_visitor_with_a_message_cookie_is_not_served_the_cached_page(tomato):
    url = tomato.product.url
    Client().get(url)  # stored
    visitor = Client()
    # A message kept in its cookie (django.contrib.messages' first storage), no session.
    storage = CookieStorage(RequestFactory().get("/"))
    visitor.cookies["messages"] = storage._encode([Message(constants.SUCCESS, "一条提示")])

    assert "一条提示" in visitor.get(url).text
    assert "一条提示" not in Client().get(url).text


def test_a_visitor_whose_session_is_empty_is_served_the_cached_page(tomato):
    url = tomato.product.url
    Client().get(url)  # stored
    visitor = Client()
    visitor.cookies["sessionid"] = "no-such-session"

    with CaptureQueriesContext(connection) as captured:
        page = visitor.get(url)

    assert page.status_code == 200 and "姜庄大棚番茄" in page.text
    assert page_cache.CSRF_PLACEHOLDER not in page.text
    # The session was looked for, and nothing else: the page came from the cache.
    assert [query["sql"] for query in captured if "django_session" not in query["sql"]] == []


def test_a_signed_in_buyer_sees_a_price_change_on_a_listing_at_once(client, tomato, committed):
    """Their listings are rendered for them, never served from the cache."""
    listing = f"/categories/{tomato.product.category.slug}/"
    client.force_login(UserFactory())
    assert "¥39.80" in client.get(listing).text

    tomato.price_fen = 2980
    with committed(execute=True):
        tomato.save()

    page = client.get(listing).text
    assert "¥29.80" in page and "¥39.80" not in page
    assert "我的订单" in page
