"""Period close: distribution to households (DESIGN §7 flow 3)."""

import datetime
from dataclasses import replace

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from aid_accounting import calendar, tasks
from aid_accounting.accrual.models import AidReversal, LineAccrual
from aid_accounting.exceptions import PeriodError
from aid_accounting.households.models import Household
from aid_accounting.ledger.models import Transaction
from aid_accounting.ledger.posting import balance, pool_account
from aid_accounting.periods import close as distribution
from aid_accounting.periods.close import close_due_periods, close_period
from aid_accounting.periods.models import AccountingPeriod, PoolDistribution
from aid_accounting.rules.models import AidPool
from aid_accounting.rules.versions import set_rule
from core.roles import SYSTEM
from tests.aid_accounting.factories import HouseholdFactory, household_account
from tests.producers.factories import VillageFactory
from tests.township import add_households, add_pool, add_rule, at, deliver, refund, sell

pytestmark = pytest.mark.django_db


OCT_SALE, OCT_DELIVERY, NOV_CLOSE = at("2026-10-10"), at("2026-10-12"), at("2026-11-02")


def delivered_sale(variant, quantity=2, *, paid=OCT_SALE, delivered=OCT_DELIVERY):
    order = sell([(variant, quantity)], paid_at=paid)
    deliver(order, at=delivered)
    return order


def shares(households) -> list[int]:
    return [balance(household_account(household)) for household in households]


def test_close_splits_the_pool_equally_to_the_fen(tomato, tomato_rule, beneficiaries):
    delivered_sale(tomato)  # 1990 fen of aid

    result = close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    assert result.distributed_fen == 1990
    # 1990 = 3 × 663 + 1: the spare fen goes to the household whose
    # sha256("2026-10:<registration number>") comes first, LGZ-J-3
    assert shares(beneficiaries) == [663, 663, 664]
    assert balance(pool_account(tomato_rule.pool)) == 0


def test_the_spare_fen_go_to_other_households_in_other_periods(
    tomato, tomato_rule, beneficiaries, clock
):
    # Each month 1990 = 3 × 663 + 1; the spare fen rotates: LGZ-J-3 in
    # October, LGZ-J-2 in December (sha256 of "<period>:<number>").
    clock.set("2027-01-02")  # a close is never dated in the future
    delivered_sale(tomato)
    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)
    close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-02"))
    delivered_sale(tomato, paid=at("2026-12-10"), delivered=at("2026-12-12"))
    close_period(actor=SYSTEM, period="2026-12", now=at("2027-01-02"))

    assert shares(beneficiaries) == [2 * 663, 664 + 663, 663 + 664]


def test_a_close_reads_no_personal_data_and_works_when_its_key_is_lost(
    settings, tomato, tomato_rule, beneficiaries
):
    # The households' ID numbers, phones and bank accounts were encrypted with
    # a key that is no longer configured: the close does not need them.
    delivered_sale(tomato)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    result = close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    assert result.distributed_fen == 1990
    assert sorted(shares(beneficiaries)) == [663, 663, 664]


def test_close_can_weight_by_household_members(tomato, tomato_rule, beneficiaries):
    AidPool.objects.filter(pk=tomato_rule.pool_id).update(weighting=AidPool.Weighting.MEMBERS)
    delivered_sale(tomato)

    october = close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    # members 1, 2, 4 of 7: 284.3, 568.6, 1137.1; the spare fen to the largest remainder
    assert shares(beneficiaries) == [284, 569, 1137]
    assert october.distributions[0].weighting == AidPool.Weighting.MEMBERS


def test_ineligible_households_get_nothing(tomato, tomato_rule, beneficiaries):
    Household.objects.filter(pk=beneficiaries[0].pk).update(status=Household.Status.REMOVED)
    delivered_sale(tomato)

    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    assert shares(beneficiaries) == [0, 995, 995]


