"""The statements' admin pages: who may read them, the explain form (the only
change a person makes), and the list's queries."""

import datetime

import pytest
from django.test import Client

from core.roles import AID_OFFICER, AUDITOR, BUYER, TOWNSHIP_EDITOR
from shop.payments.models import GatewayStatement, StatementDifference
from shop.payments.reconciliation import download_statement, record_statement
from tests.producers.factories import ProducerPageFactory
from tests.shop.factories import GatewayStatementFactory, StatementDifferenceFactory
from tests.township import add_member, add_staff, at, sell

pytestmark = pytest.mark.django_db

LIST = "/admin/statements/"


def logged_in(client: Client, user) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def editor():
    return add_staff(TOWNSHIP_EDITOR, username="editor")


@pytest.fixture
def difference(clock, tomato) -> StatementDifference:
    """The dummy statement of 10 October, cut before a sale the shop recorded."""
    clock.now = at("2026-10-11")  # the day after: payments are never dated after now
    statement_lines = download_statement(gateway="dummy", day=datetime.date(2026, 10, 10))
    sell([(tomato, 1)], paid_at=at("2026-10-10"))
    return record_statement(download=statement_lines).differences.get()


def explain_url(difference: StatementDifference) -> str:
    return f"/admin/statements/differences/{difference.pk}/explain/"


@pytest.mark.parametrize("role", [TOWNSHIP_EDITOR, AID_OFFICER, AUDITOR])
def test_the_roles_that_handle_money_read_the_statements(client, role, difference):
    client = logged_in(client, add_staff(role))

    listing = client.get(LIST)
    page = client.get(f"/admin/statements/{difference.statement_id}/")

    assert listing.status_code == page.status_code == 200
    assert "2026-10-10" in listing.text
    assert "有差异" in listing.text
    assert difference.merchant_reference in page.text
    assert "本店有收款，平台无记录" in page.text
    # Only editors explain: the form is theirs.
    assert (explain_url(difference) in page.text) == (role == TOWNSHIP_EDITOR)


def test_a_buyer_is_sent_to_the_log_in_and_a_producer_member_to_the_portal(client, difference):
    buyer = logged_in(Client(), add_staff(BUYER))
    member = logged_in(client, add_member(ProducerPageFactory().producer))

    for url in (LIST, f"/admin/statements/{difference.statement_id}/"):
        assert buyer.get(url)["Location"].startswith("/admin/login/")
        refused = member.get(url)
        assert (refused.status_code, refused["Location"]) == (302, "/portal/")
    for user_client in (buyer, member):
        user_client.post(explain_url(difference), {"note": "不是我的事"})
    difference.refresh_from_db()
    assert difference.resolved_at is None


def test_an_editor_explains_a_difference_and_who_and_when_are_recorded(clock, editor, difference):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    page = client.get(f"/admin/statements/{difference.statement_id}/")
    token = page.cookies["csrftoken"].value

    response = client.post(
        explain_url(difference), {"note": "平台次日入账，已核对", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    difference.refresh_from_db()
    assert (difference.resolved_by, difference.resolved_at) == (editor, clock.now)
    assert difference.resolution_note == "平台次日入账，已核对"
    page = client.get(response["Location"])
    assert "平台次日入账，已核对" in page.text
    assert explain_url(difference) not in page.text


def test_the_explain_form_needs_the_csrf_token_a_post_and_a_note(editor, difference):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    assert client.post(explain_url(difference), {"note": "伪造"}).status_code == 403

    client = logged_in(Client(), editor)
    assert client.get(explain_url(difference)).status_code == 405
    response = client.post(explain_url(difference), {"note": ""}, follow=True)
    assert "请写明核对结果" in response.text

    difference.refresh_from_db()
    assert difference.resolved_at is None


@pytest.mark.parametrize("role", [AID_OFFICER, AUDITOR])
def test_readers_cannot_explain(client, role, difference):
    client = logged_in(client, add_staff(role))

    response = client.post(explain_url(difference), {"note": "我来说明"})

    assert (response.status_code, response["Location"]) == (302, "/admin/")
    difference.refresh_from_db()
    assert difference.resolved_at is None


def test_the_list_shows_the_current_run_of_each_day_with_its_totals(client, editor):
    GatewayStatementFactory(day=datetime.date(2026, 10, 9), charges_fen=1_234_56, current=False)
    GatewayStatementFactory(day=datetime.date(2026, 10, 9), charges_fen=9_870)
    failed = GatewayStatementFactory(
        day=datetime.date(2026, 10, 9),
        gateway="stripe",
        status=GatewayStatement.Status.FAILED,
        error="timeout",
    )
    client = logged_in(client, editor)

    text = client.get(LIST).text
    only_failed = client.get(LIST, {"status": "failed"}).text

    assert "¥98.70" in text
    assert "¥1,234.56" not in text
    assert "下载失败" in text
    assert f"/admin/statements/{failed.pk}/" in only_failed
    assert "¥98.70" not in only_failed
    assert "timeout" in client.get(f"/admin/statements/{failed.pk}/").text


# The session, the user, their permissions, Wagtail's menu (other apps' items ask
# for the user's groups; the outbox's item counts failed messages), and two for the
# page of statements with their open differences counted: however many statements
# and differences there are. Two more for a staff session: its roles read to ask for
# the second factor, and the session saved when its idle clock moves
# (config/staff_auth.py).
LIST_QUERIES = 19


def test_the_list_takes_a_fixed_number_of_queries(client, editor, django_assert_max_num_queries):
    client = logged_in(client, editor)
    for day in range(1, 4):
        StatementDifferenceFactory(statement__day=datetime.date(2026, 10, day))
    with django_assert_max_num_queries(LIST_QUERIES):
        assert client.get(LIST).status_code == 200

    for day in range(4, 31):
        statement = GatewayStatementFactory(
            day=datetime.date(2026, 10, day), status=GatewayStatement.Status.DIFFERENCES
        )
        StatementDifferenceFactory.create_batch(2, statement=statement)
    with django_assert_max_num_queries(LIST_QUERIES) as queries:
        response = client.get(LIST)

    assert response.text.count('href="/admin/statements/') == 30  # a full page
    assert len(queries) <= LIST_QUERIES
