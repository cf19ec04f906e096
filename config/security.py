"""Security pieces the settings name: the Wagtail admin's content security policy and
how django-axes tells whose log-in an attempt was, and what a locked-out person sees."""

from collections.abc import Callable, Mapping, Sequence

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
    cool_off_hours = settings.AXES_COOLOFF_TIME
    return render(
        request,
        "lockout.html",
        {"cool_off_minutes": round(cool_off_hours * 60)},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for axes, by allauth's rule (ALLAUTH_TRUSTED_PROXY_COUNT):
    one rule for the lock-outs and allauth's own rate limits. None, as axes' own
    fallback gives, for a request with no address (a log-out outside a request)."""
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:
        return None
