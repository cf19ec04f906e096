"""A product's edit page shows its approval and its variants' price and stock
at the top, and an editor approves it with the main button (issue #19)."""

import re

import pytest

pytestmark = pytest.mark.django_db


def edit_page(client, page) -> str:
    return client.get(f"/admin/pages/{page.pk}/edit/").text


def panel(text: str) -> str:
    return text.split("审核与规格", 1)[1].split("简介", 1)[0]


def test_the_edit_page_shows_approval_price_and_stock(client, staff, tomato):
    client.force_login(staff)

    shown = panel(edit_page(client, tomato.product))

    assert "审核状态：已上架" in shown
    assert "5斤装" in shown
    assert "¥39.80" in shown
    assert "1000 份" in shown
    assert f"/admin/stock/{tomato.pk}/" in shown


def test_a_product_in_review_shows_it_and_approve_is_the_main_button(client, staff, tomato):
    page = tomato.product
    page.save_revision(user=staff)
    page.get_workflow().start(page, staff)
    client.force_login(staff)

    text = edit_page(client, page)

    assert "审核状态：已上架，修改待审核" in panel(text)
    footer = text[text.index('class="footer') :]
    first_button = re.search(r"<button[^>]*>", footer).group(0)
    assert 'data-workflow-action-name="approve"' in first_button
