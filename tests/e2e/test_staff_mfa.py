"""An aid officer logs in to the admin in Chromium: the password, then a code from
their authenticator app (computed from the secret, as the app does); one without
TOTP is first shown the QR code to set it up (issue #21, finding 4)."""

import re

import pytest
from allauth.mfa.models import Authenticator

from core.roles import AID_OFFICER
from tests.e2e.steps import log_in_to_admin
from tests.e2e.world import PASSWORD, staff_user
from tests.mfa import totp_code
from tests.township import add_staff, with_password

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_officer_logs_in_with_the_password_and_a_totp_code(page, live_server):
    staff_user("officer", AID_OFFICER, language="zh-hans")

    log_in_to_admin(page, live_server, "officer", PASSWORD)

    page.goto(f"{live_server.url}/admin/staff/mfa/")
    assert page.locator("td", has_text="已设置").count() == 1


def test_an_officer_without_totp_sets_it_up_before_the_admin(page, live_server):
    officer = with_password(add_staff(AID_OFFICER, username="newofficer"), PASSWORD)
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label(re.compile("Username|用户名")).fill("newofficer")
    page.get_by_label(re.compile("Password|密码")).fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign in|登录")).click()
    # allauth asks for the password again before adding a factor.
    page.wait_for_url(re.compile(r"/accounts/reauthenticate/"))
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/totp/activate/"))
    assert page.locator(".totp-qr svg").is_visible()
    secret = page.locator("#authenticator_secret").input_value()

    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("form:has(input[name=code]) button[type=submit]").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    page.goto(f"{live_server.url}/admin/")

    page.wait_for_url(re.compile(r"/admin/$"))
    assert Authenticator.objects.filter(user=officer, type="totp").exists()
