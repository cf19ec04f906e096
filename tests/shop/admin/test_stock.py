import pytest

from core.roles import PRODUCER_MEMBER, TOWNSHIP_EDITOR
from shop.catalogue.models import ProductVariant
from shop.orders import inventory
from tests.shop.factories import ProductVariantFactory
from tests.township import add_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    user = add_staff(TOWNSHIP_EDITOR)
    client.force_login(user)
    return client


def test_editor_restocks_a_variant(editor_client):
    variant = ProductVariantFactory(stock=2)
    response = editor_client.post(f"/admin/stock/{variant.pk}/", {"delta": "5"})
    assert response.status_code == 302
    variant.refresh_from_db()
    assert variant.stock == 7


def test_taking_more_than_is_left_is_refused_with_a_message(editor_client):
    variant = ProductVariantFactory(stock=2)
    response = editor_client.post(f"/admin/stock/{variant.pk}/", {"delta": "-3"})
    assert response.status_code == 200
    assert "库存不足" in response.text
    variant.refresh_from_db()
    assert variant.stock == 2


@pytest.mark.parametrize("delta", ["", "abc", "0", "1.5", "99999999"])
def test_bad_amounts_are_refused(editor_client, delta):
    variant = ProductVariantFactory(stock=2)
    response = editor_client.post(f"/admin/stock/{variant.pk}/", {"delta": delta})
    assert response.status_code == 200
    variant.refresh_from_db()
    assert variant.stock == 2


def test_unknown_variant_is_404(editor_client):
    assert editor_client.get("/admin/stock/999999/").status_code == 404


def test_producer_members_cannot_use_the_admin_stock_view(client):
    variant = ProductVariantFactory(stock=2)
    user = add_staff(PRODUCER_MEMBER)
    client.force_login(user)
    response = client.post(f"/admin/stock/{variant.pk}/", {"delta": "5"})
    assert response.status_code in (302, 403)
    variant.refresh_from_db()
    assert variant.stock == 2


def test_variant_listing_offers_the_stock_button(editor_client):
    ProductVariantFactory()
    response = editor_client.get("/admin/snippets/shop/productvariant/")
    assert response.status_code == 200
    assert "/admin/stock/" in response.text


def test_saving_a_variant_read_before_an_order_keeps_the_stock_the_order_took():
    variant = ProductVariantFactory(stock=5)
    edited = ProductVariant.objects.get(pk=variant.pk)  # as the admin's edit form loads it
    inventory.reserve(variant_id=variant.pk, quantity=2)

    edited.price_fen = 4580
    edited.save()

    variant.refresh_from_db()
    assert (variant.price_fen, variant.stock) == (4580, 3)
