"""A villager lists a product from a phone, the township editor approves it in
the admin, and buyers find it on the storefront (issue 6's journey)."""

import re

import pytest
from django.contrib.auth.models import Group
from wagtail.users.models import UserProfile

from producers.access import provision_producer
from producers.models import MemberProfile, ProducerMembership
from shop.models import ProductPage
from tests.factories import CategoryFactory, ProducerPageFactory, UserFactory, jpeg_bytes

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "portal-e2e-password-1"
SMALL_PHONE = {"width": 360, "height": 780}


@pytest.fixture
def township():
    producer_page = ProducerPageFactory()
    villager = UserFactory(username="villager")
    villager.set_password(PASSWORD)
    villager.save()
    MemberProfile.objects.create(user=villager, mobile="13900001111")
    ProducerMembership.objects.create(producer=producer_page.producer, user=villager)
    provision_producer(producer_page.producer)
    editor = UserFactory(username="editor")
    editor.set_password(PASSWORD)
    editor.save()
    editor.groups.add(Group.objects.get(name="township_editor"))
    # The admin in English, so the test can name Wagtail's own buttons.
    UserProfile.objects.create(user=editor, preferred_language="en")
    CategoryFactory(slug="vegetables", name="蔬菜")
    return producer_page


def test_a_villager_lists_a_product_the_editor_approves_and_buyers_see_it(
    browser, live_server, township, tmp_path
):
    photo = tmp_path / "tomato.jpg"
    photo.write_bytes(jpeg_bytes(3000, 2000))

    phone = browser.new_context(locale="zh-CN", viewport=SMALL_PHONE).new_page()
    phone.set_default_timeout(15_000)
    phone.goto(f"{live_server.url}/portal/")
    phone.get_by_label("手机号或邮箱").fill("139 0000 1111")
    phone.get_by_label("密码").fill(PASSWORD)
    phone.get_by_role("button", name="登录").click()
    phone.get_by_role("link", name="上架新商品").first.click()
    phone.get_by_label("商品名称").fill("姜庄樱桃番茄")
    phone.get_by_label("或从相册选").set_input_files(photo)
    phone.get_by_label("分类").select_option(label="蔬菜")
    phone.get_by_label("一句话介绍").fill("小果型，酸甜适口")
    phone.get_by_label("规格").first.fill("3斤装")
    phone.get_by_label("价格（元）").first.fill("29.90")
    phone.get_by_label("单位").first.fill("箱")
    phone.get_by_label("现有库存").first.fill("40")
    phone.get_by_role("button", name="保存并提交审核").click()
    phone.wait_for_url(re.compile(r"/portal/products/$"))

    product = ProductPage.objects.get(title="姜庄樱桃番茄")
    assert not product.live
    assert product.current_workflow_task_state is not None
    assert max(product.image.width, product.image.height) <= 2000

    admin = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    admin.set_default_timeout(15_000)
    admin.goto(f"{live_server.url}/admin/login/")
    admin.get_by_label(re.compile("Username|用户名")).fill("editor")
    admin.get_by_label(re.compile("Password|密码")).fill(PASSWORD)
    admin.get_by_role("button", name=re.compile("Sign in|登录")).click()
    admin.wait_for_url(re.compile(r"/admin/$"))
    admin.goto(f"{live_server.url}/admin/pages/{product.pk}/edit/")
    # The workflow actions sit in the footer's drop-down; Wagtail's script acts on the click.
    admin.locator('[data-workflow-action-name="approve"]').first.dispatch_event("click")
    admin.wait_for_url(re.compile(r"/admin/pages/\d+/$"))

    product.refresh_from_db()
    assert product.live

    phone.goto(f"{live_server.url}/search/?q=樱桃番茄")
    phone.get_by_role("link", name="姜庄樱桃番茄").first.click()
    assert "¥29.90" in phone.content()
    assert "3斤装" in phone.content()
