"""django-allauth, adapted where the buyer's account pages need it: log-in and
sign-up by mobile number (the number in ``shop.accounts``, codes by SMS through
the outbox), django-axes' lock-out for log-ins by code, e-mail verification that an
account with a verified number skips, and one client address for the rate limits."""

import logging

from allauth.account import stages
from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.internal.flows.email_verification import send_verification_email_at_login
from allauth.account.utils import has_verified_email
from allauth.core import context
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse

from messaging.sms.limits import SmsLimitReached
from shop.accounts import lockout, phones, texts
from shop.accounts.forms import MobileField

logger = logging.getLogger(__name__)


class EmailVerificationStage(stages.EmailVerificationStage):
    """Mandatory e-mail verification for accounts without a verified mobile number.

    allauth's "mandatory" setting would require an e-mail address at every sign-up,
    and buyers sign up by number alone; so the setting is "optional" and this stage
    does what "mandatory" does, except for an account whose number is verified (by
    ``PhoneVerificationStage``, which runs first) or that has no e-mail address.

    A sign-up with an address that already has an account (``SignupForm``) comes here
    with no user: the owner is told someone tried, and the visitor gets the page a new
    account gets (allauth's enumeration prevention)."""

    def handle(self):
        login, request = self.login, self.request
        user = login.user
        if user is not None:
            phone = phones.phone_of(user)
            if (phone and phone[1]) or not user.email or has_verified_email(user, login.email):
                return None, True
        send_verification_email_at_login(request, login)
        return get_adapter().respond_email_verification_sent(request, user), True


class AccountAdapter(DefaultAccountAdapter):
    def get_login_stages(self) -> list[str]:
        return [
            f"{__name__}.EmailVerificationStage"
            if path == "allauth.account.stages.EmailVerificationStage"
            else path
            for path in super().get_login_stages()
        ]

    def is_safe_url(self, url: str | None) -> bool:
        # A malformed ?next= such as "http://[::1" makes urlparse raise (a 500 in
        # allauth's log-in page); an address that cannot be read is simply not safe.
        try:
            return super().is_safe_url(url)
        except ValueError:
            return False

    def pre_login(
        self, request: HttpRequest, user: AbstractBaseUser, **kwargs
    ) -> HttpResponse | None:
        # Password log-ins were already checked in authenticate(); a code log-in
        # (and the log-in after verifying a number) is checked here.
        if lockout.is_locked_out(request, user):
            return lockout.lockout_response(request, user)
        return super().pre_login(request, user, **kwargs)

    # The mobile number ---------------------------------------------------

    def phone_form_field(self, **kwargs) -> MobileField:
        return MobileField(**kwargs)

    def get_phone(self, user: AbstractBaseUser) -> tuple[str, bool] | None:
        return phones.phone_of(user)

    def set_phone(self, user: AbstractBaseUser, phone: str, verified: bool) -> None:
        phones.set_phone(user=user, phone=phone, verified=verified)

    def set_phone_verified(self, user: AbstractBaseUser, phone: str) -> None:
        phones.mark_verified(user=user, phone=phone)

    def get_user_by_phone(self, phone: str) -> AbstractBaseUser | None:
        return phones.user_by_phone(phone)

    # Texts ------------------------------------------------------------------

    def send_verification_code_sms(
        self, user: AbstractBaseUser, phone: str, code: str, **kwargs
    ) -> None:
        request = context.request
        try:
            texts.send_code(request, phone=phone, code=code, purpose="code")
        except SmsLimitReached as limited:
            # The forms check the limits first; this is a request that raced another.
            messages.error(request, limited.message)

    def send_account_already_exists_sms(self, phone: str) -> None:
        self._send_quietly(texts.send_account_exists, phone)

    def send_unknown_account_sms(self, phone: str, **kwargs) -> None:
        self._send_quietly(texts.send_unknown_account, phone)

    def _send_quietly(self, send, phone: str) -> None:
        # These replace a code so the page cannot tell who has an account: over a
        # limit, nothing is sent and the page still says nothing different.
        try:
            send(context.request, phone=phone)
        except SmsLimitReached:
            logger.info("SMS limit reached; no account notice sent")
