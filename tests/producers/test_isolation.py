"""A producer member reaches nothing of another producer by changing ids in URLs:
the admin's (members do not use it; each of its addresses sends them to the portal)
nor the portal's, where their work is."""

import pytest

from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import ProductPageFactory
from tests.township import add_member

pytestmark = pytest.mark.django_db

PORTAL = "/portal/"


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


def sent_to_the_portal(response) -> bool:
    return response.status_code == 302 and response["Location"] == PORTAL


def test_every_admin_address_sends_a_member_to_the_portal(member_client, own_page, other_product):
    own_product = ProductPageFactory(parent=own_page)
    for path in (
        "/admin/",
        "/admin/login/",
        f"/admin/pages/{own_product.pk}/edit/",
        f"/admin/pages/{other_product.pk}/edit/",
        f"/admin/pages/add/shop/productpage/{other_product.get_parent().pk}/",
        f"/admin/pages/{other_product.get_parent().pk}/",
        "/admin/images/",
        "/admin/api/main/pages/",
    ):
        assert sent_to_the_portal(member_client.get(path)), path


def test_member_cannot_change_another_producers_product_in_the_admin(member_client, other_product):
    response = member_client.post(
        f"/admin/pages/{other_product.pk}/edit/",
        {"title": "改掉", "slug": other_product.slug, "action-submit": "1"},
    )
    assert sent_to_the_portal(response)
    other_product.refresh_from_db()
    assert other_product.title == "别人的番茄"
    assert other_product.current_workflow_state is None


def test_member_cannot_delete_or_unpublish_another_producers_product(member_client, other_product):
    assert sent_to_the_portal(member_client.post(f"/admin/pages/{other_product.pk}/delete/"))
    assert sent_to_the_portal(member_client.post(f"/admin/pages/{other_product.pk}/unpublish/"))
    other_product.refresh_from_db()
    assert other_product.live


def test_member_cannot_open_or_submit_another_producers_product_in_the_portal(
    member_client, other_product
):
    assert member_client.get(f"/portal/products/{other_product.pk}/edit/").status_code == 404
    response = member_client.post(f"/portal/products/{other_product.pk}/submit/")
    assert response.status_code == 404
    other_product.refresh_from_db()
    assert other_product.current_workflow_state is None


def test_member_may_open_their_own_products_in_the_portal(member_client, own_page):
    product = ProductPageFactory(parent=own_page)
    assert member_client.get(f"/portal/products/{product.pk}/edit/").status_code == 200
