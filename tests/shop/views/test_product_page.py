"""The product page on a phone: each image and text once, the price by the title,
variant chips, the bottom bar's 立即购买, the producer's story and the aid share."""

import json
import re

import pytest
from django.utils import timezone

from shop.catalogue.models import ProductPhoto
from shop.orders.models import CartLine
from tests.factories import ImageFactory
from tests.producers.factories import ProducerPageFactory, VillageFactory
from tests.shop.factories import ProductPageFactory, ProductVariantFactory
from tests.township import add_households, add_pool, add_rule

pytestmark = pytest.mark.django_db

SUMMARY = "沙瓤多汁，自然成熟"


@pytest.fixture
def product():
    """A product as the demo made them: the summary again as the description and as
    the caption of its second photo."""
    page = ProductPageFactory(
        summary=SUMMARY, description=f"<p>{SUMMARY}</p>", image=ImageFactory(title="main")
    )
    page.photos = [ProductPhoto(image=ImageFactory(title="detail"), caption=SUMMARY)]
    page.save_revision().publish()
    return page


def image_tags(html: str) -> list[str]:
    return re.findall(r"<img [^>]*>", html)


def test_the_summary_and_each_image_are_shown_once(client, product):
    html = client.get(product.url).text

    assert html.count(SUMMARY) == 1
    images = image_tags(html)
    assert len(images) == 2
    for image in (product.image, product.photos.first().image):
        stem = image.file.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        assert sum(stem in tag for tag in images) == 1


def test_a_photo_of_the_main_image_again_is_not_shown_twice(client, product):
    product.photos = [ProductPhoto(image=product.image)]
    product.save_revision().publish()

    assert len(image_tags(client.get(product.url).text)) == 1


def test_a_description_of_its_own_is_shown(client, product):
    product.description = "<p>每天清晨采摘，当天发货。</p>"
    product.save_revision().publish()

    assert "每天清晨采摘，当天发货。" in client.get(product.url).text


def test_the_gallery_images_have_sizes_and_all_but_the_first_load_lazily(client, product):
    images = image_tags(client.get(product.url).text)

    assert all('width="' in tag and 'height="' in tag and "srcset=" in tag for tag in images)
    assert 'fetchpriority="high"' in images[0] and "loading" not in images[0]
    assert all('loading="lazy"' in tag for tag in images[1:])


def test_each_gallery_photo_links_to_a_larger_rendition(client, product):
    html = client.get(product.url).text

    links = re.findall(r'<a href="([^"]+)" class="gallery-zoom">(.*?)</a>', html, re.S)
    images = (product.image, product.photos.first().image)
    for (url, inside), image in zip(links, images, strict=True):
        large = image.get_rendition("max-1600x1600")
        assert url == large.url
        (shown,) = image_tags(inside)
        assert 'width="' in shown and 'height="' in shown
        assert "查看大图" in inside  # the link's name says what it does


def test_the_price_range_sits_under_the_title_and_variants_are_chips(client, product):
    cheap = ProductVariantFactory(product=product, name="2斤装", price_fen=1990, stock=5)
    ProductVariantFactory(product=product, name="5斤装", price_fen=3980, stock=5)
    gone = ProductVariantFactory(product=product, name="10斤装", price_fen=6990, stock=0)

    html = client.get(product.url).text

    start = html.index("<h1>")
    head = html[start : html.index("</header>", start)]
    assert "¥19.90 – ¥69.90" in head
    assert "<select" not in html
    chips = re.findall(r'<input type="radio" name="variant"[^>]*>', html)
    assert len(chips) == 3
    (checked,) = [chip for chip in chips if " checked" in chip]
    assert f'value="{cheap.pk}"' in checked
    (disabled,) = [chip for chip in chips if " disabled" in chip]
    assert f'value="{gone.pk}"' in disabled
    bar = html[html.index('<div class="bottom-bar">') :]
    assert "¥19.90 起" in bar[: bar.index("</div>")]