def test_distribution_posts_one_transaction_per_pool_with_an_entry_per_household(
    tomato, tomato_rule, beneficiaries
):
    for _ in range(5):
        delivered_sale(tomato)

    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    posting = Transaction.objects.get(kind=Transaction.Kind.DISTRIBUTION)
    assert posting.entries.count() == 1 + len(beneficiaries)
    assert (posting.source, posting.memo, posting.created_at) == (
        "period:2026-10",
        f"{tomato_rule.pool.name} 2026-10 分配",
        NOV_CLOSE,
    )
    assert LineAccrual.objects.filter(distributed_in__code="2026-10").count() == 5


def test_closing_twice_changes_nothing(tomato, tomato_rule, beneficiaries):
    delivered_sale(tomato)
    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)
    transactions = Transaction.objects.count()

    again = close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-20"))

    assert again.already_closed
    assert again.period.code == "2026-10"
    assert Transaction.objects.count() == transactions
    assert shares(beneficiaries) == [663, 663, 664]


@pytest.mark.parametrize("code", ["2026-11", "2026-12", "2027-01"])
def test_closing_the_current_or_a_future_period_is_refused(code, tomato, tomato_rule):
    delivered_sale(tomato)

    month = calendar.parse(code)
    with pytest.raises(
        PeriodError, match=rf"^期间 {code} 尚未结束（{month.end.isoformat()} 结束），不能结算。$"
    ):
        close_period(actor=SYSTEM, period=code, now=NOV_CLOSE)

    assert not AccountingPeriod.objects.exists()
    assert not Transaction.objects.filter(kind=Transaction.Kind.DISTRIBUTION).exists()


@pytest.mark.parametrize("code", ["2026-13", "2026-00", "abc", "2026-1", "26-10", ""])
def test_a_malformed_period_is_refused(code):
    with pytest.raises(PeriodError, match="不是有效的期间"):
        close_period(actor=SYSTEM, period=code, now=NOV_CLOSE)

    assert not AccountingPeriod.objects.exists()


def test_months_close_in_order(tomato, tomato_rule):
    delivered_sale(tomato, paid=at("2026-09-10"), delivered=at("2026-09-12"))

    with pytest.raises(PeriodError, match="2026-09"):
        close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    assert not AccountingPeriod.objects.exists()


def test_a_line_still_in_its_return_window_waits_for_a_later_close(
    tomato, tomato_rule, beneficiaries
):
    # Vegetables may be returned for 2 days after delivery: not over on 1 November.
    delivered_sale(tomato, paid=at("2026-10-30"), delivered=at("2026-10-31"))

    october = close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-01", 0))
    november = close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-01"))

    assert october.distributions == []
    assert [d.amount_fen for d in november.distributions] == [1990]


def test_a_line_never_delivered_is_not_distributed(tomato, tomato_rule, beneficiaries):
    sell([(tomato, 2)], paid_at=OCT_SALE)

    result = close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    assert result.distributions == []
    assert balance(pool_account(tomato_rule.pool)) == 1990


def test_a_refund_after_distribution_is_netted_by_the_next_close(
    tomato, tomato_rule, beneficiaries, staff
):
    october_order = delivered_sale(tomato, quantity=2)
    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)
    refund(october_order, staff=staff, line=october_order.lines.get(), quantity=1)  # −995 aid
    assert balance(pool_account(tomato_rule.pool)) == -995
    delivered_sale(tomato, quantity=3, paid=at("2026-11-10"), delivered=at("2026-11-12"))

    november = close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-02"))

    (distribution,) = november.distributions
    assert (distribution.lines_fen, distribution.late_reversals_fen) == (2985, 995)
    assert distribution.amount_fen == 1990
    assert balance(pool_account(tomato_rule.pool)) == 0


