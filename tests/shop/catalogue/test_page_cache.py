"""The anonymous-page cache (shop.catalogue.page_cache): what it serves, to whom, and when a
change retires what it stored."""

import pickle
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from core.roles import TOWNSHIP_EDITOR
from shop.catalogue import page_cache, shown
from shop.catalogue.models import ProductPage
from shop.orders import inventory
from shop.payments.services import payment_succeeded, start_payment
from tests.factories import ImageFactory, UserFactory
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import ProductPageFactory, ProductVariantFactory
from tests.township import add_pool, add_rule, deliver, place, refund, with_password

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.redis,
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


def test_a_visitor_with_a_message_is_not_served_nor_stores_the_cached_page(tomato):
    url = tomato.product.url
    Client().get(url)  # stored for anonymous visitors
    visitor = Client()
    visitor.post("/cart/add/", {"variant": tomato.pk, "quantity": 1})

    assert "已将" in visitor.get(url).text  # the cart's message: rendered for them
    assert "已将" not in Client().get(url).text  # and not stored for others
    with CaptureQueriesContext(connection) as captured:
        page = visitor.get(url).text  # no message left: from the cache, with their cart
    assert "已将" not in page
    assert '<span class="cart-count" aria-hidden="true">1</span>' in page
    assert not [query for query in captured if "shop_productvariant" in query["sql"]]


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


def test_a_page_served_early_over_https_has_the_security_headers_of_one_rendered(tomato):
    url = tomato.product.url
    Client().get(url)  # stored over plain HTTP, before the redirect was turned on
    with override_settings(SECURE_HSTS_SECONDS=3600, SECURE_SSL_REDIRECT=True):
        rendered = Client().get(url, secure=True)
        served = Client().get(url, secure=True)
        assert "Strict-Transport-Security" in rendered
        for header in ("Strict-Transport-Security", "Cross-Origin-Opener-Policy"):
            assert served.get(header) == rendered.get(header), header
        # Over plain HTTP no cached page is served: the stack redirects.
        plain = Client().get(url)
    assert plain.status_code == 301 and plain["Location"] == f"https://testserver{url}"


def test_static_files_are_left_to_the_stack():
    middleware = page_cache.PageCacheMiddleware(lambda request: None)
    for path in ("/static/css/site.css", "/media/images/a.jpg"):
        assert middleware._early_visitor(RequestFactory().get(path)) is None
    assert middleware._early_visitor(RequestFactory().get("/")) == page_cache.ANONYMOUS


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
    listing = f"/categories/{tomato.product.category.slug}/"
    client.force_login(UserFactory())
    assert "¥39.80" in client.get(listing).text

    tomato.price_fen = 2980
    with committed(execute=True):
        tomato.save()

    page = client.get(listing).text
    assert "¥29.80" in page and "¥39.80" not in page
    assert "我的订单" in page


def cart_count(page: str) -> str | None:
    found = re.findall(r'<span class="cart-count" aria-hidden="true">([^<]+)</span>', page)
    assert len(set(found)) <= 1, found  # the header's badge and the tab bar's agree
    return found[0] if found else None


@pytest.mark.parametrize("first", ["alice", "bob"])
def test_a_signed_in_buyer_never_sees_another_buyers_cart_or_name(tomato, first):
    """Two buyers with different carts and names on the same pages, each first in
    turn, then an anonymous visitor: each sees their own header, nobody another's."""
    buyers = {}
    for name, quantity in (("alice", 2), ("bob", 7)):
        user = UserFactory(
            username=f"buyer-{name}", first_name=f"名{name}", email=f"{name}@example.com"
        )
        buyer = Client()
        buyer.force_login(user)
        buyer.post("/cart/add/", {"variant": tomato.pk, "quantity": quantity})
        buyer.get("/cart/")  # the cart's message shown and gone
        buyers[name] = (buyer, str(quantity))
    order = [first, *(name for name in buyers if name != first)]
    listing = f"/categories/{tomato.product.category.slug}/"

    for url in (tomato.product.url, listing, "/", "/search/?q=番茄"):
        for name in [*order, *order]:  # the second round from the cache
            buyer, quantity = buyers[name]
            page = buyer.get(url).text
            assert cart_count(page) == quantity, (url, name)
            assert "我的订单" in page and "登录" not in page
            for other in buyers:
                if other != name:
                    assert f"buyer-{other}" not in page and f"名{other}" not in page
        anonymous = Client().get(url).text
        assert cart_count(anonymous) is None, url
        assert "我的订单" not in anonymous and "登录" in anonymous
        assert "buyer-" not in anonymous and "名alice" not in anonymous


