"""A producer member reaches nothing of another producer by changing ids in admin URLs."""

import pytest

from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import ProductPageFactory
from tests.township import add_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_page():
    return ProducerPageFactory()


@pytest.fixture
def other_product():
    return ProductPageFactory(title="别人的番茄")


@pytest.fixture
def member_client(client, own_page):
    client.force_login(add_member(own_page.producer))
    return client


def refused(response) -> bool:
    # Wagtail answers a permission failure with 403, or a redirect to the dashboard.
    return response.status_code in (403, 404) or (
        response.status_code == 302 and "/edit/" not in response["Location"]
    )


def test_member_cannot_open_another_producers_product(member_client, other_product):
    assert refused(member_client.get(f"/admin/pages/{other_product.pk}/edit/"))


def test_member_cannot_change_another_producers_product(member_client, other_product):
    response = member_client.post(
        f"/admin/pages/{other_product.pk}/edit/",
        {"title": "改掉", "slug": other_product.slug, "action-submit": "1"},
    )
    assert refused(response)
    other_product.refresh_from_db()
    assert other_product.title == "别人的番茄"
    assert other_product.current_workflow_state is None


def test_member_cannot_add_a_product_under_another_producer(member_client, other_product):
    other_page = other_product.get_parent()
    response = member_client.get(f"/admin/pages/add/shop/productpage/{other_page.pk}/")
    assert refused(response)


def test_member_cannot_delete_or_unpublish_another_producers_product(member_client, other_product):
    assert refused(member_client.post(f"/admin/pages/{other_product.pk}/delete/"))
    assert refused(member_client.post(f"/admin/pages/{other_product.pk}/unpublish/"))
    other_product.refresh_from_db()
    assert other_product.live


def test_member_does_not_see_another_producers_pages_in_the_explorer(
    member_client, own_page, other_product
):
    response = member_client.get(f"/admin/pages/{other_product.get_parent().pk}/")
    assert refused(response) or "别人的番茄" not in response.text


def test_member_may_open_their_own_products(member_client, own_page):
    product = ProductPageFactory(parent=own_page)
    assert member_client.get(f"/admin/pages/{product.pk}/edit/").status_code == 200
