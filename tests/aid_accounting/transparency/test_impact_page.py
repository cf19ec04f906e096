"""The 帮扶成效 page (/impact/) and the open data as HTML (/impact/open-data/):
the same figures as the home page and /open-data/, suppressed cells kept empty,
and a fixed number of queries."""

import datetime
import json
import re

import pytest
from django.utils.translation import override

from aid_accounting.periods.close import close_period
from aid_accounting.rules.models import AidPool
from aid_accounting.rules.versions import set_rule
from aid_accounting.transparency import impact
from core.money import format_yuan
from core.roles import SYSTEM
from tests.aid_accounting.factories import HouseholdFactory
from tests.producers.factories import VillageFactory
from tests.township import at, close_and_publish, deliver, sell

pytestmark = pytest.mark.django_db

OCT_SALE, OCT_DELIVERY, NOV_CLOSE = at("2026-10-10"), at("2026-10-12"), at("2026-11-02")


@pytest.fixture
def small_village_too(tomato, tomato_rule, beneficiaries, bag):
    """One October close pays the key village (3 households) and a village of
    two: both villages' distributed cells are suppressed."""
    village = VillageFactory(name="小王庄村", code="xiaowangzhuang")
    for n in (1, 2):
        HouseholdFactory(registration_number=f"LGZ-X-{n}", village=village)
    pool = AidPool.objects.create(name="小王庄资金池")
    pool.villages.add(village)
    set_rule(
        actor=SYSTEM,
        producer=bag.product.producer,
        pool=pool,
        share_bp=5000,
        valid_from=datetime.date(2026, 1, 1),
    )
    order = sell([(tomato, 2), (bag, 2)], paid_at=OCT_SALE)
    deliver(order, at=OCT_DELIVERY)
    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)


def chart_data(page: str) -> dict:
    found = re.search(r'<script id="open-data-chart-data"[^>]*>(.*?)</script>', page)
    return json.loads(found.group(1))


def test_impact_page_shows_the_home_figures_and_links_everything(client, october):
    summary = impact.township_impact()

    page = client.get("/impact/").text

    assert f"<dd>{format_yuan(summary.accrued_fen)}</dd>" in page
    assert f"<dd>{format_yuan(summary.distributed_fen)}</dd>" in page
    assert "惠及脱贫户</dt><dd>3 户" in page
    for href in ('href="/notices/"', 'href="/impact/open-data/"', 'href="/open-data/"'):
        assert href in page
    assert 'href="/open-data/?format=csv"' in page


def test_impact_page_is_linked_from_the_storefront_and_the_notices(client, db):
    assert 'href="/impact/"' in client.get("/").text
    assert 'href="/impact/"' in client.get("/notices/").text


def test_english_impact_page_is_linked_under_en(client, db):
    with override("en"):
        response = client.get("/en/impact/")
    assert response.status_code == 200
    assert 'href="/en/impact/open-data/"' in response.text


def test_impact_page_queries_are_fixed(client, october, django_assert_num_queries):
    client.get("/impact/")  # warm the site's and Wagtail's caches
    with django_assert_num_queries(2):
        client.get("/impact/")


def test_open_data_page_shows_the_open_data_figures(client, october):
    rows = [r for r in client.get("/open-data/").json()["rows"] if r["dimension"] == "village"]
    [village] = [r for r in rows if r["aid_distributed_fen"]]

    page = client.get("/impact/open-data/").text

    assert ">2026-10</caption>" in page
    assert f'data-label="分配到户">{format_yuan(village["aid_distributed_fen"])}</td>' in page
    assert f'data-label="惠及户数">{village["households_reached"]}</td>' in page
    # The partial refund is booked in the month it was made, today's.
    months = sorted({r["month"] for r in rows})
    sales = [sum(r["sales_fen"] for r in rows if r["month"] == month) for month in months]
    accrued = [sum(r["aid_accrued_fen"] for r in rows if r["month"] == month) for month in months]
    assert sum(sales) == 4 * 3980
    for month, total in zip(months, sales, strict=True):
        assert f">{month}</caption>" in page
        assert f'data-label="销售额">{format_yuan(total)}</td>' in page
    data = chart_data(page)
    assert (data["labels"], data["sales"], data["accrued"]) == (months, sales, accrued)
    distributed = [3980 if month == "2026-10" else None for month in months]
    assert data["distributed"] == [{"label": village["name"], "data": distributed}]


def test_open_data_page_by_producer_and_category(client, october, tomato):
    by_producer = client.get("/impact/open-data/?dimension=producer").text
    by_category = client.get("/impact/open-data/?dimension=category").text

    assert f'<th scope="row">{tomato.product.producer.name}</th>' in by_producer
    assert f'<th scope="row">{tomato.product.category.name}</th>' in by_category
    assert 'aria-current="page">按生产者' in by_producer


def test_open_data_page_keeps_suppressed_cells_empty(client, small_village_too):
    rows = client.get("/open-data/").json()["rows"]
    hidden = [r for r in rows if r["dimension"] == "village" and r["suppressed"]]
    assert {r["name"] for r in hidden} == {"小王庄村", "姜庄村"}

    page = client.get("/impact/open-data/").text

    assert page.count('class="amount suppressed"') == 4
    data = chart_data(page)
    # Neither village's figure reaches the chart, and nothing that adds up to it.
    assert data["distributed"] == []
    # The figures hidden in every table stay out of the page.
    tomato_aid, bag_aid = 2 * 3980 // 4, 2 * 990 // 2
    assert format_yuan(tomato_aid) not in page.replace(
        f'data-label="计入帮扶资金">{format_yuan(tomato_aid)}', ""
    )
    assert f'data-label="分配到户">{format_yuan(bag_aid)}' not in page
    assert "* 涉及不到 3 户" in page


def test_open_data_page_years_and_unknown_parameters(client, october):
    assert ">2026-10</caption>" in client.get("/impact/open-data/?year=2025").text
    response = client.get("/impact/open-data/?year=abc&dimension=household")
    assert response.status_code == 200
    assert 'aria-current="page">按村' in response.text


def test_open_data_page_without_data(client, db):
    page = client.get("/impact/open-data/").text

    assert "还没有公开数据" in page
    assert "open-data-chart-data" not in page


def test_open_data_page_queries_do_not_grow(
    client, october, tomato, staff, django_assert_num_queries
):
    client.get("/impact/open-data/")
    with django_assert_num_queries(8):
        client.get("/impact/open-data/")
    november = sell([(tomato, 2)], paid_at=at("2026-11-05"))
    deliver(november, at=at("2026-11-06"))
    close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-02"))
    with django_assert_num_queries(8):
        page = client.get("/impact/open-data/").text
    assert ">2026-11</caption>" in page


def test_the_published_notices_are_reachable_from_the_impact_page(
    client, tomato, tomato_rule, beneficiaries
):
    order = sell([(tomato, 2)], paid_at=OCT_SALE)
    deliver(order, at=OCT_DELIVERY)
    close_and_publish("2026-10", now=NOV_CLOSE)

    assert 'href="/notices/"' in client.get("/impact/").text
    assert "2026-10 期间分配公示" in client.get("/notices/").text
