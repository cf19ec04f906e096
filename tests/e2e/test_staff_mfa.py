"""An aid officer logs in to the admin in Chromium: the password, then a code from
their authenticator app (computed from the secret, as the app does) (issue #21,
finding 4)."""

import pytest

from core.roles import AID_OFFICER
from tests.e2e.steps import log_in_to_admin
from tests.e2e.world import PASSWORD, staff_user

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_officer_logs_in_with_the_password_and_a_totp_code(page, live_server):
    staff_user("officer", AID_OFFICER, language="zh-hans")

    log_in_to_admin(page, live_server, "officer", PASSWORD)

    page.goto(f"{live_server.url}/admin/staff/mfa/")
    assert page.locator("td", has_text="已设置").count() == 1
