"""Which household credits wait, and why (payouts/payable.py): each month's
credit waits for its own village's and its own month's notice, objections hold
only what they name, and a household removed from the register keeps what is
left after the other holds for an officer's decision."""

import datetime
import re

import pytest
from cryptography.fernet import Fernet

from aid_accounting.exceptions import PayoutError
from aid_accounting.households.models import Household
from aid_accounting.ledger.kinds import AccountOwnerType
from aid_accounting.ledger.posting import lock_accounts
from aid_accounting.notices.publication import (
    generate_notices,
    publish_notice,
    review_notice,
    submit_objection,
)
from aid_accounting.payouts.batches import draft_batch
from aid_accounting.payouts.models import PayoutBatch, PayoutHold, RemovedHouseholdDecision
from aid_accounting.payouts.payable import decide_removed_household, payability
from aid_accounting.periods.close import close_period
from aid_accounting.periods.models import AccountingPeriod
from aid_accounting.rules.versions import set_rule
from core.roles import SYSTEM
from tests.producers.factories import VillageFactory
from tests.township import add_households, at, close_and_publish, deliver, sell

pytestmark = pytest.mark.django_db

Reason = PayoutHold.Reason


def figures(now: datetime.datetime) -> dict[str, tuple[dict, int]]:
    """Each household's holds and payable amount at ``now``, by registration number."""
    accounts = lock_accounts(owner_type=AccountOwnerType.HOUSEHOLD)
    numbers = dict(Household.objects.values_list("pk", "registration_number"))
    return {
        numbers[payee.account.owner_id]: (payee.holds, payee.payable_fen)
        for payee in payability(
            kind=PayoutBatch.Kind.HOUSEHOLD, accounts=accounts, now=now
        ).values()
    }


def sale_closed(variant, month: str, *, quantity: int) -> None:
    """A sale delivered in ``month`` ("2026-10"), and the month closed on the 2nd after."""
    deliver(sell([(variant, quantity)], paid_at=at(f"{month}-10")), at=at(f"{month}-12"))
    following = {"2026-10": "2026-11", "2026-11": "2026-12"}[month]
    close_period(actor=SYSTEM, period=month, now=at(f"{following}-02"))


def publish(month: str, *, officers, village=None) -> None:
    """Publish ``month``'s notices (only ``village``'s, if given) on the 2nd after it."""
    generator, publisher = officers
    following = {"2026-10": "2026-11", "2026-11": "2026-12"}[month]
    for notice in generate_notices(
        period=AccountingPeriod.objects.get(code=month), actor=generator
    ):
        if village is None or notice.village_id == village.pk:
            reviewed = review_notice(notice=notice, actor=publisher)
            publish_notice(notice=reviewed, actor=publisher, now=at(f"{following}-02"))


@pytest.fixture
def officers(aid_officer, second_officer):
    return aid_officer, second_officer


@pytest.fixture
def two_months(clock, tomato, tomato_rule, beneficiaries):
    """October: 1990 fen of aid, 663/663/664; November: 2985 fen, 995 each."""
    clock.set("2026-12-20")
    sale_closed(tomato, "2026-10", quantity=2)
    sale_closed(tomato, "2026-11", quantity=3)


def test_each_months_credit_waits_for_its_own_months_notice(two_months, officers):
    publish("2026-10", officers=officers)

    assert figures(at("2026-12-20")) == {
        "LGZ-J-1": ({Reason.NOTICE_PENDING: 995}, 663),
        "LGZ-J-2": ({Reason.NOTICE_PENDING: 995}, 663),
        "LGZ-J-3": ({Reason.NOTICE_PENDING: 995}, 664),
    }


def test_two_months_waiting_for_their_notices_are_held_together(two_months):
    assert figures(at("2026-12-20"))["LGZ-J-3"] == ({Reason.NOTICE_PENDING: 664 + 995}, 0)


def test_a_removed_household_keeps_back_only_what_no_other_hold_keeps(two_months, officers):
    publish("2026-10", officers=officers)
    Household.objects.filter(registration_number="LGZ-J-3").update(status=Household.Status.REMOVED)

    assert figures(at("2026-12-20"))["LGZ-J-3"] == (
        {Reason.NOTICE_PENDING: 995, Reason.REMOVED: 664},
        0,
    )