def test_a_signed_in_buyers_page_from_the_cache_has_their_own_csrf_token(tomato):
    url = tomato.product.url
    Client().get(url)  # stored, by an anonymous visitor
    buyer = Client(enforce_csrf_checks=True)
    buyer.force_login(UserFactory())

    page = buyer.get(url).text
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))

    assert page_cache.CSRF_PLACEHOLDER not in page
    # The add-to-cart form's, the language switcher's, the log-out form's (a part of
    # the page of their own): all from their secret.
    assert page.count('name="csrfmiddlewaretoken"') == 3 and tokens
    for token in tokens:
        added = buyer.post(
            "/cart/add/", {"variant": tomato.pk, "quantity": 1, "csrfmiddlewaretoken": token}
        )
        assert added.status_code == 302


def signed_in(user) -> Client:
    visitor = Client()
    visitor.force_login(user)
    return visitor


def test_a_signed_in_buyer_is_served_before_the_stack_in_one_query(tomato):
    url = tomato.product.url
    Client().get(url)  # stored
    buyer = log_in_with_password(UserFactory(), through="/accounts/login/")
    buyer.post("/cart/add/", {"variant": tomato.pk, "quantity": 3})
    buyer.get("/cart/")  # the cart's message shown and gone
    page_cache._database_generation()  # read once a minute here: not counted

    with CaptureQueriesContext(connection) as captured:
        page = buyer.get(url).text

    assert cart_count(page) == "3" and "我的订单" in page
    # Their user, whether they hold a staff role and their cart's count, together;
    # the session, in the database here, is read once (by the early reading alone).
    user_queries = [query["sql"] for query in captured if "django_session" not in query["sql"]]
    assert len(user_queries) == 1 and "shop_cartline" in user_queries[0]
    assert len(captured) - len(user_queries) <= 1


def test_a_session_holding_more_than_who_and_the_cart_gets_its_page_rendered(tomato):
    """Anything else in a session may show on the page (a page's password, a
    message kept there): such a visitor is not served the stored page."""
    url = tomato.product.url
    Client().get(url)  # stored
    buyer = signed_in(UserFactory())
    session = buyer.session
    session["something_of_their_own"] = 1
    session.save()
    # Changed behind the cache's back, so that a page rendered shows it.
    ProductPage.objects.filter(pk=tomato.product.pk).update(title="姜庄新番茄")

    assert "姜庄新番茄" in buyer.get(url).text
    assert "姜庄新番茄" not in signed_in(UserFactory()).get(url).text


def test_a_guest_with_a_cart_is_served_before_the_stack_with_their_count(tomato):
    url = tomato.product.url
    Client().get(url)  # stored
    guest = Client()
    guest.post("/cart/add/", {"variant": tomato.pk, "quantity": 2})
    guest.get("/cart/")  # the cart's message shown and gone

    with CaptureQueriesContext(connection) as captured:
        page = guest.get(url).text

    assert cart_count(page) == "2" and "登录" in page and "我的订单" not in page
    assert not [query for query in captured if "shop_productvariant" in query["sql"]]


def change_password(user) -> None:
    user.set_password("a-new-password-4821")
    user.save()


