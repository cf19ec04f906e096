"""Retention of households' personal data (aid_accounting/privacy/retention.py): a
household removed from the register more than HOUSEHOLD_RETENTION_YEARS ago is
anonymised, unless something still needs its data; the ledger, its chain, the
seals and the notices do not change."""

import importlib
import logging

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, Sum
from django.test import override_settings

from aid_accounting.households.models import (
    ANONYMISED_NAME,
    PERSONAL_DATA_ANONYMISED,
    Household,
)
from aid_accounting.ledger import chain
from aid_accounting.ledger.models import Entry, Transaction
from aid_accounting.notices.models import NoticeRow
from aid_accounting.notices.publication import submit_objection
from aid_accounting.notices.publication import verify_chain as notice_chain
from aid_accounting.payouts.account_changes import request_household_account_change
from aid_accounting.payouts.models import PayoutAccountChange, PayoutRow
from aid_accounting.periods import seals
from aid_accounting.periods.close import close_due_periods, close_period
from aid_accounting.privacy.retention import KeptBack, apply_retention
from aid_accounting.tasks import apply_household_retention
from config.settings import CELERY_BEAT_SCHEDULE
from core.roles import SYSTEM
from tests.aid_accounting.factories import HouseholdFactory
from tests.security.matrix_support import WriteLog
from tests.township import at, deliver, sell

pytestmark = pytest.mark.django_db

FULL_NAME = "孔祥轩"  # every factory household's head


def leave(household: Household) -> None:
    household.status = Household.Status.REMOVED
    household.save()


@pytest.fixture
def departures(township, clock, tomato):
    """LGZ-J-1 leaves on 1 December 2026, paid in full; LGZ-J-2 after November's
    close credited it, so it is still owed money; LGZ-X-1, of a village outside
    the pool, leaves in June 2027. Every month to June 2027 is closed."""
    households = {h.registration_number: h for h in Household.objects.all()}
    leave(households["LGZ-J-1"])
    deliver(sell([(tomato, 1)], paid_at=at("2026-11-06")), at=at("2026-11-08"))
    close_period(actor=SYSTEM, period="2026-11", now=clock.set("2026-12-02"))
    clock.set("2026-12-03")
    leave(households["LGZ-J-2"])
    clock.set("2027-06-01")
    leave(HouseholdFactory(registration_number="LGZ-X-1"))
    clock.set("2027-07-02")
    close_due_periods()
    return households


def ledger_state() -> tuple:
    totals = Entry.objects.aggregate(entries=Count("pk"), debits=Sum("amount_fen"))
    return (
        Transaction.objects.count(),
        totals,
        chain.balances_at(sequence=chain.head_sequence()),
        chain.verify_chain(),
        seals.verify_seals(),
        notice_chain(),
    )


def numbers(households) -> list[str]:
    return [household.registration_number for household in households]


def test_removing_a_household_dates_its_departure_and_bringing_it_back_clears_it(clock):
    household = HouseholdFactory()
    assert household.left_register_at is None

    clock.set("2027-03-05")
    leave(household)
    assert household.left_register_at == at("2027-03-05")

    household.status = Household.Status.LIFTED_OUT
    household.save(update_fields=["status"])
    household.refresh_from_db()
    assert household.left_register_at is None


def test_a_dry_run_lists_who_would_be_anonymised_and_who_is_kept_back_and_writes_nothing(
    departures, clock
):
    clock.set("2031-12-05")
    writes = WriteLog()

    with connection.execute_wrapper(writes):
        run = apply_retention(dry_run=True)

    assert writes.writes == []
    assert numbers(run.due) == ["LGZ-J-1"]
    assert [(h.registration_number, reasons) for h, reasons in run.kept_back] == [
        ("LGZ-J-2", [KeptBack.BALANCE])
    ]
    assert Household.objects.get(registration_number="LGZ-J-1").head_name == FULL_NAME


def test_the_command_dry_run_says_so_by_registration_number(departures, clock, capsys):
    clock.set("2031-12-05")

    call_command("aid_apply_retention", "--dry-run")

    out = capsys.readouterr().out
    assert "would anonymise 1 household(s): LGZ-J-1" in out
    assert "LGZ-J-2: 应付余额不为零" in out
    assert FULL_NAME not in out
    assert Household.objects.filter(anonymised_at__isnull=False).count() == 0


def test_the_run_anonymises_only_households_past_the_period_and_not_owed_money(departures, clock):
    before = ledger_state()
    now = clock.set("2031-12-05")

    run = apply_retention()

    assert numbers(run.due) == ["LGZ-J-1"]
    gone = Household.objects.get(registration_number="LGZ-J-1")
    assert (gone.head_name, gone.anonymised_at) == (ANONYMISED_NAME, now)
    assert [getattr(gone, name) for name in Household.PERSONAL_FIELDS] == ["", "", "", ""]
    assert (gone.village_id, gone.member_count, gone.status) == (
        departures["LGZ-J-1"].village_id,
        1,
        Household.Status.REMOVED,
    )
    for kept in ("LGZ-J-2", "LGZ-J-3", "LGZ-X-1"):
        household = Household.objects.get(registration_number=kept)
        assert (household.head_name, household.anonymised_at) == (FULL_NAME, None)
        assert household.id_number == "11010519491231002X"
    assert ledger_state() == before


