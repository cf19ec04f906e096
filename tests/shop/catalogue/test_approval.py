"""Product approval runs through Wagtail's moderation workflow (shop migration 0003)."""

import pytest

from core.roles import TOWNSHIP_EDITOR
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import ProductPageFactory
from tests.township import add_member, add_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def producer_page():
    return ProducerPageFactory()


@pytest.fixture
def member(producer_page):
    return add_member(producer_page.producer)


@pytest.fixture
def editor():
    return add_staff(TOWNSHIP_EDITOR)


@pytest.fixture
def submitted_product(producer_page, member):
    product = ProductPageFactory(parent=producer_page, live=False)
    product.save_revision(user=member)
    product.get_workflow().start(product, member)
    return product


def actions_of(user, product):
    task_state = product.current_workflow_task_state
    return [name for name, *_ in task_state.task.specific.get_actions(product, user)]


def test_products_are_moderated_by_township_editors(submitted_product):
    task = submitted_product.current_workflow_task.specific
    assert list(task.groups.values_list("name", flat=True)) == ["township_editor"]


def test_member_cannot_approve_their_own_submission(submitted_product, member):
    assert actions_of(member, submitted_product) == []


def test_editor_approval_publishes_the_product(submitted_product, editor):
    task_state = submitted_product.current_workflow_task_state
    task_state.task.specific.on_action(task_state, editor, "approve")

    submitted_product.refresh_from_db()
    assert submitted_product.live
    assert submitted_product.current_workflow_state is None


def test_editor_rejection_keeps_the_product_off_sale_with_a_comment(submitted_product, editor):
    task_state = submitted_product.current_workflow_task_state
    task_state.task.specific.on_action(task_state, editor, "reject", comment="请补充产品照片")

    submitted_product.refresh_from_db()
    assert not submitted_product.live
    task_state.refresh_from_db()
    assert task_state.status == "rejected"
    assert task_state.get_comment() == "请补充产品照片"
