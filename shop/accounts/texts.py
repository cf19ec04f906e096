"""The texts a visitor asks for to sign in, sign up or verify a number. Each goes
through the per-number and per-address limits (``messaging.sms.limits``)."""

from axes.helpers import get_client_ip_address
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from messaging.outbox import owe_sms
from messaging.sms import limits
from messaging.sms.templates import SmsTemplate
from shop.sms_templates import ACCOUNT_EXISTS, LOGIN_CODE, UNKNOWN_ACCOUNT


def client_ip(request: HttpRequest | None) -> str:
    """The client's address as django-axes counts log-in failures (allauth's rule,
    ``config.security.client_ip``), so every limit sees the same visitor."""
    if request is None:
        return ""
    return get_client_ip_address(request) or ""


def check(request: HttpRequest | None, phone: str) -> None:
    """Raise SmsLimitReached if a text to ``phone`` would pass a limit now."""
    limits.check(phone=phone, client_ip=client_ip(request))


def send_code(request: HttpRequest | None, *, phone: str, code: str, purpose: str) -> None:
    _send(request, phone=phone, purpose=purpose, template=LOGIN_CODE, params={"code": code})


def send_account_exists(request: HttpRequest | None, *, phone: str) -> None:
    _send(request, phone=phone, purpose="account_exists", template=ACCOUNT_EXISTS, params={})


def send_unknown_account(request: HttpRequest | None, *, phone: str) -> None:
    _send(request, phone=phone, purpose="unknown_account", template=UNKNOWN_ACCOUNT, params={})


def owe_visitor_sms(
    *, purpose: str, phone: str, ip: str, template: SmsTemplate, params: dict[str, str]
) -> None:
    """Owe a text a visitor asked for, in the caller's transaction, or raise
    SmsLimitReached and owe nothing. ``purpose`` says why, in the outbox key."""
    now = timezone.now()
    limits.check(phone=phone, client_ip=ip, now=now)
    owe_sms(
        key=limits.visitor_key(purpose=purpose, phone=phone, now=now),
        phone=phone,
        template=template,
        params=params,
    )
    limits.count_address(ip, now=now)


def _send(request, *, phone, purpose, template, params) -> None:
    with transaction.atomic():
        owe_visitor_sms(
            purpose=purpose, phone=phone, ip=client_ip(request), template=template, params=params
        )
