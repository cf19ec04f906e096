"""Product cards read as rows (shop/catalogue/cards.py) show what the product's page says."""

import pytest
from django.utils import translation

from shop.catalogue import selectors
from shop.catalogue.cards import PHOTO_RENDITION, product_cards
from tests.factories import ImageFactory
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import ProductPageFactory, ProductVariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def products():
    producer_page = ProducerPageFactory(slug="姜庄合作社")
    made = [
        ProductPageFactory(parent=producer_page, slug="大棚番茄", image=ImageFactory()),
        ProductPageFactory(parent=producer_page, slug="honey-melon", image=None),
    ]
    ProductVariantFactory(product=made[0], price_fen=3980)
    ProductVariantFactory(product=made[0], price_fen=2990)
    return made


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_a_card_links_where_wagtail_links_the_page_in_the_visitor_language(products, language):
    with translation.override(language):
        cards = product_cards(selectors.listed_products(sort="price"))
        assert sorted(card.url for card in cards) == sorted(product.url for product in products)
    assert all(card.url.startswith("/en/") == (language == "en") for card in cards)


def test_rows_and_pages_make_the_same_cards(products):
    from_rows = product_cards(selectors.listed_products())
    from_pages = product_cards(list(selectors.listed_products()))

    assert from_rows == from_pages


def test_a_card_shows_the_lowest_active_price_and_the_photo_rendition(products):
    tomato = next(c for c in product_cards(selectors.listed_products()) if c.photo)

    rendition = products[0].image.get_rendition(PHOTO_RENDITION)
    assert tomato.price_text == "¥29.90 起"
    assert (tomato.photo.url, tomato.photo.width, tomato.photo.height) == (
        rendition.url,
        rendition.width,
        rendition.height,
    )


def test_a_product_without_a_photo_or_an_active_variant_gets_a_card_without_them(products):
    melon = next(c for c in product_cards(selectors.listed_products()) if not c.photo)

    assert (melon.photo, melon.price_text) == (None, "")


def test_a_photo_shown_for_the_first_time_gets_its_rendition_made(products):
    image = products[0].image
    image.renditions.all().delete()

    (card,) = [c for c in product_cards(selectors.listed_products()) if c.photo]

    assert image.renditions.filter(filter_spec=PHOTO_RENDITION).count() == 1
    assert card.photo.url == image.get_rendition(PHOTO_RENDITION).url


def test_a_rendition_of_an_older_focal_point_is_not_used(products):
    image = products[0].image
    old = image.get_rendition(PHOTO_RENDITION)
    image.focal_point_x, image.focal_point_y = 10, 10
    image.focal_point_width = image.focal_point_height = 20
    image.save()

    (card,) = [c for c in product_cards(selectors.listed_products()) if c.photo]

    assert card.photo.url != old.url
    assert card.photo.url == image.get_rendition(PHOTO_RENDITION).url