def test_an_objection_to_one_months_notice_holds_only_that_month(two_months, officers):
    publish("2026-10", officers=officers)
    publish("2026-11", officers=officers)
    november = AccountingPeriod.objects.get(code="2026-11").notices.get()
    submit_objection(
        notice=november,
        name="张三",
        contact="13800000000",
        message="整份公示有误。",
        now=at("2026-12-03"),
    )

    assert figures(at("2026-12-20"))["LGZ-J-1"] == ({Reason.OBJECTION: 995}, 663)


@pytest.fixture
def other_village(tomato_rule):
    """A second village in the tomato pool: October's 1990 fen go 398 to each of five."""
    village = VillageFactory()
    add_households(village, prefix="LGZ-Q", members=(2, 3))
    tomato_rule.pool.villages.add(village)
    return village


def test_a_villages_credit_waits_for_its_own_villages_notice(
    clock, tomato, tomato_rule, beneficiaries, other_village, key_village, officers
):
    clock.set("2026-11-20")
    sale_closed(tomato, "2026-10", quantity=2)
    publish("2026-10", officers=officers, village=key_village)

    shown = figures(at("2026-11-20"))

    assert shown["LGZ-J-1"] == ({}, 398)
    assert shown["LGZ-Q-1"] == ({Reason.NOTICE_PENDING: 398}, 0)


def test_an_objection_to_another_villages_notice_holds_nothing_here(
    clock, tomato, tomato_rule, beneficiaries, other_village, officers
):
    clock.set("2026-11-20")
    sale_closed(tomato, "2026-10", quantity=2)
    publish("2026-10", officers=officers)
    theirs = other_village.notices.get()
    submit_objection(
        notice=theirs,
        name="张三",
        contact="13800000000",
        message="整份公示有误。",
        now=at("2026-11-03"),
    )

    shown = figures(at("2026-11-20"))

    assert shown["LGZ-J-1"] == ({}, 398)
    assert shown["LGZ-Q-1"] == ({Reason.OBJECTION: 398}, 0)


@pytest.fixture
def one_fen_shares(clock, tomato, aid_pool, beneficiaries):
    """October's 4 fen of aid (0.03 % of ¥119.40 is 3.6 fen) split 1, 1 and 2,
    published, its window over on 20 November."""
    clock.set("2026-11-20")
    set_rule(
        actor=SYSTEM,
        producer=tomato.product.producer,
        pool=aid_pool,
        share_bp=3,
        valid_from=datetime.date(2026, 1, 1),
    )
    deliver(sell([(tomato, 3)], paid_at=at("2026-10-10")), at=at("2026-10-12"))
    close_and_publish("2026-10", now=at("2026-11-02"))


def test_a_removed_household_is_held_down_to_its_last_fen(one_fen_shares):
    Household.objects.update(status=Household.Status.REMOVED)

    shown = figures(at("2026-11-20"))

    assert sorted(holds[Reason.REMOVED] for holds, _ in shown.values()) == [1, 1, 2]
    assert {payable for _, payable in shown.values()} == {0}


def test_payability_reads_no_personal_data_and_works_when_its_key_is_lost(
    settings, clock, tomato, tomato_rule, beneficiaries
):
    clock.set("2026-11-20")
    deliver(sell([(tomato, 2)], paid_at=at("2026-10-10")), at=at("2026-10-12"))
    close_and_publish("2026-10", now=at("2026-11-02"))
    Household.objects.filter(registration_number="LGZ-J-1").update(bank_account_number="")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    shown = figures(at("2026-11-20"))

    assert shown["LGZ-J-1"] == ({Reason.NO_ACCOUNT: 663}, 0)
    assert shown["LGZ-J-2"] == ({}, 663)