def test_the_name_leaves_the_history_and_the_payout_rows_too(departures, clock):
    clock.set("2031-12-05")
    household = departures["LGZ-J-1"]
    row = PayoutRow.objects.get(household=household)
    assert row.payee_name == FULL_NAME

    apply_retention()

    row.refresh_from_db()
    assert (row.payee_name, row.payee_bank_name, row.payee_account_number) == (
        ANONYMISED_NAME,
        "",
        "",
    )
    assert not PayoutRow.history.filter(household_id=household.pk, payee_name=FULL_NAME)
    records = Household.history.filter(id=household.pk)
    assert not records.filter(head_name=FULL_NAME)
    latest = records.order_by("-history_date", "-history_id").first()
    assert latest.history_change_reason == PERSONAL_DATA_ANONYMISED
    assert latest.history_user is None
    # The other households keep their names in their history.
    assert Household.history.filter(id=departures["LGZ-J-2"].pk, head_name=FULL_NAME)


def test_running_again_changes_nothing(departures, clock):
    clock.set("2031-12-05")
    apply_retention()
    records = Household.history.count()
    writes = WriteLog()

    with connection.execute_wrapper(writes):
        run = apply_retention()

    assert run.due == []
    assert numbers(h for h, _reasons in run.kept_back) == ["LGZ-J-2"]
    assert writes.writes == []
    assert Household.history.count() == records


def test_a_household_is_anonymised_once_its_own_period_has_passed(departures, clock):
    clock.set("2032-06-02")

    run = apply_retention()

    assert numbers(run.due) == ["LGZ-J-1", "LGZ-X-1"]


@pytest.mark.parametrize("whole_notice", [False, True], ids=["its row", "its whole notice"])
def test_an_open_objection_keeps_the_data(departures, clock, whole_notice):
    row = NoticeRow.objects.get(household=departures["LGZ-J-1"])
    submit_objection(
        notice=row.notice,
        name="张三",
        contact="13800000000",
        message="金额有误。",
        position=None if whole_notice else row.position,
        now=at("2026-11-05"),
    )
    clock.set("2031-12-05")

    run = apply_retention()

    assert run.due == []
    assert [(h.registration_number, reasons) for h, reasons in run.kept_back] == [
        ("LGZ-J-1", [KeptBack.OBJECTION]),
        # One to the whole notice names every household on it.
        ("LGZ-J-2", [KeptBack.BALANCE, *([KeptBack.OBJECTION] if whole_notice else [])]),
    ]


@override_settings(HOUSEHOLD_RETENTION_YEARS=10)
def test_the_retention_period_is_a_setting(departures, clock):
    clock.set("2031-12-05")

    assert apply_retention(dry_run=True).due == []


@pytest.fixture
def long_gone(clock):
    """A household that left in March 2020, with March 2020 closed."""
    clock.set("2020-03-15")
    household = HouseholdFactory()
    leave(household)
    clock.set("2020-04-02")
    close_period(actor=SYSTEM, period="2020-03", now=at("2020-04-02"))
    clock.set("2026-12-01")
    return household


def test_the_month_a_household_left_must_be_closed(clock):
    clock.set("2020-03-15")
    leave(HouseholdFactory())
    clock.set("2026-12-01")

    run = apply_retention()

    assert run.due == []
    assert [reasons for _h, reasons in run.kept_back] == [[KeptBack.OPEN_PERIOD]]


def test_an_account_change_awaiting_approval_keeps_the_data(long_gone, aid_officer):
    request_household_account_change(
        household=long_gone,
        bank_name="示例银行",
        bank_account_number="62000000000990099",
        actor=aid_officer,
    )

    run = apply_retention()

    assert [reasons for _h, reasons in run.kept_back] == [[KeptBack.ACCOUNT_CHANGE]]


def test_requested_accounts_are_emptied_with_the_register(long_gone, aid_officer, second_officer):
    request_household_account_change(
        household=long_gone,
        bank_name="示例银行",
        bank_account_number="62000000000990099",
        actor=aid_officer,
    )
    change = PayoutAccountChange.objects.get()
    change.status = PayoutAccountChange.Status.REJECTED
    change.save()

    assert numbers(apply_retention().due) == [long_gone.registration_number]

    change.refresh_from_db()
    assert (change.bank_name, change.bank_account_number) == ("", "")
    assert change.masked_after == "****0099"


@override_settings(FIELD_ENCRYPTION_KEYS=[])
def test_the_command_refuses_without_the_encryption_keys(long_gone):
    with pytest.raises(CommandError, match="FIELD_ENCRYPTION_KEY"):
        call_command("aid_apply_retention")


def test_the_monthly_task_runs_it_and_logs_the_run(long_gone, caplog):
    assert (
        CELERY_BEAT_SCHEDULE["apply-household-retention"]["task"]
        == "aid_accounting.tasks.apply_household_retention"
    )

    with caplog.at_level(logging.INFO, logger="aid_accounting.tasks"):
        result = apply_household_retention.delay().get()

    assert result == [long_gone.registration_number]
    assert f"anonymised 1 household(s): {long_gone.registration_number}" in caplog.text


def test_the_migration_dates_departures_from_the_history(clock):
    migration = importlib.import_module("aid_accounting.migrations.0017_household_left_register")
    clock.set("2024-01-10")
    household = HouseholdFactory()
    clock.set("2024-05-20")
    leave(household)
    clock.set("2024-06-01")
    household.member_count = 2
    household.save()
    never_recorded = HouseholdFactory()
    Household.objects.filter(pk=never_recorded.pk).update(status=Household.Status.REMOVED)
    Household.history.filter(id=never_recorded.pk).delete()
    Household.objects.update(left_register_at=None)
    clock.set("2026-12-07")

    migration.date_departures(apps, None)

    household.refresh_from_db()
    never_recorded.refresh_from_db()
    assert household.left_register_at == at("2024-05-20")
    assert never_recorded.left_register_at == at("2026-12-07")
