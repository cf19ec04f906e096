"""Per-number limits counted from the outbox rows a visitor asked for, and the
per-address limit counted in the cache; a refusal says when to try again."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from messaging import outbox
from messaging.models import OutboundMessage
from messaging.sms import limits, templates

pytestmark = pytest.mark.django_db

CODE = templates.register(name="test_limit_code", text="验证码${code}")
PHONE = "13812345678"
ADDRESS = "203.0.113.9"


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def asked(phone: str = PHONE, *, ago: timedelta, purpose: str = "code") -> OutboundMessage:
    """A text a visitor asked for, owed ``ago``."""
    at = timezone.now() - ago
    with transaction.atomic():
        message = outbox.owe_sms(
            key=limits.visitor_key(purpose=purpose, phone=phone, now=at),
            phone=phone,
            template=CODE,
            params={"code": "123456"},
        )
    OutboundMessage.objects.filter(pk=message.pk).update(created_at=at)
    return message


def refusal(phone: str = PHONE, client_ip: str = "") -> str:
    with pytest.raises(limits.SmsLimitReached) as refused:
        limits.check(phone=phone, client_ip=client_ip)
    return refused.value.message


def test_a_number_gets_one_text_a_minute():
    asked(ago=timedelta(seconds=20))

    assert refusal() == "短信发送太频繁，请 40 秒后再试。"
    limits.check(phone="13900001111", client_ip="")  # another number is not held back


def test_a_minute_later_the_number_may_have_another():
    asked(ago=timedelta(seconds=61))

    limits.check(phone=PHONE, client_ip="")


def test_five_an_hour_then_wait_until_the_oldest_is_an_hour_old():
    for minutes in (50, 40, 30, 20, 10):
        asked(ago=timedelta(minutes=minutes))

    assert refusal() == "短信发送太频繁，请 10 分钟后再试。"


def test_ten_a_day():
    for hours in range(2, 12):
        asked(ago=timedelta(hours=hours))

    assert refusal() == "短信已达今日上限，请 13 小时后再试。"


def test_only_texts_a_visitor_asked_for_count():
    # An order notice to the same number a moment ago does not use up the minute.
    with transaction.atomic():
        outbox.owe_sms(key="order:LG1:paid:sms", phone=PHONE, template=CODE, params={"code": "1"})

    limits.check(phone=PHONE, client_ip="")


@override_settings(SMS_LIMITS_PER_NUMBER=[(2, 60)])
def test_the_limits_come_from_the_settings():
    asked(ago=timedelta(seconds=10))
    limits.check(phone=PHONE, client_ip="")
    asked(ago=timedelta(seconds=5))

    assert refusal() == "短信发送太频繁，请 50 秒后再试。"


@override_settings(SMS_LIMITS_PER_ADDRESS=[(3, 3600)])
def test_an_address_may_ask_so_many_an_hour_whatever_the_numbers():
    for n in range(3):
        limits.check(phone=f"1390000000{n}", client_ip=ADDRESS)
        limits.count_address(ADDRESS)

    assert refusal("13900000009", ADDRESS).startswith("短信发送太频繁")
    limits.check(phone="13900000009", client_ip="198.51.100.1")  # another address


def test_visitor_keys_are_distinct_and_recognisable():
    first = limits.visitor_key(purpose="code", phone=PHONE)
    second = limits.visitor_key(purpose="code", phone=PHONE)

    assert first != second
    assert first.startswith(limits.KEY_PREFIX) and second.startswith(limits.KEY_PREFIX)
