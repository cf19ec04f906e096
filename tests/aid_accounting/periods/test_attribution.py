"""Which sales funded a household's income: computed on demand, exact to the fen."""

import pytest

from aid_accounting.exceptions import PeriodError
from aid_accounting.ledger.posting import balance
from aid_accounting.periods.attribution import household_attribution
from aid_accounting.periods.close import close_period
from core.roles import SYSTEM
from tests.aid_accounting.factories import household_account
from tests.township import at, deliver, refund, sell

pytestmark = pytest.mark.django_db


def delivered_sale(variant, quantity, paid, delivered):
    order = sell([(variant, quantity)], paid_at=at(paid))
    deliver(order, at=at(delivered))
    return order


def test_a_households_income_is_traced_to_the_lines_that_funded_it(
    tomato, tomato_rule, beneficiaries
):
    first = delivered_sale(tomato, 2, "2026-10-05", "2026-10-06")  # 1990 aid
    second = delivered_sale(tomato, 3, "2026-10-07", "2026-10-08")  # 2985 aid
    close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-02"))
    household = beneficiaries[2]  # LGZ-J-3, whom October's spare fen goes to

    attribution = household_attribution(household=household, period="2026-10")

    assert attribution.total_fen == balance(household_account(household)) == 1659
    (pool,) = attribution.pools
    assert [(s.accrual.line.order, s.contribution_fen, s.household_fen) for s in pool.sales] == [
        (first, 1990, 664),
        (second, 2985, 995),
    ]


def test_a_refund_netted_in_a_later_close_shows_as_a_negative_part(
    tomato, tomato_rule, beneficiaries, staff
):
    october = delivered_sale(tomato, 2, "2026-10-05", "2026-10-06")
    close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-02"))
    refund(october, staff=staff, line=october.lines.get(), quantity=1)  # −995 aid
    delivered_sale(tomato, 4, "2026-11-05", "2026-11-06")  # 3980 aid
    close_period(actor=SYSTEM, period="2026-11", now=at("2026-12-02"))

    for household in beneficiaries:
        attribution = household_attribution(household=household, period="2026-11")
        (pool,) = attribution.pools
        assert sum(sale.household_fen for sale in pool.sales) == pool.share_fen
        assert [sale.reversal is not None for sale in pool.sales] == [False, True]
        assert pool.sales[1].household_fen < 0


def test_the_parts_add_up_for_every_household(tomato, tomato_rule, beneficiaries):
    for day in range(1, 8):
        delivered_sale(tomato, day, f"2026-10-0{day}", "2026-10-09")
    close_period(actor=SYSTEM, period="2026-10", now=at("2026-11-02"))

    for household in beneficiaries:
        attribution = household_attribution(household=household, period="2026-10")
        assert sum(s.household_fen for p in attribution.pools for s in p.sales) == (
            balance(household_account(household))
        )


def test_a_period_not_yet_closed_is_refused(household):
    with pytest.raises(PeriodError, match="尚未结算"):
        household_attribution(household=household, period="2026-10")
