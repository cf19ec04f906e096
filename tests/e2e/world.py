"""Small worlds the browser journeys start from, built with the suite's factories."""

import datetime

from django.utils import timezone
from wagtail.users.models import UserProfile

from aid_accounting import calendar
from aid_accounting.notices import publication as notices
from aid_accounting.periods.close import close_period
from aid_accounting.periods.models import AccountingPeriod
from aid_accounting.rules.models import AidPool
from core.roles import AID_OFFICER, SYSTEM
from producers.models import MemberProfile
from shop.catalogue.models import ProductVariant
from tests.aid_accounting.factories import HouseholdFactory
from tests.factories import UserFactory
from tests.mfa import give_totp
from tests.producers.factories import ProducerPageFactory, VillageFactory
from tests.shop.factories import CategoryFactory, ProductPageFactory, ProductVariantFactory
from tests.township import (
    add_member,
    add_pool,
    add_rule,
    add_staff,
    deliver,
    sell,
    with_password,
)

PASSWORD = "e2e-password-liugaizi-1"


# Given names of the three households' heads; their family name is the village's.
GIVEN_NAMES = ("明远", "秀英", "建国")


def aid_pool_for(*, producer, village_name: str, share_bp: int = 2500) -> AidPool:
    """A pool for ``village_name``'s three registered poor households (heads
    姜明远, 姜秀英, 姜建国 for 姜庄村), fed by ``share_bp`` of ``producer``'s sales."""
    village = VillageFactory(name=village_name)
    for given_name in GIVEN_NAMES:
        HouseholdFactory(village=village, head_name=village_name[0] + given_name)
    pool = add_pool(village, name=f"{village_name}帮扶资金池")
    add_rule(producer, pool, share_bp=share_bp)
    return pool


def staff_user(username: str, group: str, *, language: str = "en"):
    """A member of ``group``, with TOTP (tests.mfa's secret), who works in the admin
    in ``language``: English by default, so tests can name Wagtail's own buttons;
    Chinese ("zh-hans") for pages built from the project's own labels, which are
    Chinese in the code."""
    user = with_password(add_staff(group, username=username), PASSWORD)
    UserProfile.objects.create(user=user, preferred_language=language)
    give_totp(user)
    return user


def aid_officers():
    """Two aid officers, working in Chinese: the aid pages are the project's own."""
    return (
        staff_user("officer", AID_OFFICER, language="zh-hans"),
        staff_user("officer2", AID_OFFICER, language="zh-hans"),
    )


def portal_member(producer, *, username: str = "villager", mobile: str = "13900001111"):
    """A villager who logs in to the portal by ``mobile`` to work for ``producer``."""
    user = with_password(UserFactory(username=username), PASSWORD)
    MemberProfile.objects.create(user=user, mobile=mobile)
    return add_member(producer, user)


def last_month() -> calendar.Month:
    return calendar.month_of(timezone.now()).previous()


def sales_last_month(variants) -> None:
    """Orders paid early last month and delivered two days later, so their
    return windows are over and closing last month distributes their aid."""
    month = last_month()
    paid_at = calendar.start_of_day(month.start) + datetime.timedelta(days=1, hours=10)
    for variant, quantity in variants:
        order = sell([(variant, quantity)], paid_at=paid_at)
        deliver(order, at=paid_at + datetime.timedelta(days=2))


def township() -> ProductVariant:
    """A tomato (5斤装, ¥39.80, 50 in stock) of 姜庄合作社 under an aid rule;
    two sold last month, the month closed and its notice published; a villager
    who logs in to the portal as 13900001111. Returns the tomato."""
    farm = ProducerPageFactory(producer__name="姜庄合作社")
    tomato = ProductVariantFactory(
        product=ProductPageFactory(
            title="大棚番茄", parent=farm, category=CategoryFactory(slug="vegetables", name="蔬菜")
        ),
        name="5斤装",
        price_fen=3980,
        stock=50,
    )
    aid_pool_for(producer=farm.producer, village_name="姜庄村")
    sales_last_month([(tomato, 2)])
    officer, _second = aid_officers()
    close_period(actor=SYSTEM, period=last_month().code)
    for notice in notices.generate_notices(actor=SYSTEM, period=AccountingPeriod.objects.get()):
        notices.review_notice(notice=notice, actor=officer)
        notices.publish_notice(notice=notice, actor=officer)
    portal_member(farm.producer, mobile="13900001111")
    return tomato
