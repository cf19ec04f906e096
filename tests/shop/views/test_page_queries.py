"""Each storefront page runs a fixed number of SQL queries, whatever the number of
products, variants, photos or certificates (DESIGN §14). The counts are exact, so a
new query on a page is a decision, not an accident. These are uncached counts: the
page cache is off in tests unless a test turns it on (see
tests/shop/catalogue/test_page_cache.py)."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shop.catalogue.models import ProductCertificate, ProductPhoto
from tests.factories import ImageFactory, UserFactory
from tests.producers.factories import ProducerPageFactory, VillageFactory
from tests.shop.factories import CategoryFactory, ProductPageFactory, ProductVariantFactory
from tests.township import add_pool, add_rule

pytestmark = pytest.mark.django_db

HOME = 9
# The categories (all of them, a handful: the page's, its parent and its
# sub-categories), the count of its products, their cards' rows, the cards' photos
# with their images.
CATEGORY = 4
VILLAGE = 6
PRODUCER = 12
# Wagtail's share is 5: the site with its root page, that page's specific row, the
# product by its address with its producer, village, category and image
# (HomePage.route), ancestors and view restrictions. The page's own 7: the producer's
# page (its story: read alone, as joined to the product's query it cost more to plan
# than it saved), the aid rule with its pool, the pool's villages, the households
# its share of a sale reaches and those it names (counted together), certificates,
# variants, photos.
PRODUCT = 12
SEARCH = 3
# A signed-in buyer's listing with the page cache on, once stored: served from it
# before the stack (shop.catalogue.page_cache), with one query for their user,
# whether they hold a staff role (who must pass their second factor first:
# config/staff_auth.py) and the count of their cart's items for the header's badge;
# the session is in the cache.
CATEGORY_SIGNED_IN = 1


def add_products(count: int, **kwargs):
    products = []
    for _ in range(count):
        product = ProductPageFactory(image=ImageFactory(), **kwargs)
        ProductVariantFactory(product=product)
        products.append(product)
    return products


def queries_for(client, url: str) -> int:
    client.get(url)  # renditions are generated on the first view, then reused
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_listing_queries_are_fixed_from_5_to_100_products(client):
    producer_page = ProducerPageFactory(producer__village=VillageFactory())
    category = CategoryFactory()
    urls = {
        "home": "/",
        "category": f"/categories/{category.slug}/",
        "village": f"/villages/{producer_page.producer.village.code}/",
        "producer": producer_page.url,
        "search": "/search/?q=番茄",
    }
    expected = {
        "home": HOME,
        "category": CATEGORY,
        "village": VILLAGE,
        "producer": PRODUCER,
        "search": SEARCH,
    }

    add_products(5, parent=producer_page, category=category)
    with_5 = {name: queries_for(client, url) for name, url in urls.items()}
    add_products(95, parent=producer_page, category=category)
    with_100 = {name: queries_for(client, url) for name, url in urls.items()}

    assert with_5 == expected
    assert with_100 == expected


def test_product_page_queries_are_fixed_whatever_its_variants_photos_or_certificates(client):
    product = add_products(1)[0]
    pool = add_pool(product.producer.village)
    add_rule(product.producer, pool, valid_from=timezone.localdate())
    few = queries_for(client, product.url)

    for _ in range(5):
        ProductVariantFactory(product=product)
    product.photos = [ProductPhoto(image=ImageFactory()) for _ in range(3)]
    product.save_revision().publish()
    today = timezone.localdate()
    for number in ("A-1", "A-2"):
        ProductCertificate.objects.create(
            product=product, number=number, issuing_body="扶贫办", valid_from=today, valid_to=today
        )
    many = queries_for(client, product.url)

    assert "25%" in client.get(product.url).text
    assert (few, many) == (PRODUCT, PRODUCT)


@pytest.mark.redis
@override_settings(PAGE_CACHE_SECONDS=300, PAGE_CACHE_GENERATION_CHECK_SECONDS=60)
def test_a_signed_in_listing_runs_fixed_queries(client):
    category = CategoryFactory()
    url = f"/categories/{category.slug}/"
    client.force_login(UserFactory())

    add_products(5, category=category)
    with_5 = queries_for(client, url)
    add_products(20, category=category)
    with_25 = queries_for(client, url)

    assert (with_5, with_25) == (CATEGORY_SIGNED_IN,) * 2
