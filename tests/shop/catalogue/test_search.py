from importlib import import_module

import pytest

from shop.catalogue.chinese_text import index_tokens, pinyin_tokens, query_tokens
from tests.shop.factories import CategoryFactory, ProductPageFactory, ProductVariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return {
        "tomato": ProductPageFactory(title="大棚番茄", summary="沙瓤多汁"),
        "cucumber": ProductPageFactory(title="水果黄瓜", summary="脆嫩清甜"),
        "net": ProductPageFactory(title="手工编织渔网", summary="马庄村妇女编织"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("番茄", {"tomato"}),
        ("西红柿", {"tomato"}),  # synonym
        ("蕃茄", {"tomato"}),  # variant character
        ("黄瓜", {"cucumber"}),
        ("黃瓜", {"cucumber"}),  # Traditional
        ("大棚", {"tomato"}),
        ("大棚番茄", {"tomato"}),
        ("渔网", {"net"}),
        ("手工 渔网", {"net"}),
        # Pinyin, with or without spaces, and initials, as typed on a phone.
        ("fanqie", {"tomato"}),
        ("FanQie", {"tomato"}),
        ("fan qie", {"tomato"}),
        ("fq", {"tomato"}),
        ("dpfq", {"tomato"}),
        ("huanggua", {"cucumber"}),
        ("hg", {"cucumber"}),
        ("yuwang", {"net"}),
        ("shougong yuwang", {"net"}),
        ("fanqie huanggua", set()),  # all tokens must match, as with characters
    ],
)
def test_two_character_words_variants_and_synonyms_find_products(
    client, catalogue, query, expected
):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    found = {key for key, page in catalogue.items() if page.title in response.text}
    assert found == expected


def test_draft_products_are_not_found(client):
    ProductPageFactory(title="未上架番茄", live=False)
    response = client.get("/search/", {"q": "番茄"})
    assert "未上架番茄" not in response.text


@pytest.mark.parametrize(
    "query", ["", "   ", "番" * 200, "x" * 200, "'; DROP TABLE --", "%%%", "\x00"]
)
def test_odd_queries_answer_a_normal_page(client, catalogue, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200


def test_out_of_range_result_page_falls_back_to_the_last_page(client, catalogue):
    response = client.get("/search/", {"q": "番茄", "page": "999"})
    assert response.status_code == 200
    assert "大棚番茄" in response.text


def test_index_tokens_hold_words_characters_and_pairs():
    tokens = index_tokens("大棚番茄").split()
    assert {"大棚", "番茄", "番", "棚番"} <= set(tokens)


def test_long_chinese_query_becomes_pairs():
    assert query_tokens("大棚番茄") == "大棚 棚番 番茄"


def test_a_result_card_links_the_product_and_shows_its_lowest_price(client, catalogue):
    tomato = catalogue["tomato"]
    ProductVariantFactory(product=tomato, price_fen=3980)
    ProductVariantFactory(product=tomato, price_fen=2990)

    page = client.get("/search/", {"q": "番茄"}).text

    assert f'<a href="{tomato.url}">' in page
    assert "¥29.90 起" in page


def test_pinyin_tokens_hold_each_word_and_the_whole_name():
    assert pinyin_tokens("大棚番茄") == {
        "dapengfanqie",
        "dapeng",
        "fanqie",
        "dpfq",
        "dp",
        "fq",
        "da",
        "peng",
        "fan",
        "qie",
    }


def test_pinyin_reads_polyphones_by_the_word_and_writes_u_umlaut_as_v():
    assert {"yinhang", "lvdou"} <= pinyin_tokens("银行 绿豆")
    assert "yinxing" not in pinyin_tokens("银行")


def test_the_summary_is_not_found_by_pinyin(client, catalogue):
    # Only the name and category are spelt out: the summary's 沙瓤 would be noise.
    assert "大棚番茄" not in client.get("/search/", {"q": "sharang"}).text


def test_a_product_is_found_by_the_pinyin_of_its_category(client):
    ProductPageFactory(title="礼盒装", category=CategoryFactory(name="手工艺品"))

    assert "礼盒装" in client.get("/search/", {"q": "shougongyipin"}).text


def test_migration_0018_indexes_the_pinyin_of_products_saved_before(client, catalogue):
    from django.apps import apps
    from wagtail.search.backends import get_search_backend

    reindex = import_module("shop.migrations.0019_reindex_products_with_pinyin")
    get_search_backend().reset_indexes()  # as indexed before pinyin: not at all by it
    assert "大棚番茄" not in client.get("/search/", {"q": "fanqie"}).text

    reindex.reindex_products(apps, None)

    assert "大棚番茄" in client.get("/search/", {"q": "fanqie"}).text


def test_no_results_suggest_the_top_categories(client, catalogue):
    fruit = CategoryFactory(name="水果")
    CategoryFactory(name="瓜果", parent=fruit)

    page = client.get("/search/", {"q": "没有这种东西"}).text

    assert f'href="/categories/{fruit.slug}/"' in page
    assert "瓜果" not in page


def test_found_results_suggest_no_categories(client, catalogue):
    assert "或者按分类逛逛" not in client.get("/search/", {"q": "番茄"}).text