def deactivate(user) -> None:
    user.is_active = False
    user.save()


@pytest.mark.parametrize("change", [change_password, deactivate])
def test_a_buyer_the_session_no_longer_confirms_is_signed_out_not_served_as_signed_in(
    tomato, change
):
    """A password changed elsewhere, or an account closed: the session's user is no
    longer confirmed, and the page says so (the stack logs them out), from the cache
    or not."""
    url = tomato.product.url
    Client().get(url)  # stored
    user = UserFactory()
    buyer = signed_in(user)
    buyer.post("/cart/add/", {"variant": tomato.pk, "quantity": 2})
    buyer.get("/cart/")
    assert "我的订单" in buyer.get(url).text

    change(user)
    page = buyer.get(url).text

    assert "我的订单" not in page and "登录" in page and cart_count(page) is None
    assert "我的订单" not in buyer.get(url).text  # and stays signed out


def log_in_with_password(user, *, through: str) -> Client:
    with_password(user, "a-password-5731")
    visitor = Client()
    field = "username" if through == "/admin/login/" else "login"
    visitor.post(
        through, {field: user.username, "password": "a-password-5731"}, REMOTE_ADDR="203.0.113.21"
    )
    assert "_auth_user_id" in visitor.session
    return visitor


@pytest.mark.parametrize("when", ["signed in as staff", "made staff while signed in"])
def test_a_staff_member_is_not_served_before_their_sessions_checks(tomato, when):
    """Staff sessions carry a second factor and time limits (config/staff_auth.py):
    a staff member signed in with their password alone is sent to give their code,
    on a cached page too, whatever their user's own ``is_staff`` flag says; so is a
    buyer given a staff role while signed in."""
    url = tomato.product.url
    Client().get(url)  # stored
    user = UserFactory()
    if when == "signed in as staff":
        user.groups.add(Group.objects.get(name=TOWNSHIP_EDITOR))
        visitor = log_in_with_password(user, through="/admin/login/")
    else:
        visitor = log_in_with_password(user, through="/accounts/login/")
        assert visitor.get(url).status_code == 200
        user.groups.add(Group.objects.get(name=TOWNSHIP_EDITOR))
    assert not user.is_staff

    answer = visitor.get(url)

    assert answer.status_code == 302 and answer["Location"] == reverse("mfa_activate_totp")


def test_a_stock_change_retires_only_its_products_pages(tomato, staff, committed):
    other = ProductVariantFactory(
        product=ProductPageFactory(title="刘庄黄瓜", parent=tomato.product.get_parent()),
        stock=10,
    )
    listing = f"/categories/{tomato.product.category.slug}/"
    for url in (tomato.product.url, other.product.url, listing):
        Client().get(url)

    with committed(execute=True):
        inventory.mark_sold_out(variant_id=tomato.pk, actor=staff)

    with CaptureQueriesContext(connection) as captured:
        Client().get(other.product.url)  # shows nothing of the tomato: still cached
    assert len(captured) == 0
    assert "已售罄" in Client().get(tomato.product.url).text
    assert page_cache.product_dependency(tomato.product_id) in page_cache.stored_dependencies(
        page_cache.page_key(request=RequestFactory().get(listing), language="zh-hans")
    )


def test_selling_a_unit_leaves_the_pages_cached_until_what_they_show_moves(tomato, committed):
    """Stock 10: the page shows neither count nor warning until 5 are left."""
    url = tomato.product.url
    Client().get(url)

    with committed(execute=True):
        place([(tomato, 4)], gateway="dummy")
    with CaptureQueriesContext(connection) as captured:
        assert "仅剩" not in Client().get(url).text
    assert len(captured) == 0

    with committed(execute=True):
        place([(tomato, 1)], gateway="dummy")
    assert "仅剩 5 件" in Client().get(url).text


