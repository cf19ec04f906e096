"""Property test: after random sales (some recorded late, booked on earlier
days), refunds, deliveries, closes (distributions) and payouts through the real
services, the ledger's daily totals are its posted entries summed, and the
dashboard that reads them shows what the entries give."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings

from aid_accounting.calendar import Month, Year, months_between
from aid_accounting.ledger.daily_totals import verify_totals
from tests.aid_accounting.test_properties import (
    Run,
    _pools,
    _rules,
    catalogue,  # noqa: F401 (a fixture, used by name)
    households,
    operations,
    rule,
)
from tests.aid_accounting.transparency.test_dashboard_totals import (
    assert_the_dashboard_is_what_the_entries_sum,
)

pytestmark = pytest.mark.django_db


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(households=households, producer_rule=rule, operations=operations)
def test_the_daily_totals_are_the_posted_entries_summed(
    clock,
    catalogue,  # noqa: F811
    key_village,
    staff,
    aid_officer,
    second_officer,
    households,
    producer_rule,
    operations,
):
    with transaction.atomic():
        pools = _pools(key_village, households, ("equal", "members"))
        _rules(catalogue, pools, producer_rule, None, None)
        run = Run(
            clock=clock,
            catalogue=catalogue,
            pools=pools,
            staff=staff,
            officers=(aid_officer, second_officer),
        )
        for operation in operations:
            getattr(run, operation[0])(*operation[1:])

        assert verify_totals() == []
        assert_the_dashboard_is_what_the_entries_sum(Year(2026))
        for month in months_between(Month(2026, 1), run.month):
            assert_the_dashboard_is_what_the_entries_sum(month)
        transaction.set_rollback(True)
