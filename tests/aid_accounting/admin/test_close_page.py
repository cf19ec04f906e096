"""The close-period page: a heading, and the month to close next as the default (issue #19)."""

import pytest

from aid_accounting.periods.close import close_period
from core.roles import SYSTEM
from tests.township import at, deliver, sell

pytestmark = pytest.mark.django_db

URL = "/admin/aid/periods/close/"


@pytest.fixture
def october_sale(tomato, tomato_rule, beneficiaries):
    deliver(sell([(tomato, 2)], paid_at=at("2026-10-10")), at=at("2026-10-12"))


def default_period(client) -> str:
    return client.get(URL).context["form"]["period"].value()


def test_the_page_has_a_heading(client, aid_officer):
    client.force_login(aid_officer)

    text = client.get(URL).text

    assert '<h1 class="w-header__title" id="header-title">' in text
    assert "结算会计期间" in text.split('id="header-title">', 1)[1].split("</h1>", 1)[0]


def test_before_any_close_the_default_is_the_first_month_with_a_sale(
    client, aid_officer, october_sale
):
    client.force_login(aid_officer)

    assert default_period(client) == "2026-10"


def test_after_a_close_the_default_is_the_month_after_it(client, aid_officer, october_sale):
    close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-02"))
    client.force_login(aid_officer)

    assert default_period(client) == "2026-11"