def test_a_page_rendered_while_what_it_shows_changed_is_not_stored(tomato):
    """The version is read before the page is rendered; a change committed during
    the render retires the key after it was read, and the store refuses the page."""
    key = page_cache.page_key(request=RequestFactory().get("/x/"), language="zh-hans")
    product = page_cache.product_dependency(tomato.product_id)
    version, _stored = page_cache._lookup(key)

    page_cache._retire([product])  # committed while the page was rendered

    assert not page_cache.store(key=key, version=version, dependencies={product}, page=({}, b""))
    version, _stored = page_cache._lookup(key)
    assert page_cache.store(key=key, version=version, dependencies={product}, page=({}, b""))
    assert page_cache._lookup(key)[1] == ({}, b"")


def test_a_process_is_sent_a_page_only_when_it_does_not_hold_the_one_stored(tomato):
    """A hit names the digest of the page the process holds, and Redis sends the
    body only when the page stored is another."""
    key = page_cache.page_key(request=RequestFactory().get("/x/"), language="zh-hans")
    version, _stored = page_cache._lookup(key)
    assert page_cache.store(key=key, version=version, dependencies=set(), page=({}, b"A"))
    # The body in Redis changed under the same digest: a process holding the page is
    # not sent it, one that holds nothing is.
    client = page_cache._redis(lambda client: client)
    client.hset(key, "body", pickle.dumps(({}, b"unsent")))
    assert page_cache._lookup(key)[1] == ({}, b"A")
    page_cache._held.clear()
    assert page_cache._lookup(key)[1] == ({}, b"unsent")

    # Another process stores another page: this one is sent it, and holds it.
    held = page_cache._held[key]
    version, _stored = page_cache._lookup(key)
    assert page_cache.store(key=key, version=version, dependencies=set(), page=({}, b"B"))
    page_cache._held[key] = held
    assert page_cache._lookup(key)[1] == ({}, b"B")
    assert page_cache._held[key][1] == ({}, b"B")


def test_the_sales_count_is_shown_in_bands():
    assert [shown.sold_text(units) for units in (0, 1, 9, 10, 19, 20, 99, 100, 345, 1200)] == [
        "",
        "已售 1",
        "已售 9",
        "已售 10+",
        "已售 10+",
        "已售 20+",
        "已售 90+",
        "已售 100+",
        "已售 300+",
        "已售 1000+",
    ]


# Queries of a page's first request and of the next (from the cache), by visitor. An
# anonymous visitor's cached page makes none (the database's generation is read once
# a minute here). A signed-in buyer's, served before the stack: their session (from
# the database here; from the cache where Redis is the cache), then one query for
# their user, whether they hold a staff role and their cart's count for the badge. A
# page rendered for them costs that query more than the stack's own reading.
SIGNED_IN_CACHED = 1 if settings.SESSION_ENGINE.endswith("cached_db") else 2


@pytest.mark.parametrize(
    ("page", "anonymous_first", "signed_in_first"),
    [("home", 9, 13), ("listing", 4, 8), ("product", 10, 14), ("search", 3, 7)],
)
def test_query_counts_of_the_first_and_the_cached_request(
    tomato, page, anonymous_first, signed_in_first
):
    url = {
        "home": "/",
        "listing": f"/categories/{tomato.product.category.slug}/",
        "product": tomato.product.url,
        "search": "/search/?q=番茄",
    }[page]
    Client().get(url)  # renditions are made on a page's first view
    buyer = Client()
    buyer.force_login(UserFactory())
    counts = []
    for visitor in (Client(), Client(), buyer, buyer):
        if len(counts) in (0, 2):
            page_cache._retire([page_cache.CATALOGUE])  # the first request: rendered
        page_cache._database_generation()  # read once a minute here: not counted
        with CaptureQueriesContext(connection) as captured:
            assert visitor.get(url).status_code == 200
        counts.append(len(captured))

    assert counts == [anonymous_first, 0, signed_in_first, SIGNED_IN_CACHED]
