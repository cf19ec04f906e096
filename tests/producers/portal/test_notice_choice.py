"""A member chooses how they hear of paid orders: one SMS per order or a morning digest."""

import pytest

from producers.models import MemberProfile, PortalActivity, ProducerMembership
from tests.factories import UserFactory
from tests.producers.factories import ProducerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def villager(client):
    user = UserFactory()
    ProducerMembership.objects.create(producer=ProducerFactory(name="姜庄合作社"), user=user)
    client.force_login(user)
    return user


def test_a_member_chooses_the_morning_digest_and_back(client, villager):
    MemberProfile.objects.create(user=villager, mobile="13912345678")
    assert "每单一条短信" in client.get("/portal/").text

    response = client.post("/portal/notices/", {"daily_digest": "True"})

    assert response.status_code == 302
    assert MemberProfile.objects.get(user=villager).daily_digest is True
    assert "每天早上汇总" in client.get("/portal/").text
    assert PortalActivity.objects.get().summary == "新订单通知改为：每天早上7:30发一条汇总"
    client.post("/portal/notices/", {"daily_digest": "False"})
    assert MemberProfile.objects.get(user=villager).daily_digest is False


def test_a_member_without_a_mobile_number_is_told_to_register_one(client, villager):
    response = client.get("/portal/notices/")

    assert "没有登记手机号" in response.text
    assert client.post("/portal/notices/", {"daily_digest": "True"}).status_code == 200
    assert not MemberProfile.objects.exists()
