"""Security pieces the settings name: the Wagtail admin's content security policy and
how django-axes tells whose log-in an attempt was, and what a locked-out person sees."""

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.csp import CSP, build_policy

ADMIN_PREFIX = "/admin/"
Policy = Mapping[str, Sequence[str] | bool]


def admin_policy(policy: Policy) -> dict[str, Sequence[str] | bool]:
    # Checked in Chromium: Wagtail 8's editors run inline scripts and event handlers
    # (date pickers, inline panels, the image editor) and set style attributes, and
    # its preview panel frames the admin's own preview page.
    relaxed = dict(policy)
    for directive in ("script-src", "style-src"):
        relaxed[directive] = [*policy.get(directive, ()), CSP.UNSAFE_INLINE]
    relaxed["frame-src"] = [CSP.SELF]
    relaxed["frame-ancestors"] = [CSP.SELF]
    return relaxed


class AdminContentSecurityPolicyMiddleware:
    """Relaxes the policy under /admin/ only, where staff alone log in; the storefront
    and the portal keep SECURE_CSP. Sits after ContentSecurityPolicyMiddleware, which
    leaves a header already set alone. It replaces any header already there: a page
    preview renders the storefront page through the whole middleware stack again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith(ADMIN_PREFIX) and settings.SECURE_CSP:
            response[str(CSP.HEADER_ENFORCE)] = build_policy(admin_policy(settings.SECURE_CSP))
        return response


def axes_username(request: HttpRequest, credentials: Mapping[str, str] | None) -> str:
    """The user name of the account a log-in attempt names, so failures count against
    the account whichever way it was named (user name in the admin, e-mail or
    mobile number in the shop and the portal), and a successful log-in, which axes
    records under the user name, clears them. Unknown names count as typed."""
    from core.mobile import is_mobile, normalize_mobile
    from producers.models import MemberProfile

    source = credentials or getattr(request, "POST", {})
    typed = next(
        (source[key] for key in ("username", "email", "phone", "login") if source.get(key)), ""
    ).strip()
    users = get_user_model().objects
    if is_mobile(typed):
        # A producer's portal number, else a buyer's verified log-in number.
        mobile = normalize_mobile(typed)
        profile = MemberProfile.objects.filter(mobile=mobile).first()
        buyer = users.filter(buyer_phone__phone=mobile, buyer_phone__verified=True).first()
        owner = profile.user if profile else buyer
        return owner.get_username() if owner else mobile
    if "@" in typed:
        matches = list(users.filter(email__iexact=typed)[:2])
        return matches[0].get_username() if len(matches) == 1 else typed.lower()
    return typed


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: Mapping[str, str] | None = None,
) -> HttpResponse:
    """What a locked-out log-in sees, in the site's language, with HTTP 429."""
    from axes.helpers import get_cool_off

    minutes = max(1, round(get_cool_off(request).total_seconds() / 60))
    return render(
        request,
        "lockout.html",
        {"cool_off_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def cool_off(request: HttpRequest | None) -> timedelta:
    """How long a lock-out lasts (AXES_COOLOFF_TIME), for the account and address the
    request's log-in names.

    A staff account's lock starts short and grows: each round of AXES_FAILURE_LIMIT
    failures from one address (within a day, since the account last logged in) makes
    it STAFF_LOCKOUT_GROWTH times longer, from STAFF_LOCKOUT_FIRST_MINUTES up to
    LOCKOUT_MINUTES. A guesser is slowed nearly as much as by a fixed hour (and TOTP
    stands behind the password), while an officer who mistyped five times waits a
    minute, not an hour, before a payout approval. Other accounts: LOCKOUT_MINUTES."""
    from axes.models import AccessFailureLog

    from core.roles import is_staff_member

    longest = timedelta(minutes=settings.LOCKOUT_MINUTES)
    address = getattr(request, "axes_ip_address", None)
    if request is None or address is None:
        return longest
    username = axes_username(request, None)
    account = get_user_model().objects.filter(username=username).first()
    if not is_staff_member(account):
        return longest
    since = request.axes_attempt_time - timedelta(days=1)
    if account.last_login:
        since = max(since, account.last_login)
    failures = AccessFailureLog.objects.filter(
        username=username, ip_address=address, attempt_time__gte=since
    ).count()
    rounds = max(failures // settings.AXES_FAILURE_LIMIT, 1)
    first = timedelta(minutes=settings.STAFF_LOCKOUT_FIRST_MINUTES)
    return min(first * settings.STAFF_LOCKOUT_GROWTH ** (rounds - 1), longest)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for axes, by allauth's rule (ALLAUTH_TRUSTED_PROXY_COUNT):
    one rule for the lock-outs and allauth's own rate limits. None, as axes' own
    fallback gives, for a request with no address (a log-out outside a request)."""
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return None
