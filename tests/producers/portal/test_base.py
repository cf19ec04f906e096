"""The portal's door: log-in by mobile number or e-mail, members only, and a
cadre acting for one producer at a time, chosen among their own."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from producers.models import MemberProfile, PortalActivity, ProducerMembership
from producers.portal.base import SESSION_KEY, portal_context, record_activity
from tests.factories import UserFactory
from tests.producers.factories import ProducerFactory

pytestmark = pytest.mark.django_db

PASSWORD = "portal-test-password-1"
LOGIN_URL = "/portal/login/"


@pytest.fixture
def villager():
    user = UserFactory(email="villager@example.com")
    user.set_password(PASSWORD)
    user.save()
    MemberProfile.objects.create(user=user, mobile="13912345678")
    ProducerMembership.objects.create(producer=ProducerFactory(name="姜庄合作社"), user=user)
    return user


@pytest.fixture
def cadre():
    user = UserFactory()
    for name in ("渔网车间", "箱包车间"):
        ProducerMembership.objects.create(
            producer=ProducerFactory(name=name), user=user, role=ProducerMembership.Role.CADRE
        )
    return user


def log_in(client, login, password=PASSWORD):
    return client.post(LOGIN_URL, {"login": login, "password": password})


def test_an_anonymous_visitor_is_sent_to_the_portal_log_in(client):
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response.url.startswith(f"{LOGIN_URL}?next=")


@pytest.mark.parametrize("login", ["13912345678", "139 1234 5678", "+86 139-1234-5678"])
def test_a_member_logs_in_with_the_mobile_number_as_people_type_it(client, villager, login):
    response = log_in(client, login)
    assert response.status_code == 302
    assert response.url == reverse("portal:home")
    assert int(client.session["_auth_user_id"]) == villager.pk


def test_a_member_logs_in_with_the_e_mail_address(client, villager):
    response = log_in(client, "villager@example.com")
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == villager.pk


def test_a_wrong_password_keeps_the_login_and_says_so(client, villager):
    response = log_in(client, "13912345678", "wrong-password")
    assert response.status_code == 200
    assert "手机号、邮箱或密码不对" in response.content.decode()
    assert 'value="13912345678"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def refusal(response) -> str:
    assert response.status_code == 200
    return re.search(r'<p class="error" role="alert">(.*?)</p>', response.content.decode()).group(1)


def test_a_right_password_without_a_producer_is_told_what_a_wrong_one_is(client, villager):
    buyer = UserFactory(email="buyer@example.com", username="buyer")
    buyer.set_password(PASSWORD)
    buyer.save()
    inactive = UserFactory(email="gone@example.com", username="gone", is_active=False)
    inactive.set_password(PASSWORD)
    inactive.save()

    no_producer = refusal(log_in(client, "buyer@example.com"))

    assert "_auth_user_id" not in client.session
    assert no_producer == refusal(log_in(client, "buyer@example.com", "wrong-password"))
    assert no_producer == refusal(log_in(client, "gone@example.com"))
    assert no_producer == refusal(log_in(client, "nobody@example.com"))
    assert no_producer == refusal(log_in(client, "13912345678", "wrong-password"))
    assert "手机号、邮箱或密码不对" in no_producer


def test_a_right_password_without_a_producer_counts_towards_the_lock_out(client):
    buyer = UserFactory(email="buyer@example.com", username="buyer")
    buyer.set_password(PASSWORD)
    buyer.save()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "buyer@example.com").status_code == 200

    # Locked out as after as many wrong passwords: the lock-out tells nothing either.
    assert log_in(client, "buyer@example.com").status_code == 429


def test_a_signed_in_buyer_is_sent_to_the_portal_log_in(client):
    client.force_login(UserFactory())
    response = client.get("/portal/")
    assert response.status_code == 302
    assert response.url.startswith(LOGIN_URL)


def test_a_safe_next_address_is_followed_and_a_foreign_one_is_not(client, villager):
    response = client.post(
        LOGIN_URL, {"login": "13912345678", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.url == reverse("portal:home")


def test_the_home_page_names_the_producer_acted_for(client, villager):
    client.force_login(villager)
    response = client.get("/portal/")
    assert response.status_code == 200
    assert "姜庄合作社" in response.content.decode()


def test_the_header_says_in_plain_words_whose_shop_is_run(client, villager):
    client.force_login(villager)
    text = client.get("/portal/").text
    assert "您正在管理：<strong" in text and "姜庄合作社</strong>" in text
    # One producer: nothing to switch.
    assert "换一个生产者" not in text


def test_a_cadre_switches_by_whole_names_without_javascript(client, cadre):
    long_name = "刘垓子镇姜庄村蔬菜种植专业合作社第二生产车间"
    ProducerMembership.objects.create(
        producer=ProducerFactory(name=long_name), user=cadre, role=ProducerMembership.Role.CADRE
    )
    client.force_login(cadre)
    text = client.get("/portal/").text
    assert '<details class="switch-producer">' in text
    assert "<select" not in text
    for membership in cadre.producer_memberships.all():
        assert f'value="{membership.producer_id}"' in text
    assert f"> {long_name}</label>" in text
    assert "选一个，就只看和改它的商品、订单和收入" in text


def test_a_cadre_switches_between_the_producers_they_help(client, cadre):
    nets, bags = (m.producer for m in cadre.producer_memberships.order_by("producer__name"))
    client.force_login(cadre)
    client.post("/portal/switch/", {"producer": bags.pk})
    assert client.session[SESSION_KEY] == bags.pk
    client.post("/portal/switch/", {"producer": nets.pk})
    assert client.session[SESSION_KEY] == nets.pk


@pytest.mark.parametrize("value", ["", "abc", "-1", "99999999999999999999"])
def test_switching_to_a_producer_one_does_not_belong_to_changes_nothing(client, cadre, value):
    stranger = ProducerFactory()
    client.force_login(cadre)
    for attempt in (str(stranger.pk), value):
        response = client.post("/portal/switch/", {"producer": attempt})
        assert response.status_code == 302
        assert SESSION_KEY not in client.session


def test_a_producer_chosen_earlier_is_dropped_once_the_membership_ends(rf, cadre):
    first, second = cadre.producer_memberships.order_by("producer__name")
    request = rf.get("/portal/")
    request.user = cadre
    request.session = {SESSION_KEY: second.producer_id}
    assert portal_context(request).producer == second.producer
    second.delete()
    assert portal_context(request).producer == first.producer


def test_activity_records_who_acted_for_which_producer(rf, cadre):
    request = rf.get("/portal/")
    request.user = cadre
    request.session = {}
    context = portal_context(request)
    record_activity(context=context, user=cadre, action="stock", summary="库存 +5")
    activity = PortalActivity.objects.get()
    assert (activity.user, activity.producer, activity.summary) == (
        cadre,
        context.producer,
        "库存 +5",
    )
