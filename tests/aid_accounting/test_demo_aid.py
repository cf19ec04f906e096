"""The demo's aid: 25% rules, one pool over the key villages, closed months, a paid batch."""

import datetime

import pytest

from aid_accounting.audit.reconcile import reconcile
from aid_accounting.demo import (
    close_demo_periods,
    pay_demo_batch,
    publish_demo_notices,
    seed_aid,
    seed_producer_payout_accounts,
)
from aid_accounting.households.validators import validate_bank_account_number
from aid_accounting.payouts.models import PayoutBatch, PayoutRow, ProducerPayoutAccount
from aid_accounting.periods.models import AccountingPeriod
from aid_accounting.rules.models import AidPool, AidRule
from tests.aid_accounting.factories import HouseholdFactory
from tests.producers.factories import VillageFactory
from tests.township import at, deliver, sell

pytestmark = pytest.mark.django_db


@pytest.fixture
def key_villages():
    villages = [VillageFactory() for _ in range(3)]
    for village in villages:
        HouseholdFactory(village=village)
    return villages


def test_seed_aid_gives_every_producer_a_25_percent_rule_to_the_key_villages(
    tomato, bag, key_villages
):
    VillageFactory(is_key_village=False)

    assert seed_aid() == 2

    pool = AidPool.objects.get()
    assert set(pool.villages.all()) == set(key_villages) | {
        tomato.product.producer.village,
        bag.product.producer.village,
    }
    assert set(AidRule.objects.values_list("share_bp", flat=True)) == {2500}
    assert pool.weighting == AidPool.Weighting.EQUAL


def test_seed_aid_again_creates_nothing(tomato, key_villages):
    seed_aid()

    assert seed_aid() == 0
    assert AidRule.objects.count() == 1


def test_seed_aid_gives_every_producer_a_fictional_payout_account_once(tomato, bag, key_villages):
    seed_aid()

    assert seed_producer_payout_accounts() == 0
    accounts = list(ProducerPayoutAccount.objects.order_by("producer__code"))
    assert [(a.producer, a.bank_name, a.bank_account_number) for a in accounts] == [
        (tomato.product.producer, "示例农村商业银行", "62000000000990001"),
        (bag.product.producer, "示例农村商业银行", "62000000000990002"),
    ]
    for account in accounts:
        validate_bank_account_number(account.bank_account_number)


def test_demo_months_close_in_order_and_a_batch_is_paid(
    tomato, key_villages, aid_officer, second_officer
):
    seed_aid()
    for day in ("2025-09-10", "2025-10-10", "2025-11-10"):
        deliver(sell([(tomato, 2)], paid_at=at(day)), at=at(day) + datetime.timedelta(days=1))

    closed = close_demo_periods(until="2025-11")
    publish_demo_notices(officer=aid_officer)
    batch = pay_demo_batch(drafter=aid_officer, approver=second_officer)

    assert closed == ["2025-09", "2025-10", "2025-11"]
    assert AccountingPeriod.objects.get(code="2025-09").closed_at == at("2025-10-06") - (
        datetime.timedelta(hours=10)
    )
    assert batch.status == PayoutBatch.Status.COMPLETED
    assert batch.total_fen == 3 * 1990
    assert not batch.rows.exclude(status=PayoutRow.Status.PAID).exists()
    assert reconcile().ok