def test_refunds_outweighing_new_aid_are_carried_forward(tomato, tomato_rule, beneficiaries, staff):
    october_order = delivered_sale(tomato, quantity=2)
    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)
    refund(october_order, staff=staff)

    november = close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-02"))

    assert november.distributions == []
    assert [(c.pool, c.amount_fen, c.reason) for c in november.carried] == [
        (tomato_rule.pool, -1990, "退款冲回不少于本期可分配金额")
    ]
    assert balance(pool_account(tomato_rule.pool)) == -1990


def test_a_pool_without_eligible_households_keeps_its_aid(tomato, tomato_rule, beneficiaries):
    Household.objects.update(status=Household.Status.REMOVED)
    delivered_sale(tomato)

    result = close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    assert [(c.pool, c.amount_fen, c.reason) for c in result.carried] == [
        (tomato_rule.pool, 1990, "资金池没有符合条件的受益户")
    ]
    assert LineAccrual.objects.filter(distributed_in__isnull=True).count() == 1
    assert result.period.status == AccountingPeriod.Status.CLOSED


def test_due_periods_are_closed_oldest_first(tomato, tomato_rule, beneficiaries):
    delivered_sale(tomato, paid=at("2026-08-10"), delivered=at("2026-08-12"))

    results = close_due_periods(now=NOV_CLOSE)

    assert [r.period.code for r in results] == ["2026-08", "2026-09", "2026-10"]
    assert PoolDistribution.objects.get().period.code == "2026-08"


def test_the_scheduled_task_is_idempotent(tomato, tomato_rule, beneficiaries, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOV_CLOSE)
    delivered_sale(tomato)

    first = tasks.close_previous_period.delay().get()
    second = tasks.close_previous_period.delay().get()

    assert (first, second) == (["2026-10"], [])
    assert Transaction.objects.filter(kind=Transaction.Kind.DISTRIBUTION).count() == 1


def test_the_command_closes_a_period(tomato, aid_pool, capsys):
    # The command closes at the real time: a sale well in the past.
    set_rule(
        actor=SYSTEM,
        producer=tomato.product.producer,
        pool=aid_pool,
        share_bp=2500,
        valid_from=datetime.date(2025, 1, 1),
    )
    delivered_sale(tomato, paid=at("2025-10-10"), delivered=at("2025-10-12"))

    call_command("aid_close_period", "2025-10")

    assert "Closed 2025-10: ¥19.90 distributed." in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argument", "message"),
    [("2026-13", "不是有效的期间"), ("abc", "不是有效的期间"), ("2999-01", "尚未结束")],
)
def test_the_command_refuses_bad_periods(argument, message):
    with pytest.raises(CommandError, match=message):
        call_command("aid_close_period", argument)

    assert not AccountingPeriod.objects.exists()


def test_a_close_that_crashes_half_way_leaves_nothing_and_retries_cleanly(
    tomato, bag, tomato_rule, beneficiaries, monkeypatch
):
    other_pool = AidPool.objects.create(name="另一个资金池")
    other_pool.households.add(beneficiaries[0])
    set_rule(
        actor=SYSTEM,
        producer=bag.product.producer,
        pool=other_pool,
        share_bp=5000,
        valid_from=datetime.date(2026, 1, 1),
    )
    delivered_sale(tomato)
    delivered_sale(bag)
    real_close_pool = distribution._close_pool
    calls = []

    def crash_on_second_pool(**kwargs):
        calls.append(kwargs["pool"])
        if len(calls) == 2:
            raise RuntimeError("worker lost")
        real_close_pool(**kwargs)

    monkeypatch.setattr(distribution, "_close_pool", crash_on_second_pool)
    with pytest.raises(RuntimeError, match="worker lost"):
        close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)
    assert not Transaction.objects.filter(kind=Transaction.Kind.DISTRIBUTION).exists()
    assert not AccountingPeriod.objects.exists()

    monkeypatch.setattr(distribution, "_close_pool", real_close_pool)
    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    assert sorted(PoolDistribution.objects.values_list("amount_fen", flat=True)) == [990, 1990]
    assert Transaction.objects.filter(kind=Transaction.Kind.DISTRIBUTION).count() == 2


