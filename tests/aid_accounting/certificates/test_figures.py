"""A unit's yearly figures against a recomputation from its orders' lines."""

import pytest
from django.core.management import call_command

from aid_accounting.certificates.figures import unit_year
from aid_accounting.households.models import Household
from aid_accounting.ledger import chain
from aid_accounting.periods.close import close_period
from aid_accounting.periods.models import PeriodSeal
from core.roles import SYSTEM
from shop.orders.models import OrderLine
from tests.aid_accounting.factories import HouseholdFactory
from tests.township import at, deliver, refund, sell

pytestmark = pytest.mark.django_db

# The tomato rule gives 25% of ¥39.80 a box to the pool: ¥9.95 a box.
AID_A_BOX = 995


def recompute(unit, year: int) -> dict:
    """The figures from the orders' lines alone: what was bought, less refunds,
    and 25% of the tomatoes, closed for the October orders."""
    lines = list(
        OrderLine.objects.filter(
            order__buying_unit=unit, order__budget_year=year, order__paid_at__isnull=False
        ).select_related("producer__village", "order")
    )
    by_month: dict[str, list[int]] = {}
    by_producer: dict[str, list[int]] = {}
    by_village: dict[str, list[int]] = {}
    aid = reached = 0
    for line in lines:
        kept = line.quantity - line.refunded_quantity
        line_aid = AID_A_BOX * kept if line.product_title == "大棚番茄" else 0
        aid += line_aid
        if line.order.paid_at.month == 10:
            reached += line_aid
        for rows, key in (
            (by_month, f"2026-{line.order.paid_at.month}"),
            (by_producer, line.producer.name),
            (by_village, line.producer.village.name),
        ):
            row = rows.setdefault(key, [0, 0])
            row[0] += line.total_fen - line.refunded_fen
            row[1] += line_aid
    return {
        "purchases_fen": sum(line.total_fen - line.refunded_fen for line in lines),
        "aid_fen": aid,
        "reached_households_fen": reached,
        "by_month": by_month,
        "by_producer": by_producer,
        "by_village": by_village,
    }


def as_dict(rows: list[dict], label: str) -> dict:
    return {row[label]: [row["purchases_fen"], row["aid_fen"]] for row in rows}


def test_figures_match_a_recomputation_from_the_orders(canteen):
    figures = unit_year(unit_id=canteen.unit.pk, year=2026)
    expected = recompute(canteen.unit, 2026)

    # 3 + 1 + 2 boxes at ¥39.80 and 2 bags at ¥9.90
    assert figures["purchases_fen"] == expected["purchases_fen"] == 6 * 3980 + 2 * 990
    assert figures["aid_fen"] == expected["aid_fen"] == 6 * AID_A_BOX
    # October's 4 boxes were closed and distributed; November's 2 wait.
    assert figures["reached_households_fen"] == expected["reached_households_fen"] == 4 * 995
    assert figures["awaiting_close_fen"] == 2 * AID_A_BOX
    assert figures["orders"] == 3
    assert (figures["version"], figures["unit_id"], figures["year"]) == (1, canteen.unit.pk, 2026)
    assert as_dict(figures["by_month"], "month") == {
        "2026-10": [3 * 3980 + 2 * 990 + 3980, 4 * AID_A_BOX],
        "2026-11": [2 * 3980, 2 * AID_A_BOX],
    }
    assert as_dict(figures["by_producer"], "producer") == expected["by_producer"]
    assert as_dict(figures["by_village"], "village") == expected["by_village"]
    assert figures["households"] == 3 and figures["villages"] == 1
    seal = PeriodSeal.objects.get(period__code="2026-10")
    assert figures["periods"] == [
        {
            "period": "2026-10",
            "status": "closed",
            "closed_on": "2026-11-02",
            "seal_hash": seal.seal_hash,
        }
    ]
    call_command("aid_reconcile")


def test_a_refund_after_the_close_lowers_the_aid_and_what_reached_households(canteen, staff):
    line = canteen.october.lines.get(product_title="大棚番茄")
    refund(canteen.october, staff=staff, line=line, quantity=1)

    figures = unit_year(unit_id=canteen.unit.pk, year=2026)
    expected = recompute(canteen.unit, 2026)

    assert figures["purchases_fen"] == expected["purchases_fen"] == 5 * 3980 + 2 * 990
    assert figures["aid_fen"] == expected["aid_fen"] == 5 * AID_A_BOX
    assert figures["reached_households_fen"] == 3 * AID_A_BOX
    assert figures["awaiting_close_fen"] == 2 * AID_A_BOX
    assert as_dict(figures["by_month"], "month")["2026-10"] == [2 * 3980 + 2 * 990 + 3980, 3 * 995]
    assert as_dict(figures["by_producer"], "producer") == expected["by_producer"]
    assert as_dict(figures["by_village"], "village") == expected["by_village"]
    call_command("aid_reconcile")


def test_households_of_every_close_count_once(canteen, clock, key_village, beneficiaries):
    """November's close, after one household left the register and another
    joined, credits a household October's did not: four in all."""
    Household.objects.filter(pk=beneficiaries[0].pk).update(status=Household.Status.REMOVED)
    HouseholdFactory(registration_number="LGZ-J-4", village=key_village)
    deliver(canteen.november, at=at("2026-11-06"))
    close_period(actor=SYSTEM, period="2026-11", now=clock.set("2026-12-02"))

    figures = unit_year(unit_id=canteen.unit.pk, year=2026)

    assert figures["households"] == 4 and figures["villages"] == 1
    assert [row["period"] for row in figures["periods"]] == ["2026-10", "2026-11"]
    assert figures["reached_households_fen"] == figures["aid_fen"] == 6 * AID_A_BOX


def test_the_pools_later_closes_are_not_counted(canteen, clock, tomato, key_village, beneficiaries):
    """November's close of the same pool, which distributed only a private
    order's aid, to a household October's close did not credit."""
    Household.objects.filter(pk=beneficiaries[0].pk).update(status=Household.Status.REMOVED)
    HouseholdFactory(registration_number="LGZ-J-4", village=key_village)
    deliver(sell([(tomato, 1)], paid_at=at("2026-11-05")), at=at("2026-11-06"))
    close_period(actor=SYSTEM, period="2026-11", now=clock.set("2026-12-02"))

    figures = unit_year(unit_id=canteen.unit.pk, year=2026)

    assert figures["households"] == 3
    assert [row["period"] for row in figures["periods"]] == ["2026-10"]


def test_a_refund_before_the_close_is_not_counted_as_reached(canteen, staff, clock):
    refund(canteen.november, staff=staff, line=canteen.november.lines.get(), quantity=1)

    figures = unit_year(unit_id=canteen.unit.pk, year=2026)

    assert figures["aid_fen"] == 5 * AID_A_BOX
    assert figures["reached_households_fen"] == 4 * AID_A_BOX
    assert figures["awaiting_close_fen"] == AID_A_BOX


def test_another_year_and_a_unit_without_orders(canteen):
    assert unit_year(unit_id=canteen.unit.pk, year=2025)["purchases_fen"] == 4 * 3980
    empty = unit_year(unit_id=canteen.unit.pk + 1000, year=2026)
    assert empty["purchases_fen"] == empty["aid_fen"] == empty["households"] == 0
    assert empty["villages"] == 0
    assert empty["periods"] == [] and empty["by_month"] == []


def test_no_household_is_named(canteen):
    text = chain.canonical_json(unit_year(unit_id=canteen.unit.pk, year=2026)).decode()

    for household in Household.objects.all():
        assert household.registration_number not in text
        assert household.head_name not in text
