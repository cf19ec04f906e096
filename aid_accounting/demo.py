"""Demo households for the seed_demo command (DESIGN §11, docs/demo-data.md).

The report's 722 registered poor households, spread over the poor villages.
Everything about them is made up and looks it: names are a surname plus 示
and a cyclic character (姜示丙), ID numbers use the unassigned region code 99
(well-formed, with a correct check character, but nobody's), phones start
199 0000 and the bank is 示例农村商业银行. The same villages always give the
same households, and households already present are left alone.
"""

import datetime
import random
from collections.abc import Sequence

from simple_history.utils import bulk_create_with_history

from producers.models import Village

from .models import Household
from .money import split_largest_remainder
from .validators import id_number_check_character

REPORT_HOUSEHOLD_COUNT = 722
SEED = 20201231
SURNAMES = "王李张刘陈杨赵孔姜吕施马宋郝孙周徐朱高林"
GIVEN_NAME_CHARACTERS = "甲乙丙丁戊己庚辛壬癸"
FICTIONAL_REGION_CODE = "990101"
DEMO_BANK_NAME = "示例农村商业银行"
HOUSEHOLDS_PER_CADRE = 8
# Demo phones are 1990000 and a four-digit serial number.
MAX_HOUSEHOLDS = 9_999


def _registration_number(village: Village, sequence: int) -> str:
    return f"LGZ-{village.code}-{sequence:04d}"


def _fictional_id_number(rng: random.Random) -> str:
    birth_date = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(50 * 365))
    first_17 = f"{FICTIONAL_REGION_CODE}{birth_date:%Y%m%d}{rng.randrange(1000):03d}"
    return first_17 + id_number_check_character(first_17)


def seed_households(*, villages: Sequence[Village], total: int = REPORT_HOUSEHOLD_COUNT) -> int:
    """Create the demo households of ``villages`` that do not exist yet; return how many."""
    if not villages:
        raise ValueError("seed_households needs at least one village")
    if not 0 <= total <= MAX_HOUSEHOLDS:
        raise ValueError(f"total must be between 0 and {MAX_HOUSEHOLDS}, got {total}")
    rng = random.Random(SEED)
    # Sorted by code, so the result does not depend on the order villages come in.
    ordered = sorted(villages, key=lambda village: village.code)
    # Villages differ in size: split the total in proportion to random weights.
    sizes = split_largest_remainder(
        total, {village.code: rng.randint(40, 80) for village in ordered}
    )
    existing = set(
        Household.objects.filter(village__in=ordered).values_list("registration_number", flat=True)
    )

    new_households = []
    serial = 0
    for village in ordered:
        surnames = _surnames_for(village)
        for sequence in range(1, sizes[village.code] + 1):
            serial += 1
            # Draw every random value even for existing rows, so each household
            # always gets the same data however many already exist.
            household = _fictional_household(rng, village, sequence, serial, surnames)
            if household.registration_number not in existing:
                new_households.append(household)
    bulk_create_with_history(new_households, Household, batch_size=500)
    return len(new_households)


def _surnames_for(village: Village) -> str:
    # A village named after a clan (姜庄村) has many households of that surname.
    local = village.name[0]
    return SURNAMES + local * 5 if local in SURNAMES else SURNAMES


def _fictional_household(
    rng: random.Random, village: Village, sequence: int, serial: int, surnames: str
) -> Household:
    is_monitored = rng.random() < 0.08
    return Household(
        registration_number=_registration_number(village, sequence),
        head_name=rng.choice(surnames) + "示" + rng.choice(GIVEN_NAME_CHARACTERS),
        member_count=rng.randint(1, 6),
        village=village,
        kind=Household.Kind.MONITORED if is_monitored else Household.Kind.REGISTERED_POOR,
        # Every registered poor household was lifted out by the end of 2020.
        status=Household.Status.ACTIVE if is_monitored else Household.Status.LIFTED_OUT,
        helper_cadre=f"示例干部{(serial - 1) // HOUSEHOLDS_PER_CADRE + 1:03d}",
        id_number=_fictional_id_number(rng),
        phone=f"1990000{serial:04d}",
        bank_name=DEMO_BANK_NAME,
        bank_account_number=f"6200000000000{serial:06d}",
    )
