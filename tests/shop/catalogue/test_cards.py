"""Product cards read as rows (shop/catalogue/cards.py) show what the product's page says."""

import re

import pytest
from django.utils import translation

from shop.catalogue import selectors
from shop.catalogue.cards import PHOTO_RENDITION, SRCSET_RENDITIONS, product_cards
from shop.catalogue.models import ProductVariant
from tests.factories import ImageFactory
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import ProductPageFactory, ProductVariantFactory
from tests.township import place, refund, sell

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


def test_a_card_counts_the_units_on_paid_lines_less_the_refunded_ones(products, staff):
    tomato = products[0]
    big, small = tomato.variants.order_by("-price_fen")
    ProductVariant.objects.filter(product=tomato).update(stock=50)
    sell([(big, 3), (small, 2)])
    refunded = sell([(small, 4)])
    refund(refunded, staff=staff, line=refunded.lines.get(), quantity=1)
    place([(big, 7)], gateway="dummy")  # placed, never paid: not sold

    cards = {card.title: card for card in product_cards(selectors.listed_products())}

    assert cards[tomato.title].sold_text == "已售 8"
    assert cards[products[1].title].sold_text == ""  # nothing sold yet: nothing said


def test_the_sold_count_is_read_with_the_cards_and_shown_on_them(
    client, products, django_assert_num_queries
):
    tomato = products[0]
    variant = tomato.variants.first()
    ProductVariant.objects.filter(pk=variant.pk).update(stock=10)
    sell([(variant, 2)])
    product_cards(selectors.listed_products())  # the photos' renditions made once

    # The cards' rows (price and units sold in them) and their photos: two queries.
    with django_assert_num_queries(2):
        cards = product_cards(selectors.listed_products())

    assert [card.sold_text for card in cards if card.title == tomato.title] == ["已售 2"]
    assert "已售 2" in client.get("/search/", {"q": "番茄"}).text


def test_a_card_photo_offers_its_sizes_and_loads_lazily_below_the_first(client, products):
    ProductPageFactory(
        parent=products[0].get_parent(),
        slug="second-tomato",
        category=products[0].category,
        image=ImageFactory(),
    )
    image = products[0].image
    product_cards(selectors.listed_products())

    html = client.get(f"/categories/{products[0].category.slug}/").text

    widths = [image.get_rendition(spec).width for spec in SRCSET_RENDITIONS]
    assert f"{image.get_rendition(PHOTO_RENDITION).url} {widths[1]}w" in html
    assert html.count('loading="lazy"') == html.count("<img") - 1
    assert html.count('fetchpriority="high"') == 1


def test_on_a_producer_page_the_cover_comes_first_and_every_card_photo_loads_lazily(
    client, products
):
    producer_page = products[0].get_parent().specific
    producer_page.image = ImageFactory()
    producer_page.save_revision().publish()

    images = re.findall(r"<img [^>]*>", client.get(producer_page.url).text)

    assert 'fetchpriority="high"' in images[0] and "srcset=" in images[0]
    assert len(images) == 2
    assert all('loading="lazy"' in tag for tag in images[1:])
