"""Period seals: written at the end of a close, frozen, published on the notice
page and in open data, and recomputed by ``aid_verify_ledger``."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from aid_accounting.ledger import chain
from aid_accounting.ledger import triggers as ledger_triggers
from aid_accounting.ledger.models import ChainHead, Transaction
from aid_accounting.notices.publication import generate_notices, publish_notice, review_notice
from aid_accounting.periods import triggers as seal_triggers
from aid_accounting.periods.close import close_period
from aid_accounting.periods.models import PeriodSeal
from aid_accounting.periods.seals import seal_hash, verify_seals
from core.roles import SYSTEM
from tests.township import at, deliver, sell

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_months(tomato, tomato_rule, beneficiaries):
    """October and November sold, delivered and closed: two seals."""
    deliver(sell([(tomato, 2)], paid_at=at("2026-10-10")), at=at("2026-10-12"))
    october = close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-02")).period
    deliver(sell([(tomato, 1)], paid_at=at("2026-11-10")), at=at("2026-11-12"))
    november = close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-02")).period
    return october, november


def test_a_close_seals_the_ledger_as_it_is_at_its_end(two_months, tomato_rule):
    october, november = (period.seal for period in two_months)
    october_end = Transaction.objects.filter(
        sequence__lte=october.head_sequence, posted=True
    ).count()

    # October's head is its own distribution, the last posting before the seal.
    last_october = Transaction.objects.get(sequence=october.head_sequence)
    assert last_october.idempotency_key.startswith("distribution:") and "2026-10" in (
        last_october.idempotency_key
    )
    assert october_end == october.head_sequence
    assert october.head_hash == last_october.chain_hash
    assert november.head_sequence == ChainHead.objects.get().sequence
    # Debit-positive sums per account code, sorted; the pool was emptied.
    balances = dict(october.balances)
    assert balances[f"pool:{tomato_rule.pool_id}"] == 0
    assert sum(balances.values()) == 0
    assert [code for code, _fen in october.balances] == sorted(balances)
    assert october.balances == chain.balances_at(sequence=october.head_sequence)
    assert october.balances_hash == chain.balances_hash(october.balances)
    assert (october.previous_hash, november.previous_hash) == (
        chain.GENESIS_HASH,
        october.seal_hash,
    )
    assert october.seal_hash == chain.sha256(
        {
            "period": "2026-10",
            "sealed_at": chain.utc_text(at("2026-11-02")),
            "head_sequence": october.head_sequence,
            "head_hash": october.head_hash,
            "balances_hash": october.balances_hash,
            "previous_hash": chain.GENESIS_HASH,
        }
    )
    assert verify_seals() == []


def test_closing_again_does_not_seal_again(two_months):
    close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-03"))

    assert PeriodSeal.objects.count() == 2


def test_a_seal_is_frozen_in_the_database(two_months):
    seal = two_months[0].seal

    with pytest.raises(IntegrityError), transaction.atomic():
        PeriodSeal.objects.filter(pk=seal.pk).update(balances=[])
    with pytest.raises(IntegrityError), transaction.atomic():
        PeriodSeal.objects.filter(pk=seal.pk).delete()


def tamper_with_seal(seal: PeriodSeal, **fields) -> None:
    seal_triggers.uninstall(connection)
    PeriodSeal.objects.filter(pk=seal.pk).update(**fields)
    seal_triggers.install(connection)


def test_a_changed_seal_balance_is_named(two_months, tomato_rule):
    seal = two_months[0].seal
    pool = f"pool:{tomato_rule.pool_id}"
    changed = [[code, fen + 100 if code == pool else fen] for code, fen in seal.balances]
    tamper_with_seal(seal, balances=changed)

    problems = [str(problem) for problem in verify_seals()]

    assert problems == [
        "seal of 2026-10: its stored balances no longer match their hash",
        f"seal of 2026-10: account {pool} had 100 fen at the close; "
        f"the ledger up to transaction {seal.head_sequence} now gives 0",
    ]
    with pytest.raises(CommandError, match="seal of 2026-10: its stored balances"):
        call_command("aid_verify_ledger")


def test_a_rewritten_seal_breaks_its_hash_and_the_next_seals_link(two_months):
    october = two_months[0].seal
    tamper_with_seal(october, head_sequence=october.head_sequence - 1)

    assert [str(problem) for problem in verify_seals()][:2] == [
        "seal of 2026-10: its fields no longer match its seal hash",
        f"seal of 2026-10: the ledger's transaction {october.head_sequence - 1} hashes to "
        f"{Transaction.objects.get(sequence=october.head_sequence - 1).chain_hash[:12]}…, "
        f"the seal recorded {october.head_hash[:12]}…",
    ]


def test_a_ledger_edit_before_a_seal_breaks_the_seal_too(two_months):
    october = two_months[0].seal
    distribution = Transaction.objects.get(sequence=october.head_sequence)
    ledger_triggers.uninstall(connection)
    with connection.cursor() as cursor:
        # A fen moved between two households: still balanced.
        cursor.execute(
            "UPDATE aid_accounting_entry SET amount_fen = amount_fen + 1 WHERE id = %s",
            [distribution.entries.filter(amount_fen__lt=0).order_by("pk")[0].pk],
        )
        cursor.execute(
            "UPDATE aid_accounting_entry SET amount_fen = amount_fen - 1 WHERE id = %s",
            [distribution.entries.filter(amount_fen__lt=0).order_by("pk")[1].pk],
        )
    ledger_triggers.install(connection)

    problems = [str(problem) for problem in verify_seals()]

    assert problems[0].startswith("seal of 2026-10: account household:")
    assert [p for p in problems if p.startswith("seal of 2026-11")]
    assert chain.verify_chain()[0].transaction_id == distribution.pk


def test_a_period_closed_without_a_seal_is_named(two_months):
    seal_triggers.uninstall(connection)
    PeriodSeal.objects.filter(period=two_months[1]).delete()
    seal_triggers.install(connection)

    assert [str(problem) for problem in verify_seals()] == [
        "seal of 2026-11: closed without a seal"
    ]


def test_seal_hash_is_recomputed_from_the_stored_fields(two_months):
    seal = PeriodSeal.objects.select_related("period").get(period=two_months[1])

    assert seal_hash(seal) == seal.seal_hash


# Published -------------------------------------------------------------------------------


def test_the_notice_page_shows_its_periods_seal(two_months, client, aid_officer):
    october = two_months[0]
    (notice,) = generate_notices(actor=SYSTEM, period=october)
    publish_notice(notice=review_notice(notice=notice, actor=aid_officer), actor=aid_officer)

    page = client.get(f"/notices/{notice.pk}/").content.decode()

    assert october.seal.seal_hash in page
    assert october.seal.head_hash in page
    assert october.seal.balances_hash in page


def test_open_data_lists_the_seals_without_balances(two_months, client):
    seals = client.get("/open-data/").json()["seals"]

    october = two_months[0].seal
    assert [seal["period"] for seal in seals] == ["2026-10", "2026-11"]
    assert seals[0] == {
        "period": "2026-10",
        "sealed_at": chain.utc_text(october.sealed_at),
        "head_sequence": october.head_sequence,
        "head_hash": october.head_hash,
        "balances_hash": october.balances_hash,
        "previous_hash": chain.GENESIS_HASH,
        "seal_hash": october.seal_hash,
    }
    assert [s["period"] for s in client.get("/open-data/?year=2027").json()["seals"]] == []
