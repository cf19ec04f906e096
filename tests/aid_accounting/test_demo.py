import re

import pytest

from aid_accounting.demo import seed_households
from aid_accounting.households.models import Household
from aid_accounting.households.validators import validate_id_number
from tests.producers.factories import VillageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def poor_villages():
    return [VillageFactory(code=f"poor-{n:02d}", name=f"示例{n}村") for n in range(12)]


def snapshot() -> list[tuple]:
    return [
        (h.registration_number, h.head_name, h.member_count, h.id_number, h.phone, h.kind)
        for h in Household.objects.order_by("registration_number")
    ]


def test_seeds_the_reports_722_households_over_the_villages(poor_villages):
    assert seed_households(villages=poor_villages) == 722

    assert Household.objects.count() == 722
    assert set(Household.objects.values_list("village__code", flat=True)) == {
        village.code for village in poor_villages
    }


def test_seeding_again_creates_nothing(poor_villages):
    seed_households(villages=poor_villages)
    before = snapshot()

    assert seed_households(villages=poor_villages) == 0
    assert snapshot() == before


def test_same_villages_in_any_order_give_the_same_households(poor_villages):
    seed_households(villages=poor_villages, total=60)
    first = snapshot()
    Household.history.all().delete()
    Household.objects.all().delete()

    seed_households(villages=list(reversed(poor_villages)), total=60)

    assert snapshot() == first


def test_recreates_only_the_missing_households(poor_villages):
    seed_households(villages=poor_villages, total=60)
    first = snapshot()
    Household.objects.filter(registration_number__endswith="-0001").delete()

    assert seed_households(villages=poor_villages, total=60) == 12
    assert snapshot() == first


def test_demo_personal_data_is_well_formed_and_obviously_fictional(poor_villages):
    seed_households(villages=poor_villages, total=100)

    for household in Household.objects.all():
        assert re.fullmatch(r"LGZ-poor-\d\d-\d{4}", household.registration_number)
        assert household.head_name[1] == "示"
        assert 1 <= household.member_count <= 6
        assert household.id_number.startswith("99")
        validate_id_number(household.id_number)
        assert re.fullmatch(r"1990000\d{4}", household.phone)
        assert household.bank_name == "示例农村商业银行"
        assert household.status in Household.ELIGIBLE_STATUSES


def test_every_seeded_household_has_a_creation_record(poor_villages):
    seed_households(villages=poor_villages, total=50)

    assert Household.history.filter(history_type="+").count() == 50


def test_seeding_takes_a_handful_of_queries(poor_villages, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        seed_households(villages=poor_villages)


def test_seeding_needs_villages():
    with pytest.raises(ValueError, match="at least one village"):
        seed_households(villages=[])


def test_seeding_refuses_more_households_than_demo_phone_numbers(poor_villages):
    with pytest.raises(ValueError, match="between 0 and 9999"):
        seed_households(villages=poor_villages, total=10_000)
