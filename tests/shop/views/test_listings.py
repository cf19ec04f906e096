import datetime

import pytest
from django.utils import timezone

from shop.catalogue.models import ProductCertificate
from tests.producers.factories import ProducerPageFactory, VillageFactory
from tests.shop.factories import CategoryFactory, ProductPageFactory, ProductVariantFactory

pytestmark = pytest.mark.django_db


def test_category_lists_its_sub_categories_products(client):
    parent = CategoryFactory(slug="handicrafts", name="手工艺品")
    child = CategoryFactory(slug="woven", name="编织品", parent=parent)
    ProductPageFactory(title="手工编织渔网", category=child)

    response = client.get("/categories/handicrafts/")

    assert "手工编织渔网" in response.text


def test_price_sort_orders_by_lowest_active_variant(client):
    category = CategoryFactory()
    cheap, dear = (
        ProductPageFactory(title="便宜货", category=category),
        ProductPageFactory(title="贵价货", category=category),
    )
    ProductVariantFactory(product=cheap, price_fen=1000)
    ProductVariantFactory(product=dear, price_fen=5000)
    ProductVariantFactory(product=dear, price_fen=100, is_active=False)

    ascending = client.get(f"/categories/{category.slug}/?sort=price").text
    descending = client.get(f"/categories/{category.slug}/?sort=-price").text

    assert ascending.index("便宜货") < ascending.index("贵价货")
    assert descending.index("贵价货") < descending.index("便宜货")


@pytest.mark.parametrize("query", ["?sort=bogus", "?page=abc", "?page=-1", "?page=99999"])
def test_bad_sort_or_page_answers_a_normal_page(client, query):
    category = CategoryFactory()
    ProductPageFactory(category=category)
    assert client.get(f"/categories/{category.slug}/{query}").status_code == 200


@pytest.mark.parametrize("url", ["/categories/nope/", "/villages/nope/", "/villages/%E5%A7%9C/"])
def test_unknown_category_or_village_is_404(client, url):
    assert client.get(url).status_code == 404


def test_village_page_lists_its_producers_and_products(client):
    village = VillageFactory(name="姜庄村")
    producer_page = ProducerPageFactory(producer__village=village)
    ProductPageFactory(parent=producer_page, title="姜庄黄桃")
    ProductPageFactory(title="别村的货")

    response = client.get(f"/villages/{village.code}/")

    assert producer_page.title in response.text
    assert "姜庄黄桃" in response.text
    assert "别村的货" not in response.text


def test_certificate_badge_shows_only_while_valid(client):
    product = ProductPageFactory()
    today = timezone.localdate()
    ProductCertificate.objects.create(
        product=product,
        number="有效-001",
        issuing_body="临清市扶贫办",
        valid_from=today - datetime.timedelta(days=30),
        valid_to=today,
    )
    ProductCertificate.objects.create(
        product=product,
        number="过期-002",
        issuing_body="临清市扶贫办",
        valid_from=today - datetime.timedelta(days=400),
        valid_to=today - datetime.timedelta(days=1),
    )

    response = client.get(product.url)

    assert "有效-001" in response.text
    assert "过期-002" not in response.text