def test_closing_takes_as_many_queries_for_twenty_households_as_for_five(
    tomato, tomato_rule, key_village, beneficiaries
):
    """Every household's account is read (or made) at once, not one by one."""

    def queries_to_close(month: str, *, closed: str, new_households: int) -> int:
        HouseholdFactory.create_batch(new_households, village=key_village)
        delivered_sale(tomato, paid=at(f"{month}-10"), delivered=at(f"{month}-12"))
        with CaptureQueriesContext(connection) as captured:
            close_period(actor=SYSTEM, period=month, now=at(closed))
        return len(captured)

    # The first close has no earlier month to check; later ones compare alike.
    queries_to_close("2026-09", closed="2026-10-02", new_households=0)
    five = queries_to_close("2026-10", closed="2026-11-02", new_households=2)
    twenty = queries_to_close("2026-11", closed="2026-12-02", new_households=15)

    assert twenty == five
    assert PoolDistribution.objects.get(period__code="2026-11").household_count == 20


def test_a_close_at_a_time_still_to_come_is_refused(tomato, tomato_rule, beneficiaries):
    delivered_sale(tomato)
    later = timezone.now() + datetime.timedelta(hours=1)

    with pytest.raises(PeriodError, match="晚于现在"):
        close_period(actor=SYSTEM, period="2026-10", now=later)
    with pytest.raises(PeriodError, match="晚于现在"):
        close_due_periods(now=later)

    assert not AccountingPeriod.objects.exists()
    assert not Transaction.objects.filter(kind=Transaction.Kind.DISTRIBUTION).exists()


def test_the_current_month_cannot_be_closed_by_naming_its_end_as_now(
    clock, tomato, tomato_rule, beneficiaries
):
    """On 20 November, a close "at" 1 December would close November while its
    sales and refunds are still being booked in it."""
    clock.set("2026-11-20")
    delivered_sale(tomato, paid=at("2026-11-05"), delivered=at("2026-11-06"))

    with pytest.raises(PeriodError, match="晚于现在"):
        close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-01"))
    with pytest.raises(PeriodError, match="晚于现在"):
        close_due_periods(now=at("2026-12-01"))
    # The command, the nightly task and the admin view take the present.
    with pytest.raises(CommandError, match="尚未结束"):
        call_command("aid_close_period", "2026-11")
    assert tasks.close_previous_period() == []  # November is not over; nothing before it sold

    assert not AccountingPeriod.objects.exists()


def test_a_line_paid_in_a_closed_month_is_taken_by_the_month_it_is_booked_in(
    tomato, tomato_rule, beneficiaries
):
    delivered_sale(tomato)
    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)
    # A bank transfer of 20 October, recorded once October was closed.
    late = sell([(tomato, 2)], paid_at=at("2026-10-20"), offline=True)
    deliver(late, at=at("2026-11-03"))

    november = close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-02"))

    assert [d.lines_fen for d in november.distributions] == [1990]
    assert LineAccrual.objects.get(line__order=late).distributed_in.code == "2026-11"


def test_before_any_sale_the_schedule_closes_the_month_just_gone_by(aid_pool):
    results = close_due_periods(now=NOV_CLOSE)

    assert [(r.period.code, r.distributions) for r in results] == [("2026-10", [])]


def test_a_scheduled_close_is_dated_when_it_was_asked_to_run(tomato, tomato_rule, beneficiaries):
    delivered_sale(tomato)

    (october,) = close_due_periods(now=NOV_CLOSE)

    assert october.period.closed_at == NOV_CLOSE
    assert october.distributions[0].created_at == NOV_CLOSE


def test_a_line_booked_after_the_month_waits_for_its_own_months_close(
    tomato, tomato_rule, beneficiaries
):
    # Paid, delivered and past its 2-day window by 10 November, but booked in November.
    november_sale = delivered_sale(tomato, paid=at("2026-11-02"), delivered=at("2026-11-03"))

    october = close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-10"))

    assert october.distributions == []
    assert LineAccrual.objects.get(line__order=november_sale).distributed_in is None


