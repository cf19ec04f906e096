"""Demo households and aid for the seed_demo command (DESIGN §11, docs/demo-data.md).

The report's 722 registered poor households, spread over the poor villages.
Everything about them is made up and looks it: names are a surname plus 示
and a cyclic character (姜示丙), ID numbers use the unassigned region code 99
(well-formed, with a correct check character, but nobody's), phones start
199 0000 and the bank is 示例农村商业银行. The same villages always give the
same households, and households already present are left alone. Producers'
payout accounts are at the same bank, numbered 62000000000990001 and up.
"""

import datetime
import random
from collections.abc import Sequence

from django.contrib.auth.models import AbstractUser
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from aid_accounting import calendar
from aid_accounting.households.models import Household
from aid_accounting.households.validators import id_number_check_character
from aid_accounting.notices import publication as notices
from aid_accounting.notices.models import Notice
from aid_accounting.payouts import batches
from aid_accounting.payouts.models import PayoutBatch, ProducerPayoutAccount
from aid_accounting.periods import close
from aid_accounting.periods.models import AccountingPeriod
from aid_accounting.rules.models import AidPool, AidRule
from aid_accounting.rules.versions import set_rule
from core.money import split_largest_remainder
from core.roles import SYSTEM
from producers.models import Producer, Village

REPORT_HOUSEHOLD_COUNT = 722
SEED = 20201231
SURNAMES = "王李张刘陈杨赵孔姜吕施马宋郝孙周徐朱高林"
GIVEN_NAME_CHARACTERS = "甲乙丙丁戊己庚辛壬癸"
FICTIONAL_REGION_CODE = "990101"
DEMO_BANK_NAME = "示例农村商业银行"
HOUSEHOLDS_PER_CADRE = 8
# Demo phones are 1990000 and a four-digit serial number.
MAX_HOUSEHOLDS = 9_999
DEMO_POOL_NAME = "九个重点村帮扶资金池"
DEMO_SHARE_BP = 2500
# Before any demo order: the demo year is the year before seeding.
DEMO_RULES_FROM = datetime.date(2020, 1, 1)
# Demo months are closed as a township would: a few days after each month ends.
DEMO_CLOSE_DELAY = datetime.timedelta(days=5)
# The nth producer by code is paid to 62000000000990000 + n (17 digits).
DEMO_PRODUCER_ACCOUNT_BASE = 62_000_000_000_990_000


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


def seed_aid() -> int:
    """The report's mechanism: 25% of every demo producer's sales to one pool
    over the key villages, split equally per household, and the producers'
    payout accounts. Returns how many rules were new. Run it before the demo
    orders, whose accruals use it."""
    pool, _created = AidPool.objects.get_or_create(
        name=DEMO_POOL_NAME, defaults={"weighting": AidPool.Weighting.EQUAL}
    )
    # Only what is missing: even an add() of nothing writes a history row.
    missing = set(Village.objects.filter(is_key_village=True)) - set(pool.villages.all())
    if missing:
        pool.villages.add(*missing)
    created = 0
    for producer in Producer.objects.order_by("code"):
        if not AidRule.objects.filter(producer=producer, product__isnull=True).exists():
            set_rule(
                actor=SYSTEM,
                producer=producer,
                pool=pool,
                share_bp=DEMO_SHARE_BP,
                valid_from=DEMO_RULES_FROM,
                note="示例：销售额的25%用于重点村脱贫户",
            )
            created += 1
    seed_producer_payout_accounts()
    return created


def seed_producer_payout_accounts() -> int:
    """Give every producer without a payout account a fictional one; return how many."""
    created = 0
    for serial, producer in enumerate(Producer.objects.order_by("code"), start=1):
        if ProducerPayoutAccount.objects.filter(producer=producer).exists():
            continue
        ProducerPayoutAccount.objects.create(
            producer=producer,
            holder_name=producer.name,
            bank_name=DEMO_BANK_NAME,
            bank_account_number=str(DEMO_PRODUCER_ACCOUNT_BASE + serial),
        )
        created += 1
    return created


def close_demo_periods(*, until: str | None = None) -> list[str]:
    """Close every month of the demo year up to ``until`` ("YYYY-MM", by
    default the month before last), each as if closed a few days after it
    ended; months already closed are left alone. Returns the months closed now.

    By default last month stays open: it has ended, so an aid officer trying
    the demo can practise a close (and its notices) on it; the current month
    could not be closed before it ends."""
    now = timezone.now()
    last = calendar.parse(until) if until else calendar.month_of(now).previous().previous()
    first = close.first_month(default=last)
    closed = []
    for month in calendar.months_between(first, last):
        result = close.close_period(
            actor=SYSTEM, period=month.code, now=min(month.ends_at + DEMO_CLOSE_DELAY, now)
        )
        if not result.already_closed:
            closed.append(month.code)
    return closed


def pay_demo_batch(
    *,
    drafter: AbstractUser,
    approver: AbstractUser,
    kind: PayoutBatch.Kind = PayoutBatch.Kind.HOUSEHOLD,
) -> PayoutBatch:
    """One payout batch of ``kind``, drafted, approved by a second officer,
    exported (the file is dropped; the audit log keeps the export) and paid."""
    batch = batches.draft_batch(kind=kind, actor=drafter)
    batches.approve_batch(batch=batch, actor=approver)
    batches.export_bank_csv(batch=batch, actor=drafter)
    for row in batch.rows.order_by("pk"):
        batches.mark_row_paid(row=row, actor=drafter)
    batch.refresh_from_db()
    return batch


def publish_demo_notices(*, officer: AbstractUser) -> list[Notice]:
    """Generate, review and publish the public notices of every closed month,
    as ``officer``, each published when its month was closed (so all but the
    last month's windows are over, and their households can be paid);
    notices already published are left alone, so running it again changes
    nothing. Returns the notices published now."""
    published = []
    closed = AccountingPeriod.objects.filter(status=AccountingPeriod.Status.CLOSED)
    for period in closed.order_by("start"):
        # Generated by no one (the demo), so the same officer may publish them.
        notices.generate_notices(actor=SYSTEM, period=period)
        pending = Notice.objects.filter(period=period).exclude(status=Notice.Status.PUBLISHED)
        for notice in pending.order_by("village__code"):
            if notice.status == Notice.Status.DRAFT:
                notice = notices.review_notice(notice=notice, actor=officer)
            published.append(
                notices.publish_notice(notice=notice, actor=officer, now=period.closed_at)
            )
    return published
