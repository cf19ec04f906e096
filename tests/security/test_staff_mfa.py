"""Staff log in with TOTP and keep short sessions (issue #21, finding 4): aid officers,
auditors, editors and superusers pass a second factor before any page, whichever
log-in they used; one without TOTP is sent to set it up; staff sessions end after
STAFF_SESSION_IDLE_MINUTES idle and STAFF_SESSION_MAX_HOURS in all."""

import logging
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.conf import settings
from django.test import Client
from django.urls import reverse

from config.staff_auth import LOGGED_IN_AT, SEEN_AT
from core.roles import AID_OFFICER, AUDITOR, TOWNSHIP_EDITOR
from messaging.models import OutboundMessage
from tests.factories import UserFactory
from tests.mfa import give_totp, totp_code
from tests.township import add_staff, with_password

pytestmark = pytest.mark.django_db

PASSWORD = "mfa-test-password-3"
ADDRESS = "203.0.113.20"


@pytest.fixture
def officer():
    return with_password(
        add_staff(AID_OFFICER, username="officer", email="officer@example.com"), PASSWORD
    )


def admin_log_in(client, username: str):
    return client.post(
        "/admin/login/", {"username": username, "password": PASSWORD}, REMOTE_ADDR=ADDRESS
    )


def is_logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("role", [AID_OFFICER, AUDITOR, TOWNSHIP_EDITOR, None])
def test_staff_without_totp_are_sent_to_set_it_up_before_the_admin(client, role):
    user = add_staff(role, username="staff") if role else UserFactory(is_superuser=True)
    with_password(user, PASSWORD)
    assert admin_log_in(client, user.get_username()).status_code == 302

    for url in ("/admin/", "/admin/aid/dashboard/", "/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")


def test_a_buyer_is_not_asked_for_a_second_factor(client):
    buyer = with_password(UserFactory(email="buyer@example.com"), PASSWORD)
    client.post(
        "/accounts/login/",
        {"login": buyer.email, "password": PASSWORD},
        REMOTE_ADDR=ADDRESS,
    )

    assert is_logged_in(client)
    assert client.get("/account/orders/").status_code == 200


