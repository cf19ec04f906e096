"""All three log-ins (shop, producer portal, admin) lock an account out after
AXES_FAILURE_LIMIT wrong passwords from one address, with a Chinese page and 429;
only from that address, taken behind the proxy from the entry the trusted proxy wrote."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog
from django.conf import settings
from django.db.models import F
from django.test import Client, override_settings

from core.roles import AID_OFFICER
from producers.models import MemberProfile, ProducerMembership
from tests.factories import UserFactory
from tests.producers.factories import ProducerFactory
from tests.township import add_staff, with_password

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


# Issue #21, finding 3: nobody can lock a staff member out from elsewhere. The count is
# per account and address, and the address is the client's, not the proxy's.
PROXY = "10.0.0.1"
ELSEWHERE = "198.51.100.2"


@pytest.fixture
def officer():
    return with_password(add_staff(AID_OFFICER, username="officer2"), PASSWORD)


def admin_attempt(client: Client, password: str, **meta):
    return client.post("/admin/login/", {"username": "officer2", "password": password}, **meta)


def test_failures_for_a_staff_account_from_one_address_do_not_lock_it_at_another(client, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_attempt(client, "wrong-password", REMOTE_ADDR=ADDRESS)
    assert admin_attempt(client, PASSWORD, REMOTE_ADDR=ADDRESS).status_code == 429

    response = admin_attempt(Client(), PASSWORD, REMOTE_ADDR=ELSEWHERE)

    assert response.status_code == 302


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_behind_the_proxy_the_lock_is_per_client_address(client, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        # The attacker's own X-Forwarded-For entry is ignored: the proxy's is counted.
        admin_attempt(
            client,
            "wrong-password",
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"{ELSEWHERE}, {ADDRESS}",
        )
    assert (
        admin_attempt(client, PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ADDRESS).status_code
        == 429
    )

    response = admin_attempt(Client(), PASSWORD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ELSEWHERE)

    assert response.status_code == 302


def test_without_a_trusted_proxy_the_header_is_not_the_address(client, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_attempt(client, "wrong-password", REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR=ELSEWHERE)

    response = admin_attempt(Client(), PASSWORD, REMOTE_ADDR=ADDRESS)

    assert response.status_code == 429


# Progressive delays for staff: a short lock that grows with each round of failures.
def wait(minutes: float) -> None:
    """As if ``minutes`` had passed since every failure axes recorded."""
    delta = timedelta(minutes=minutes)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - delta)
    AccessAttemptExpiration.objects.update(expires_at=F("expires_at") - delta)
    AccessFailureLog.objects.update(attempt_time=F("attempt_time") - delta)


def locked_for(response) -> str:
    assert response.status_code == 429
    return response.content.decode()


def test_a_staff_accounts_first_lock_lasts_a_minute(client, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_attempt(client, "wrong-password", REMOTE_ADDR=ADDRESS)
    assert "请 1 分钟后再试" in locked_for(admin_attempt(client, PASSWORD, REMOTE_ADDR=ADDRESS))
    wait(minutes=0.5)
    # A try during the lock counts as a failure and starts its minute again.
    assert admin_attempt(client, PASSWORD, REMOTE_ADDR=ADDRESS).status_code == 429

    wait(minutes=1.1)

    assert admin_attempt(client, PASSWORD, REMOTE_ADDR=ADDRESS).status_code == 302


def test_each_further_round_of_failures_locks_a_staff_account_four_times_longer(client, officer):
    # A refused try counts too: 6 failures, 11, 17, 23, 29 (the lock is at most an hour).
    for minutes in (1, 4, 16, 60, 60):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            admin_attempt(client, "wrong-password", REMOTE_ADDR=ADDRESS)
        wait(minutes=minutes - 0.1)
        page = locked_for(admin_attempt(client, PASSWORD, REMOTE_ADDR=ADDRESS))
        assert f"请 {minutes} 分钟后再试" in page
        wait(minutes=minutes + 0.1)

    assert admin_attempt(client, PASSWORD, REMOTE_ADDR=ADDRESS).status_code == 302


def test_a_successful_log_in_starts_a_staff_accounts_delays_again(client, officer):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_attempt(client, "wrong-password", REMOTE_ADDR=ADDRESS)
    wait(minutes=1.1)
    assert admin_attempt(client, PASSWORD, REMOTE_ADDR=ADDRESS).status_code == 302
    client.logout()

    for _ in range(settings.AXES_FAILURE_LIMIT):
        admin_attempt(client, "wrong-password", REMOTE_ADDR=ADDRESS)

    assert "请 1 分钟后再试" in locked_for(admin_attempt(client, PASSWORD, REMOTE_ADDR=ADDRESS))


def test_a_buyers_lock_lasts_an_hour_from_the_first_round(client):
    with_password(UserFactory(username="buyer", email="buyer@example.com"), PASSWORD)
    fail(client, "/accounts/login/", "login", "buyer@example.com", settings.AXES_FAILURE_LIMIT)
    wait(minutes=59)

    page = locked_for(attempt(client, "/accounts/login/", "login", "buyer@example.com", PASSWORD))

    assert "请 60 分钟后再试" in page
