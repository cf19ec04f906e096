"""A unit's manager keeps its members on the account pages; nobody else can."""

import pytest
from django.test import Client

from shop.accounts.phones import set_phone
from shop.institutions.models import UnitMembership
from tests.factories import UserFactory
from tests.shop.factories import UnitMembershipFactory

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager():
    return UnitMembershipFactory(role=UnitMembership.Role.MANAGER, unit__name="临清市总工会")


def buyer(phone: str):
    user = UserFactory()
    set_phone(user=user, phone=phone, verified=True)
    return user


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_the_manager_adds_a_buyer_by_mobile_and_removes_them(manager):
    colleague = buyer("13912345678")
    client = logged_in(manager.user)
    url = f"/account/units/{manager.unit.pk}/"

    response = client.post(url, {"mobile": "139 1234 5678"}, follow=True)

    assert "已添加成员。" in messages_of(response)
    added = UnitMembership.objects.get(unit=manager.unit, user=colleague)
    assert added.role == "member"
    assert "临清市总工会" in logged_in(colleague).get("/account/units/").content.decode()

    client.post(url, {"remove": added.pk})
    assert not UnitMembership.objects.filter(pk=added.pk).exists()


@pytest.mark.parametrize(
    ("mobile", "message"),
    [("13800000000", "找不到用这个手机号注册"), ("abc", "找不到用这个手机号注册")],
)
def test_an_unknown_mobile_is_refused(manager, mobile, message):
    response = logged_in(manager.user).post(
        f"/account/units/{manager.unit.pk}/", {"mobile": mobile}, follow=True
    )
    assert any(message in m for m in messages_of(response))
    assert UnitMembership.objects.count() == 1


def test_a_member_who_is_not_the_manager_cannot_add_or_remove(manager):
    member = UnitMembershipFactory(unit=manager.unit)
    buyer("13912345678")
    client = logged_in(member.user)
    url = f"/account/units/{manager.unit.pk}/"

    response = client.post(url, {"mobile": "13912345678"}, follow=True)
    client.post(url, {"remove": manager.pk})

    assert any("只有单位的管理员" in m for m in messages_of(response))
    assert UnitMembership.objects.count() == 2


def test_the_last_manager_cannot_be_removed(manager):
    response = logged_in(manager.user).post(
        f"/account/units/{manager.unit.pk}/", {"remove": manager.pk}, follow=True
    )
    assert any("最后一位管理员" in m for m in messages_of(response))
    assert UnitMembership.objects.filter(pk=manager.pk).exists()


def test_another_units_page_is_not_found(manager):
    outsider = UnitMembershipFactory().user
    client = logged_in(outsider)
    assert client.get(f"/account/units/{manager.unit.pk}/").status_code == 404
    assert (
        client.post(f"/account/units/{manager.unit.pk}/", {"remove": manager.pk}).status_code == 404
    )


def test_the_unit_page_lists_its_orders_for_members(manager, two_producers, address):
    from shop.orders.checkout import place_order

    tomato, _ = two_producers
    order = place_order(
        items=[(tomato.pk, 1)],
        email="",
        address=address,
        gateway="dummy",
        user=manager.user,
        buying_unit_id=manager.unit.pk,
    )
    member = UnitMembershipFactory(unit=manager.unit)
    page = logged_in(member.user).get(f"/account/units/{manager.unit.pk}/").content.decode()
    assert order.number in page and "添加成员" not in page