def test_setting_up_totp_opens_the_admin_and_gives_recovery_codes(client, officer):
    admin_log_in(client, "officer")
    # allauth asks for the password again before a new factor is added.
    asked = client.get(reverse("mfa_activate_totp"))
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    client.post(asked["Location"], {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    secret = client.session[SECRET_SESSION_KEY]

    response = client.post(reverse("mfa_activate_totp"), {"code": totp_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=officer, type="totp").exists()
    assert Authenticator.objects.filter(user=officer, type="recovery_codes").exists()
    assert client.get(reverse("mfa_view_recovery_codes")).status_code == 200
    assert client.get("/admin/").status_code == 200


def test_the_admin_log_in_asks_for_the_code_before_the_admin(client, officer):
    give_totp(officer)
    admin_log_in(client, "officer")

    response = client.get("/admin/aid/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('mfa_reauthenticate')}?next=%2Fadmin%2Faid%2Fdashboard%2F"
    )
    wrong = client.post(response["Location"], {"code": "000000"})
    assert wrong.status_code == 200
    assert client.get("/admin/").status_code == 302

    passed = client.post(response["Location"], {"code": totp_code()})

    assert passed.status_code == 302
    assert passed["Location"] == "/admin/aid/dashboard/"
    assert client.get("/admin/").status_code == 200


def test_a_recovery_code_stands_in_for_the_phone(client, officer):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    give_totp(officer)
    codes = RecoveryCodes.activate(officer).generate_codes()
    admin_log_in(client, "officer")

    client.post(reverse("mfa_reauthenticate"), {"code": codes[0]})

    assert client.get("/admin/").status_code == 200


def test_allauths_log_in_asks_staff_for_the_code(client, officer):
    give_totp(officer)

    response = client.post(
        "/accounts/login/", {"login": officer.email, "password": PASSWORD}, REMOTE_ADDR=ADDRESS
    )

    assert response["Location"] == reverse("mfa_authenticate")
    assert not is_logged_in(client)
    client.post(reverse("mfa_authenticate"), {"code": totp_code()})
    assert is_logged_in(client)
    assert client.get("/admin/").status_code == 200


def test_a_staff_session_ends_after_the_idle_time(client, officer):
    client.force_login(officer)
    assert client.get("/admin/").status_code == 200
    session = client.session
    session[SEEN_AT] = time.time() - settings.STAFF_SESSION_IDLE_MINUTES * 60 - 1
    session.save()

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not is_logged_in(client)


def test_a_staff_session_within_the_idle_time_goes_on(client, officer):
    client.force_login(officer)
    session = client.session
    session[SEEN_AT] = time.time() - settings.STAFF_SESSION_IDLE_MINUTES * 60 + 60
    session.save()

    assert client.get("/admin/").status_code == 200
    assert is_logged_in(client)


def test_a_busy_staff_session_still_ends_after_its_lifetime(client, officer):
    client.force_login(officer)
    session = client.session
    session[LOGGED_IN_AT] = time.time() - settings.STAFF_SESSION_MAX_HOURS * 3600 - 1
    session.save()

    assert client.get("/admin/").status_code == 302
    assert not is_logged_in(client)


def test_a_buyers_session_has_no_staff_time_limits(client):
    buyer = UserFactory()
    client.force_login(buyer)
    session = client.session
    session[SEEN_AT] = 0
    session[LOGGED_IN_AT] = 0
    session.save()

    assert client.get("/account/orders/").status_code == 200


@pytest.mark.parametrize(("role", "status"), [(AID_OFFICER, 200), (None, 200), (AUDITOR, 302)])
def test_the_staff_mfa_page_lists_who_has_totp(client, officer, role, status):
    give_totp(officer)
    without = add_staff(TOWNSHIP_EDITOR, username="editor-without-totp")
    viewer = add_staff(role, username="viewer") if role else UserFactory(is_superuser=True)
    client.force_login(viewer)

    response = client.get(reverse("staff_mfa"))

    assert response.status_code == status
    if status == 200:
        rows = {
            line.strip()
            for line in response.content.decode().split("<tr>")
            if "officer" in line or without.username in line
        }
        assert any("officer" in row and "已设置" in row for row in rows)
        assert any(without.username in row and "未设置" in row for row in rows)


def test_the_set_up_page_does_not_pass_a_staff_member_who_has_totp(client, officer):
    give_totp(officer)
    admin_log_in(client, "officer")

    client.post(reverse("mfa_activate_totp"), {"code": "123456"})

    assert client.get("/admin/").status_code == 302


def test_the_password_alone_does_not_show_the_recovery_codes(client, officer):
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    give_totp(officer)
    RecoveryCodes.activate(officer)
    admin_log_in(client, "officer")
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    response = client.get(reverse("mfa_view_recovery_codes"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_a_browsers_own_request_is_refused_not_sent_to_the_set_up_page(client, officer):
    # Sent to the set-up page, the favicon's request would draw a new TOTP secret
    # behind the one on the person's screen.
    admin_log_in(client, "officer")

    response = client.get("/favicon.ico", headers={"Sec-Fetch-Mode": "no-cors"})

    assert response.status_code == 403


# ASVS 2.8.5: a TOTP code used twice is refused, logged, and its owner told.
def replayed_code_mails() -> list[OutboundMessage]:
    return list(OutboundMessage.objects.filter(key__startswith="totp-replayed:"))


def test_a_used_code_entered_again_is_refused_logged_and_reported_to_its_owner(
    client, officer, caplog
):
    give_totp(officer)
    code = totp_code()
    admin_log_in(client, "officer")
    assert client.post(reverse("mfa_reauthenticate"), {"code": code}).status_code == 302
    other = Client()
    admin_log_in(other, "officer")

    with caplog.at_level(logging.WARNING, logger="config.staff_auth"):
        replayed = other.post(reverse("mfa_reauthenticate"), {"code": code}, REMOTE_ADDR=ADDRESS)

    assert replayed.status_code == 200
    assert other.get("/admin/").status_code == 302
    assert f"A used TOTP code was entered again for user {officer.pk} from {ADDRESS}" in (
        caplog.text
    )
    [mail] = replayed_code_mails()
    assert mail.recipient == "officer@example.com"
    assert mail.subject == "有人重复输入了你用过的两步验证码"
    assert "来自 203.0.113.20" in mail.body
    assert "请立即修改密码" in mail.body
    # Once per code: the same replay again owes nothing more.
    other.post(reverse("mfa_reauthenticate"), {"code": code}, REMOTE_ADDR=ADDRESS)
    assert len(replayed_code_mails()) == 1


def test_a_wrong_code_is_not_reported_as_a_replay(client, officer, caplog):
    give_totp(officer)
    admin_log_in(client, "officer")

    with caplog.at_level(logging.WARNING, logger="config.staff_auth"):
        client.post(reverse("mfa_reauthenticate"), {"code": "000000"}, REMOTE_ADDR=ADDRESS)

    assert "used TOTP code" not in caplog.text
    assert replayed_code_mails() == []
