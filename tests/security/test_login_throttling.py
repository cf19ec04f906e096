"""All three log-ins (shop, producer portal, admin) lock an account out after
AXES_FAILURE_LIMIT wrong passwords from one address, with a Chinese page and 429."""

import pytest
from django.conf import settings
from django.test import Client

from producers.models import MemberProfile, ProducerMembership
from tests.factories import UserFactory
from tests.producers.factories import ProducerFactory

pytestmark = pytest.mark.django_db

PASSWORD = "throttle-test-password-7"
MOBILE = "13912345678"
ADDRESS = "203.0.113.7"

# (log-in page, the field that names the account, how it names it)
LOG_INS = [
    pytest.param("/accounts/login/", "login", "owner@example.com", id="shop"),
    pytest.param("/portal/login/", "login", MOBILE, id="portal-mobile"),
    pytest.param("/portal/login/", "login", "owner@example.com", id="portal-e-mail"),
    pytest.param("/admin/login/", "username", "owner", id="admin"),
]


@pytest.fixture
def owner():
    """One account that may use all three log-ins."""
    user = UserFactory(username="owner", email="owner@example.com", is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    MemberProfile.objects.create(user=user, mobile=MOBILE)
    ProducerMembership.objects.create(producer=ProducerFactory(), user=user)
    return user


def attempt(client: Client, url: str, field: str, name: str, password: str):
    return client.post(url, {field: name, "password": password}, REMOTE_ADDR=ADDRESS)


def fail(client: Client, url: str, field: str, name: str, times: int) -> None:
    # The failure that reaches the limit is itself answered with the lockout page.
    for _ in range(times):
        assert attempt(client, url, field, name, "wrong-password").status_code in (200, 429)


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize(("url", "field", "name"), LOG_INS)
def test_the_right_password_is_refused_after_the_limit_of_wrong_ones(
    client, owner, url, field, name
):
    fail(client, url, field, name, settings.AXES_FAILURE_LIMIT)

    response = attempt(client, url, field, name, PASSWORD)

    assert response.status_code == 429
    assert "暂时不能登录" in response.content.decode()
    assert not is_logged_in(client)


@pytest.mark.parametrize(("url", "field", "name"), LOG_INS)
def test_one_failure_fewer_than_the_limit_still_lets_the_owner_in(client, owner, url, field, name):
    fail(client, url, field, name, settings.AXES_FAILURE_LIMIT - 1)

    response = attempt(client, url, field, name, PASSWORD)

    assert response.status_code == 302
    assert is_logged_in(client)


@pytest.mark.parametrize(("url", "field", "name"), LOG_INS)
def test_a_successful_log_in_starts_the_count_again(client, owner, url, field, name):
    fail(client, url, field, name, settings.AXES_FAILURE_LIMIT - 1)
    assert attempt(client, url, field, name, PASSWORD).status_code == 302
    client.logout()
    fail(client, url, field, name, settings.AXES_FAILURE_LIMIT - 1)

    response = attempt(client, url, field, name, PASSWORD)

    assert response.status_code == 302
    assert is_logged_in(client)


def test_failures_by_mobile_number_lock_out_the_e_mail_log_in_to_the_same_account(client, owner):
    fail(client, "/portal/login/", "login", MOBILE, settings.AXES_FAILURE_LIMIT)

    response = attempt(client, "/portal/login/", "login", "OWNER@example.com", PASSWORD)

    assert response.status_code == 429


def test_the_lock_is_per_address(client, owner):
    fail(client, "/admin/login/", "username", "owner", settings.AXES_FAILURE_LIMIT)

    response = client.post(
        "/admin/login/", {"username": "owner", "password": PASSWORD}, REMOTE_ADDR="198.51.100.2"
    )

    assert response.status_code == 302


def test_the_lockout_page_speaks_english_under_the_english_prefix(client, owner):
    fail(client, "/en/accounts/login/", "login", "owner@example.com", settings.AXES_FAILURE_LIMIT)

    response = attempt(client, "/en/accounts/login/", "login", "owner@example.com", PASSWORD)

    assert response.status_code == 429
    assert response["Content-Language"] == "en"