def test_a_refund_before_the_close_is_counted_once(tomato, tomato_rule, beneficiaries, staff):
    order = delivered_sale(tomato, quantity=2)
    refund(order, staff=staff, line=order.lines.get(), quantity=1)  # −995 aid, before any close

    october = close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    (distribution,) = october.distributions
    assert (distribution.lines_fen, distribution.late_reversals_fen) == (995, 0)
    assert balance(pool_account(tomato_rule.pool)) == 0
    accrual = LineAccrual.objects.get(line__order=order)
    assert (accrual.distributed_in, accrual.distributed_fen) == (october.period, 995)
    assert AidReversal.objects.get(accrual=accrual).netted_in == october.period


def test_a_late_refund_is_netted_once_and_only_in_its_own_pool(
    tomato, bag, tomato_rule, beneficiaries, staff, clock
):
    clock.set("2027-01-02")
    other_village = VillageFactory()
    add_households(other_village, prefix="LGZ-Q", members=(2,))
    bag_pool = add_pool(other_village, name="另一资金池")
    add_rule(bag.product.producer, bag_pool)  # 25% of ¥9.90 a bag
    bag_order = delivered_sale(bag, quantity=4)  # 990 fen of aid
    delivered_sale(tomato)
    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)
    refund(bag_order, staff=staff, line=bag_order.lines.get(), quantity=1)  # −248 aid, late
    delivered_sale(tomato, paid=at("2026-11-10"), delivered=at("2026-11-12"))
    delivered_sale(bag, quantity=4, paid=at("2026-11-10"), delivered=at("2026-11-12"))

    november = close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-02"))
    delivered_sale(bag, quantity=4, paid=at("2026-12-10"), delivered=at("2026-12-12"))
    december = close_period(actor=SYSTEM, period="2026-12", now=at("2027-01-02"))

    by_pool = {d.pool: (d.lines_fen, d.late_reversals_fen) for d in november.distributions}
    assert by_pool == {tomato_rule.pool: (1990, 0), bag_pool: (990, 248)}
    assert [(d.pool, d.late_reversals_fen) for d in december.distributions] == [(bag_pool, 0)]


@pytest.mark.parametrize(
    ("changes", "over"),
    [
        ({}, False),  # delivered 1 November, 2-day window: open on the 2nd
        ({"completed_at": at("2026-11-01", 12)}, True),
        ({"refunded_fen": 3980}, True),  # all of it back already
        ({"refunded_fen": 3979}, False),
        ({"line_total_fen": 0, "refunded_fen": 0}, True),
    ],
)
def test_the_close_asks_the_shops_return_rule_with_every_fact_of_the_line(changes, over):
    line = distribution.Candidate(
        accrual_id=1,
        aid_fen=995,
        reversed_fen=0,
        refunded_fen=0,
        line_total_fen=3980,
        completed_at=None,
        delivered_at=at("2026-11-01"),
        return_window_days=2,
    )

    assert (
        distribution.is_return_window_over(replace(line, **changes), now=at("2026-11-02")) is over
    )


@pytest.mark.parametrize(
    ("limit", "ids", "batches"),
    [
        (None, [], []),
        (None, [1, 2, 3], [[1, 2, 3]]),
        (13, [], []),
        (13, [1, 2, 3, 4, 5, 6, 7], [[1, 2, 3], [4, 5, 6], [7]]),
    ],
)
def test_ids_are_split_under_the_databases_limit_on_parameters(limit, ids, batches):
    """PostgreSQL has no limit (one list, none when there are no ids); SQLite's
    limit keeps room for ten other parameters."""
    assert [list(batch) for batch in distribution._id_batches(ids, limit=limit)] == batches