def test_the_bottom_bar_holds_the_price_and_both_buttons_for_the_form(client, product):
    ProductVariantFactory(product=product, price_fen=2990, stock=5)

    html = client.get(product.url).text

    bar = html[html.index('<div class="bottom-bar">') :]
    bar = bar[: bar.index("</div>")]
    assert "¥29.90" in bar  # one variant: its price, not "起"
    assert bar.count('form="add-to-cart"') == 2
    assert 'name="buy_now" value="1"' in bar
    assert "加入购物车" in bar and "立即购买" in bar
    assert html.index('<div class="bottom-bar">') > html.index("</main>")


def test_no_bottom_bar_when_everything_is_sold_out(client, product):
    ProductVariantFactory(product=product, stock=0)

    html = client.get(product.url).text

    assert "bottom-bar" not in html
    assert "全部规格已售罄。" in html


def test_buy_now_adds_to_the_cart_and_goes_to_checkout(client, product):
    variant = ProductVariantFactory(product=product, stock=5)

    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": 2, "buy_now": "1"})

    assert response.status_code == 302 and response.url == "/checkout/"
    assert CartLine.objects.get(variant=variant).quantity == 2


def test_add_to_cart_still_goes_to_the_cart(client, product):
    variant = ProductVariantFactory(product=product, stock=5)

    response = client.post("/cart/add/", {"variant": variant.pk, "quantity": 1})

    assert response.url == "/cart/"


def test_the_producer_story_is_shown(client):
    producer_page = ProducerPageFactory(intro="三代人种番茄", story="<p>合作社成立于2015年。</p>")
    product = ProductPageFactory(parent=producer_page)

    html = client.get(product.url).text

    assert "三代人种番茄" in html and "合作社成立于2015年。" in html


def test_the_aid_share_of_one_unit_and_the_households_it_reaches(client):
    village = VillageFactory(is_key_village=True)
    add_households(village, members=(1, 2, 4))
    product = ProductPageFactory(parent=ProducerPageFactory(producer__village=village))
    dear = ProductVariantFactory(product=product, price_fen=3990, stock=5)
    cheap = ProductVariantFactory(product=product, price_fen=2990, stock=5)
    add_rule(product.producer, add_pool(village), share_bp=2500, valid_from=timezone.localdate())

    response = client.get(product.url)

    # 25% of the cheapest variant's ¥29.90, rounded half up: ¥7.48, to the 3 households.
    heading = response.text[response.text.index('<h2 id="aid-share-heading">') :]
    assert "每售出一件，¥7.48 归 3 户脱贫户" in heading[: heading.index("</h2>")]
    assert "每单收入的25%用于" in response.text
    # The page's script shows the chosen variant's instead.
    data = response.text.split('<script id="aid-by-variant" type="application/json">', 1)[1]
    assert json.loads(data.split("</script>", 1)[0]) == {
        str(dear.pk): "每售出一件，¥9.98 归 3 户脱贫户",
        str(cheap.pk): "每售出一件，¥7.48 归 3 户脱贫户",
    }


def test_a_pool_reaching_no_household_yet_says_the_aid_goes_to_the_fund(client):
    village = VillageFactory(is_key_village=True)
    product = ProductPageFactory(parent=ProducerPageFactory(producer__village=village))
    ProductVariantFactory(product=product, price_fen=1000, stock=5)
    add_rule(product.producer, add_pool(village), share_bp=1000, valid_from=timezone.localdate())

    assert "每售出一件，¥1.00 进入帮扶资金" in client.get(product.url).text


def test_without_a_rule_there_is_no_aid_share(client, product):
    ProductVariantFactory(product=product, stock=5)

    assert "每售出一件" not in client.get(product.url).text


def test_the_facts_are_kept(client):
    product = ProductPageFactory(origin="刘垓子镇姜庄村", storage_note="阴凉通风处")

    html = client.get(product.url).text

    assert "刘垓子镇姜庄村" in html and "阴凉通风处" in html and "退货规则" in html