def test_a_decision_needs_a_reason(beneficiaries, aid_officer):
    Household.objects.filter(pk=beneficiaries[0].pk).update(status=Household.Status.REMOVED)

    with pytest.raises(PayoutError, match=r"^请填写决定的理由。$"):
        decide_removed_household(
            household=beneficiaries[0], decision="pay", reason="  ", actor=aid_officer
        )


def test_a_decision_on_a_registered_household_is_refused_by_name(beneficiaries, aid_officer):
    household = beneficiaries[0]

    with pytest.raises(
        PayoutError,
        match=rf"^{re.escape(str(household))} 没有退出登记，其应付款按公示规则支付，无需决定。$",
    ):
        decide_removed_household(
            household=household, decision="pay", reason="照付", actor=aid_officer
        )


def test_of_two_decisions_in_the_same_instant_the_later_one_applies(
    clock, tomato, tomato_rule, beneficiaries, aid_officer
):
    clock.set("2026-11-20")
    deliver(sell([(tomato, 2)], paid_at=at("2026-10-10")), at=at("2026-10-12"))
    close_and_publish("2026-10", now=at("2026-11-02"))
    removed = Household.objects.get(registration_number="LGZ-J-3")
    Household.objects.filter(pk=removed.pk).update(status=Household.Status.REMOVED)

    for decision in ("withhold", "pay"):
        decide_removed_household(
            household=removed, decision=decision, reason="村委核实", actor=aid_officer
        )
    RemovedHouseholdDecision.objects.update(decided_at=at("2026-11-20"))

    assert figures(at("2026-11-20"))["LGZ-J-3"] == ({}, 664)


def test_a_single_fen_without_a_bank_account_is_held_not_paid(one_fen_shares):
    Household.objects.update(bank_account_number="")

    shown = figures(at("2026-11-20"))

    assert sorted(holds[Reason.NO_ACCOUNT] for holds, _ in shown.values()) == [1, 1, 2]
    assert {payable for _, payable in shown.values()} == {0}


def test_an_objection_to_a_row_that_names_no_household_holds_the_whole_village(
    two_months, officers
):
    generator, publisher = officers
    publish("2026-10", officers=officers)
    [november] = generate_notices(
        period=AccountingPeriod.objects.get(code="2026-11"), actor=generator
    )
    # As on rows generated before the household was kept: who it is cannot be told.
    november.rows.filter(position=1).update(household=None)
    reviewed = review_notice(notice=november, actor=publisher)
    published = publish_notice(notice=reviewed, actor=publisher, now=at("2026-12-02"))
    submit_objection(
        notice=published,
        name="张三",
        contact="13800000000",
        message="第1户的金额有误。",
        position=1,
        now=at("2026-12-03"),
    )

    assert {number: holds for number, (holds, _) in figures(at("2026-12-20")).items()} == {
        "LGZ-J-1": {Reason.OBJECTION: 995},
        "LGZ-J-2": {Reason.OBJECTION: 995},
        "LGZ-J-3": {Reason.OBJECTION: 995},
    }


def test_a_removed_households_money_in_an_open_batch_is_not_held_again(
    two_months, officers, aid_officer
):
    publish("2026-10", officers=officers)
    draft_batch(kind=PayoutBatch.Kind.HOUSEHOLD, actor=aid_officer)  # October's 664
    publish("2026-11", officers=officers)
    Household.objects.filter(registration_number="LGZ-J-3").update(status=Household.Status.REMOVED)

    assert figures(at("2026-12-20"))["LGZ-J-3"] == ({Reason.REMOVED: 995}, 0)


def test_a_household_without_an_account_and_nothing_to_pay_has_no_account_hold(two_months):
    Household.objects.filter(registration_number="LGZ-J-1").update(bank_account_number="")

    assert figures(at("2026-12-20"))["LGZ-J-1"] == ({Reason.NOTICE_PENDING: 663 + 995}, 0)


def test_a_removed_household_whose_money_is_all_held_already_has_no_removal_hold(two_months):
    Household.objects.filter(registration_number="LGZ-J-3").update(status=Household.Status.REMOVED)

    assert figures(at("2026-12-20"))["LGZ-J-3"] == ({Reason.NOTICE_PENDING: 664 + 995}, 0)