def test_a_refund_of_a_line_still_returnable_waits_with_its_line(
    tomato, tomato_rule, beneficiaries, staff
):
    delivered_sale(tomato)
    waiting = delivered_sale(tomato, quantity=2, paid=at("2026-10-30"), delivered=at("2026-10-31"))
    refund(waiting, staff=staff, line=waiting.lines.get(), quantity=1)

    october = close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-01", 0))

    assert [d.lines_fen for d in october.distributions] == [1990]
    assert AidReversal.objects.get().netted_in is None
    assert LineAccrual.objects.get(line__order=waiting).distributed_in is None


def test_late_refunds_equal_to_the_new_aid_distribute_nothing(
    tomato, tomato_rule, beneficiaries, staff
):
    october_order = delivered_sale(tomato, quantity=2)  # 1990 fen of aid
    close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)
    refund(october_order, staff=staff)  # −1990, late
    delivered_sale(tomato, quantity=2, paid=at("2026-11-10"), delivered=at("2026-11-12"))

    november = close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-02"))

    assert november.distributions == []
    assert [(c.amount_fen, c.reason) for c in november.carried] == [
        (0, "退款冲回不少于本期可分配金额")
    ]
    assert Transaction.objects.filter(kind=Transaction.Kind.DISTRIBUTION).count() == 1


def test_a_single_fen_of_aid_is_distributed(tomato, aid_pool, beneficiaries):
    set_rule(
        actor=SYSTEM,
        producer=tomato.product.producer,
        pool=aid_pool,
        share_bp=3,  # 0.03 % of ¥39.80 is 1.194 fen
        valid_from=datetime.date(2026, 1, 1),
    )
    delivered_sale(tomato, quantity=1)

    october = close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    assert [d.amount_fen for d in october.distributions] == [1]
    assert sorted(shares(beneficiaries)) == [0, 0, 1]


def test_an_earlier_month_recorded_but_not_closed_still_blocks_the_close(tomato, tomato_rule):
    delivered_sale(tomato, paid=at("2026-09-10"), delivered=at("2026-09-12"))
    AccountingPeriod.objects.create(
        code="2026-09", start=datetime.date(2026, 9, 1), end=datetime.date(2026, 9, 30)
    )

    with pytest.raises(PeriodError, match="2026-09"):
        close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)


def test_the_refusal_names_the_first_three_months_still_open(tomato, tomato_rule, clock):
    clock.set("2026-11-20")
    delivered_sale(tomato, paid=at("2026-06-10"), delivered=at("2026-06-12"))

    with pytest.raises(
        PeriodError, match=r"^请先按顺序结算更早的期间：2026-06、2026-07、2026-08。$"
    ):
        close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)


def test_a_close_in_the_future_says_when_it_was_asked_for(clock, tomato, tomato_rule):
    clock.set("2026-11-20")

    with pytest.raises(
        PeriodError, match=r"^结算时间 2026-12-01 10:00 晚于现在，不能按未来的时间结算。$"
    ):
        close_period(actor=SYSTEM, period="2026-10", now=at("2026-12-01"))


def test_the_period_and_its_history_say_which_officer_closed_it(
    tomato, tomato_rule, beneficiaries, aid_officer
):
    delivered_sale(tomato)

    october = close_period(actor=aid_officer, period="2026-10", now=NOV_CLOSE)

    october.period.refresh_from_db()
    assert (october.period.status, october.period.closed_at, october.period.closed_by) == (
        AccountingPeriod.Status.CLOSED,
        NOV_CLOSE,
        aid_officer,
    )
    latest = october.period.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (aid_officer, None)


def test_a_scheduled_close_is_recorded_as_automatic(tomato, tomato_rule, beneficiaries):
    october = close_period(actor=SYSTEM, period="2026-10", now=NOV_CLOSE)

    latest = october.period.history.latest()
    assert (october.period.closed_by, latest.history_user) == (None, None)
    assert latest.history_change_reason == distribution.CLOSED_AUTOMATICALLY
