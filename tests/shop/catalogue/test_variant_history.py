"""The change history of variants: what staff and producers change (price,
name, on sale, stock corrections) is recorded with who did it; what orders
take from stock is not (it is in the orders' own events)."""

import pytest

from core.money import yuan_amount
from core.roles import TOWNSHIP_EDITOR
from shop.orders import inventory
from shop.orders.checkout import place_order
from shop.portal.products import ProductText, VariantRow, save_product_draft
from tests.shop.conftest import ADDRESS, portal_member
from tests.shop.factories import ProductPageFactory, ProductVariantFactory
from tests.township import add_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    return add_staff(TOWNSHIP_EDITOR, username="editor", first_name="编辑小王")


@pytest.fixture
def variant(db):
    return ProductVariantFactory(
        product=ProductPageFactory(title="大棚番茄"), name="5斤装", price_fen=3980, stock=10
    )


def latest(variant):
    return variant.history.order_by("-history_date", "-history_id").first()


def edit_in_admin(client, variant, **changes):
    """The admin's variant form, its price typed in yuan ("45.80")."""
    data = {
        "product": variant.product_id,
        "name": variant.name,
        "price_fen": yuan_amount(variant.price_fen),
        "unit": variant.unit,
        "net_weight_grams": "",
        "is_active": "on",
        "sort_order": variant.sort_order,
        **changes,
    }
    return client.post(f"/admin/snippets/shop/productvariant/edit/{variant.pk}/", data)


def test_a_price_change_in_the_admin_is_recorded_with_the_editor(client, editor, variant):
    client.force_login(editor)

    response = edit_in_admin(client, variant, price_fen="45.80")

    assert response.status_code == 302
    record = latest(variant)
    assert record.history_user == editor
    delta = record.diff_against(record.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("price_fen", 3980, 4580)]


def test_the_editor_sees_the_price_change_old_to_new_in_the_audit_trail(client, editor, variant):
    client.force_login(editor)
    edit_in_admin(client, variant, price_fen="45.80")

    page = client.get("/admin/aid/audit/", {"model": "productvariant"}).text

    assert "编辑小王" in page
    assert "大棚番茄 · 5斤装" in page
    assert "价格：¥39.80 → ¥45.80" in page


def test_a_stock_correction_in_the_admin_is_recorded_with_the_editor(client, editor, variant):
    client.force_login(editor)

    client.post(f"/admin/stock/{variant.pk}/", {"delta": "5"})

    record = latest(variant)
    assert (record.history_user, record.stock, record.history_change_reason) == (
        editor,
        15,
        inventory.STOCK_ADJUSTED,
    )
    assert "调整库存" in client.get("/admin/aid/audit/").text


def test_a_producer_members_stock_and_price_changes_are_recorded(client):
    member = portal_member()
    product = ProductPageFactory(parent=member.page, title="元宝枫茶", live=False)
    own = ProductVariantFactory(product=product, name="罐装", price_fen=5000, stock=3)
    client.force_login(member.user)

    client.post(f"/portal/variants/{own.pk}/sold-out/")
    sold_out = latest(own)
    assert (sold_out.history_user, sold_out.stock) == (member.user, 0)
    assert sold_out.history_change_reason == inventory.STOCK_SOLD_OUT

    client.post(
        f"/portal/products/{product.pk}/edit/",
        {
            "title": "元宝枫茶",
            "category": product.category_id,
            "summary": product.summary,
            "description": "",
            "action": "save",
            "variants-TOTAL_FORMS": 1,
            "variants-INITIAL_FORMS": 1,
            "variants-MIN_NUM_FORMS": 0,
            "variants-MAX_NUM_FORMS": 20,
            "variants-0-variant_id": own.pk,
            "variants-0-name": "罐装",
            "variants-0-price": "56.00",
            "variants-0-unit": own.unit,
            "variants-0-is_active": "on",
        },
    )
    edited = latest(own)
    assert (edited.history_user, edited.price_fen) == (member.user, 5600)
    assert [c.field for c in edited.diff_against(edited.prev_record).changes] == ["price_fen"]


def test_saving_a_product_with_unchanged_variants_writes_no_variant_history():
    member = portal_member()
    product = ProductPageFactory(parent=member.page, live=False)
    own = ProductVariantFactory(product=product, name="罐装", price_fen=5000)
    before = own.history.count()

    save_product_draft(
        producer=member.producer,
        user=member.user,
        text=ProductText(
            title="改过的标题", summary=product.summary, description="", category=product.category
        ),
        variants=[VariantRow(name="罐装", price_fen=5000, unit=own.unit, variant_id=own.pk)],
        page=product,
    )

    assert own.history.count() == before


def test_what_orders_take_from_stock_is_not_in_the_variant_history(variant, address):
    # Deliberate (shop.orders.inventory): each sale is in its order's events instead.
    before = variant.history.count()

    order = place_order(
        items=[(variant.pk, 2)], email=ADDRESS["email"], address=address, gateway="dummy"
    )

    variant.refresh_from_db()
    assert variant.stock == 8
    assert variant.history.count() == before
    assert order.events.exists()


def test_editors_see_only_the_catalogue_in_the_audit_trail(client, editor, variant):
    client.force_login(editor)

    page = client.get("/admin/aid/audit/").text

    assert "商品规格（价格、库存）" in page
    assert "帮扶户" not in page
    # Asking for another kind of record is not a choice an editor has.
    response = client.get("/admin/aid/audit/", {"model": "household"})
    assert "帮扶户" not in response.text


def test_the_variant_listing_links_each_variant_to_its_trail(client, editor, variant):
    client.force_login(editor)

    page = client.get("/admin/snippets/shop/productvariant/").text

    assert f"/admin/aid/audit/?model=productvariant&amp;object={variant.pk}" in page


def test_the_trail_of_one_variant_shows_only_that_variant(client, editor, variant):
    other = ProductVariantFactory(product=ProductPageFactory(title="水果黄瓜"), name="3斤装")
    client.force_login(editor)

    page = client.get("/admin/aid/audit/", {"model": "productvariant", "object": variant.pk}).text

    assert "大棚番茄 · 5斤装" in page
    assert str(other) not in page
    assert f"只显示商品规格（价格、库存） #{variant.pk} 的记录" in page


def test_product_page_edits_link_to_the_pages_own_history(client, editor, variant):
    variant.product.save_revision(user=editor, log_action=True)
    client.force_login(editor)

    page = client.get("/admin/aid/audit/", {"model": "productpage"}).text

    assert "商品页面" in page
    assert f"/admin/pages/{variant.product_id}/history/" in page
