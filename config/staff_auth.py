"""Staff accounts (aid officers, auditors, editors, superusers: core.roles.is_staff_member)
need a second factor and short sessions, whichever log-in they came through.

A staff session counts as verified when allauth has recorded an "mfa" step in it: its
own log-in's TOTP stage, its re-authentication page (where a password log-in at
/admin/login/ is sent next), or the activation of a new TOTP device. Until then every
page but those of the MFA set-up sends the staff member on: to set TOTP up if they
have none, else to enter a code. Staff sessions also end after an idle time and an
absolute lifetime (settings STAFF_SESSION_IDLE_MINUTES, STAFF_SESSION_MAX_HOURS)."""

import io
import logging
import time
from collections.abc import Callable
from urllib.parse import urlencode

import segno
from allauth.account.authentication import get_authentication_records
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa import signals as mfa_signals
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import validate_totp_code
from allauth.mfa.utils import decrypt
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aid_accounting.households import encryption
from config.security import client_ip
from core.roles import is_staff_member
from messaging.outbox import owe_email

logger = logging.getLogger(__name__)

# Where an unverified staff member may go: setting up TOTP (after the password again),
# entering a code, logging out, the language switch. Not the recovery codes: with the
# password alone they would be a way past the second factor.
MFA_PENDING_URL_NAMES = frozenset(
    {
        "mfa_activate_totp",
        "mfa_reauthenticate",
        "account_reauthenticate",
        "account_logout",
        "wagtailadmin_logout",
        "set_language",
    }
)
LOGGED_IN_AT = "staff_logged_in_at"
SEEN_AT = "staff_seen_at"
SEEN_AT_RESOLUTION = 60  # seconds


def is_mfa_verified(request: HttpRequest) -> bool:
    return any(
        record.get("method") == "mfa"
        for record in get_authentication_records(request, request.user)
    )


def has_totp(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def _url_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


def _session_expired(request: HttpRequest, now: float) -> bool:
    session = request.session
    logged_in_at = session.setdefault(LOGGED_IN_AT, now)
    seen_at = session.get(SEEN_AT, now)
    # Written at most once a minute: a session saved on every request would have a
    # page's parallel requests (scripts, the favicon) save over each other's changes.
    if now - seen_at >= SEEN_AT_RESOLUTION or SEEN_AT not in session:
        session[SEEN_AT] = now
    return (
        now - seen_at > settings.STAFF_SESSION_IDLE_MINUTES * 60
        or now - logged_in_at > settings.STAFF_SESSION_MAX_HOURS * 3600
    )


def record_new_totp(request: HttpRequest, user) -> None:
    # Activating TOTP takes a current code from it: that is this session's second
    # factor. (allauth's authenticator_added signal waits for the commit, after the
    # session is saved.)
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is not None:
        record_authentication(request, user, method="mfa", type="totp", id=totp.pk)


class StaffSessionMiddleware:
    """After AuthenticationMiddleware and allauth's AccountMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not is_staff_member(user):
            return self.get_response(request)
        if _session_expired(request, time.time()):
            logout(request)
            return HttpResponseRedirect(
                f"{reverse('wagtailadmin_login')}?{urlencode({'next': request.get_full_path()})}"
            )
        if is_mfa_verified(request):
            return self.get_response(request)
        url_name = _url_name(request)
        had_totp = has_totp(user)
        if url_name in MFA_PENDING_URL_NAMES:
            response = self.get_response(request)
            if url_name == "mfa_activate_totp" and not had_totp:
                record_new_totp(request, user)
            return response
        if request.headers.get("Sec-Fetch-Mode", "navigate") != "navigate":
            # Not a page the person opened (the browser's own /favicon.ico, a script's
            # fetch): sent on, it would open the set-up page and draw a new secret.
            return HttpResponseForbidden()
        if had_totp:
            target = reverse("mfa_reauthenticate")
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return HttpResponseRedirect(reverse("mfa_activate_totp"))


@receiver(user_logged_in, dispatch_uid="staff_auth_log_in")
def start_staff_session(sender, request: HttpRequest | None, user, **kwargs) -> None:
    if request is None:
        return
    # Django keeps a session's data when the same user logs in again: the clocks restart.
    now = time.time()
    request.session[LOGGED_IN_AT] = now
    request.session[SEEN_AT] = now


@receiver(mfa_signals.authentication_failed, dispatch_uid="staff_auth_replayed_code")
def report_replayed_totp_code(
    sender, request: HttpRequest | None, user, authenticator: Authenticator, **kwargs
) -> None:
    """A TOTP code that is right but was already used (allauth refuses it) means the code
    was seen, and so probably the password too (ASVS 2.8.5): logged, and the account's
    owner told by e-mail, once per code and hour."""
    code = request.POST.get("code", "") if request is not None else ""
    if authenticator.type != Authenticator.Type.TOTP or not code:
        return
    if not validate_totp_code(decrypt(authenticator.data["secret"]), code):
        return  # a wrong code, not a replayed one
    address = client_ip(request)
    logger.warning("A used TOTP code was entered again for user %s from %s", user.pk, address)
    if not user.email:
        return
    with translation.override(settings.LANGUAGE_CODE):
        when = timezone.localtime().strftime("%Y-%m-%d %H:%M")
        subject = _("有人重复输入了你用过的两步验证码")
        body = _(
            "%(name)s，你好：\n\n"
            "%(when)s，有人在登录时输入了你刚用过的一个两步验证码（来自 %(address)s），"
            "已被拒绝。\n\n"
            "如果不是你本人在两处输入了同一个验证码，说明别人看到了你的验证码，"
            "很可能也知道你的密码：请立即修改密码，并告诉帮扶办。\n"
        ) % {"name": user.get_username(), "when": when, "address": address or "?"}
    owe_email(
        key=f"totp-replayed:{authenticator.pk}:{timezone.now():%Y%m%d%H}:{code}",
        to=user.email,
        subject=subject,
        body=body,
    )


class MFAAdapter(DefaultMFAAdapter):
    # TOTP secrets and recovery-code seeds are stored encrypted with FIELD_ENCRYPTION_KEY,
    # and rotated with the households' data (aid_accounting.households.encryption).
    def encrypt(self, text: str) -> str:
        return encryption.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return encryption.decrypt(encrypted_text)

    def build_totp_svg(self, url: str) -> str:
        # segno (already used for WeChat Pay's codes) instead of allauth's qrcode package.
        buffer = io.BytesIO()
        segno.make(url, error="m").save(buffer, kind="svg", scale=4, xmldecl=False)
        return buffer.getvalue().decode()
