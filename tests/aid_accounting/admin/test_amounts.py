"""The aid accounting admin shows amounts in yuan, never in fen (issue #19)."""

import pytest

from aid_accounting.ledger.models import Entry
from aid_accounting.rules.models import AidRule
from tests.aid_accounting.factories import PayoutBatchFactory
from tests.township import at, close_and_publish, deliver, sell

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_october(tomato, tomato_rule, beneficiaries):
    order = sell([(tomato, 2)], paid_at=at("2026-10-10"))  # ¥79.60, a quarter to the pool
    deliver(order, at=at("2026-10-12"))
    return close_and_publish("2026-10", now=at("2026-11-02")).period


def assert_in_yuan(text: str, *amounts: str) -> None:
    for amount in amounts:
        assert amount in text
    assert "（分）" not in text


def test_listings_show_yuan(client, auditor, closed_october):
    client.force_login(auditor)

    assert_in_yuan(client.get("/admin/aid_notices/").text, "¥19.90")
    # The pool's ¥19.90 shared by its three households.
    assert_in_yuan(client.get("/admin/aid_accounts/").text, "¥6.63", "¥6.64")
    assert_in_yuan(client.get("/admin/aid_entries/").text, "+¥19.90", "-¥19.90")
    assert_in_yuan(client.get("/admin/aid_rules/").text, "¥0.00")


def test_the_payout_batch_listing_shows_yuan(client, auditor):
    PayoutBatchFactory(total_fen=1_589_999_990)
    client.force_login(auditor)

    text = client.get("/admin/aid_payout_batches/").text

    assert_in_yuan(text, "¥15,899,999.90")
    assert "1589999990" not in text


def test_inspect_pages_show_yuan(client, auditor, closed_october):
    client.force_login(auditor)
    rule = AidRule.objects.get()
    entry = Entry.objects.filter(amount_fen=1990).first()

    rule_page = client.get(f"/admin/aid_rules/inspect/{rule.pk}/").text
    entry_page = client.get(f"/admin/aid_entries/inspect/{entry.pk}/").text

    assert_in_yuan(rule_page, "¥0.00")
    assert "每件固定金额" in rule_page
    assert ">None<" not in rule_page.replace(" ", "").replace("\n", "")
    assert_in_yuan(entry_page, "¥19.90")
    assert "+¥19.90" in entry_page  # its title
    assert "1990" not in entry_page
