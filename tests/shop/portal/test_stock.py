"""Stock from the portal's products page: ＋/－ and 售罄, through the inventory only."""

import pytest

from producers.models import PortalActivity
from shop.orders import inventory
from tests.shop.factories import ProductPageFactory, ProductVariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def variant(member_a):
    product = ProductPageFactory(parent=member_a.page, title="大棚番茄")
    return ProductVariantFactory(product=product, name="5斤装", unit="盒", stock=3)


@pytest.fixture
def foreign_variant(member_b):
    product = ProductPageFactory(parent=member_b.page)
    return ProductVariantFactory(product=product, stock=3)


@pytest.fixture
def inventory_calls(monkeypatch):
    """Records the portal's calls into shop.orders.inventory (and still makes them)."""
    calls = []
    for name in ("adjust", "mark_sold_out"):
        real = getattr(inventory, name)

        def spy(*, _real=real, _name=name, **kwargs):
            calls.append((_name, kwargs))
            return _real(**kwargs)

        monkeypatch.setattr(inventory, name, spy)
    return calls


def stock(variant) -> int:
    variant.refresh_from_db()
    return variant.stock


def change(client, variant, direction: str, amount="1", **kwargs):
    return client.post(
        f"/portal/variants/{variant.pk}/stock/",
        {"direction": direction, "amount": amount},
        **kwargs,
    )


def test_plus_and_minus_go_through_the_inventory(client_a, variant, inventory_calls, member_a):
    response = change(client_a, variant, "up", "5")
    assert response.status_code == 302
    assert response["Location"] == f"/portal/products/#variant-{variant.pk}"
    assert stock(variant) == 8
    change(client_a, variant, "down")
    assert stock(variant) == 7
    assert inventory_calls == [
        ("adjust", {"variant_id": variant.pk, "delta": 5, "actor": member_a.user}),
        ("adjust", {"variant_id": variant.pk, "delta": -1, "actor": member_a.user}),
    ]
    assert PortalActivity.objects.filter(action="stock_adjusted").count() == 2


def test_sold_out_goes_through_the_inventory(client_a, variant, inventory_calls, member_a):
    response = client_a.post(f"/portal/variants/{variant.pk}/sold-out/", follow=True)
    assert "已售罄" in response.text
    assert stock(variant) == 0
    assert inventory_calls == [
        ("mark_sold_out", {"variant_id": variant.pk, "actor": member_a.user})
    ]
    activity = PortalActivity.objects.get()
    assert (activity.user, activity.producer) == (member_a.user, member_a.producer)


def test_stock_never_goes_below_zero(client_a, variant):
    response = change(client_a, variant, "down", "4", follow=True)
    assert "只剩 3 盒" in response.text
    assert "库存没有改" in response.text
    assert stock(variant) == 3
    assert not PortalActivity.objects.exists()


def test_a_change_counts_from_the_stock_orders_left(client_a, variant):
    inventory.reserve(variant_id=variant.pk, quantity=2)  # an order placed meanwhile
    change(client_a, variant, "up", "10")
    assert stock(variant) == 11


@pytest.mark.parametrize("amount", ["", "abc", "0", "-3", "1.5", "100001"])
def test_bad_amounts_change_nothing(client_a, variant, amount):
    response = change(client_a, variant, "up", amount, follow=True)
    assert "1 到 100000 之间的整数" in response.text
    assert stock(variant) == 3


def test_the_list_shows_stock_and_the_buttons(client_a, variant):
    text = client_a.get("/portal/products/").text
    assert f'id="variant-{variant.pk}"' in text
    assert f'action="/portal/variants/{variant.pk}/stock/"' in text
    # 售罄 asks first: a link to the confirmation, no form that zeroes the stock at once.
    assert f'href="/portal/variants/{variant.pk}/sold-out/"' in text
    assert f'action="/portal/variants/{variant.pk}/sold-out/"' not in text
    assert "<strong>3</strong>" in text


def test_sold_out_asks_first_and_changes_nothing_until_confirmed(
    client_a, variant, inventory_calls
):
    response = client_a.get(f"/portal/variants/{variant.pk}/sold-out/")

    assert response.status_code == 200
    text = response.text
    assert "把“大棚番茄 · 5斤装”标为售罄？现在的库存 3 盒会清零" in text
    # The confirming form posts back to this address (no action: the same URL).
    assert '<form method="post" class="button-stack">' in text
    assert "确认售罄，库存清零" in text
    assert f'href="/portal/products/#variant-{variant.pk}"' in text
    assert stock(variant) == 3
    assert inventory_calls == []
    assert not PortalActivity.objects.exists()

    client_a.post(f"/portal/variants/{variant.pk}/sold-out/")
    assert stock(variant) == 0


def test_the_confirmation_of_another_producers_variant_is_404(client_a, foreign_variant):
    assert client_a.get(f"/portal/variants/{foreign_variant.pk}/sold-out/").status_code == 404


def test_another_producers_variant_is_404_and_unchanged(client_a, foreign_variant):
    assert change(client_a, foreign_variant, "up", "5").status_code == 404
    assert change(client_a, foreign_variant, "down", "1").status_code == 404
    assert client_a.post(f"/portal/variants/{foreign_variant.pk}/sold-out/").status_code == 404
    assert stock(foreign_variant) == 3
    assert not PortalActivity.objects.exists()


def test_anonymous_visitors_change_nothing(client, variant):
    response = change(client, variant, "up", "5")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/")
    response = client.post(f"/portal/variants/{variant.pk}/sold-out/")
    assert response["Location"].startswith("/portal/login/")
    assert stock(variant) == 3


def test_stock_changes_only_by_post(client_a, variant):
    url = f"/portal/variants/{variant.pk}/stock/"
    assert client_a.get(url, {"direction": "up", "amount": "5"}).status_code == 405
    assert client_a.put(f"/portal/variants/{variant.pk}/sold-out/").status_code == 405
    assert stock(variant) == 3
