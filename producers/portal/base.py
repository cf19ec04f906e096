"""The producer portal's ground rules: who may act for which producer, which
producer a request acts for, and the record of what was done on whose behalf.

The portal's pages live in the app that owns what they show (products and
shipments in ``shop.portal``, earnings in ``aid_accounting.portal``); they all
start from ``portal_view``, so none can reach a producer the user is not a
member of."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.contrib.auth import views as auth_views
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.cache import never_cache

from producers.models import PortalActivity, Producer, ProducerMembership

SESSION_KEY = "portal_producer_id"

LOGIN_URL_NAME = "portal:login"


@dataclass(frozen=True)
class PortalContext:
    """Who is acting, for which producer, and for which others they could."""

    membership: ProducerMembership
    memberships: list[ProducerMembership]

    @property
    def producer(self) -> Producer:
        return self.membership.producer


def memberships_of(user: AbstractBaseUser) -> QuerySet[ProducerMembership]:
    return (
        ProducerMembership.objects.filter(user=user, producer__is_active=True)
        .select_related("producer__village")
        .order_by("producer__name")
    )


def portal_context(request) -> PortalContext | None:
    """The producer this request acts for: the one chosen in the session if
    the user is still its member, else their first. None for non-members."""
    if not request.user.is_authenticated:
        return None
    memberships = list(memberships_of(request.user))
    if not memberships:
        return None
    chosen = request.session.get(SESSION_KEY)
    current = next((m for m in memberships if m.producer_id == chosen), memberships[0])
    return PortalContext(membership=current, memberships=memberships)


def choose_producer(request, *, producer_id: int) -> Producer | None:
    """Switch the session to another producer the user belongs to; None if they don't."""
    membership = memberships_of(request.user).filter(producer_id=producer_id).first()
    if membership is None:
        return None
    request.session[SESSION_KEY] = membership.producer_id
    return membership.producer


def record_activity(
    *, context: PortalContext, user: AbstractBaseUser, action: str, summary: str
) -> PortalActivity:
    return PortalActivity.objects.create(
        user=user, producer=context.producer, action=action, summary=summary[:255]
    )


def portal_view(view: Callable) -> Callable:
    """Let only producer members in (others go to the portal's log-in page)
    and hand the view its ``request.portal`` context. The pages are a producer's
    own (buyers' addresses, earnings): no browser or proxy stores them."""

    @never_cache
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        context = portal_context(request)
        if context is None:
            return redirect_to_login(request)
        request.portal = context
        return view(request, *args, **kwargs)

    return wrapper


def redirect_to_login(request) -> HttpResponseRedirect:
    return auth_views.redirect_to_login(request.get_full_path(), reverse(LOGIN_URL_NAME))
