"""django-axes' lock-out for log-ins by code. A code log-in never calls
``authenticate()``, where axes counts and refuses password log-ins, so: a wrong
code counts as a failed log-in of its account, and a locked-out account (per
account and address, AXES_LOCKOUT_PARAMETERS) gets no code and is not let in."""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse


def _credentials(user: AbstractBaseUser) -> dict[str, str]:
    # The account's user name: config.security.axes_username keeps it as it is,
    # the name axes records a password log-in's failures and success under.
    return {"username": user.get_username()}


def is_locked_out(request: HttpRequest, user: AbstractBaseUser) -> bool:
    return AxesProxyHandler.is_locked(request, _credentials(user))


def lockout_response(request: HttpRequest, user: AbstractBaseUser) -> HttpResponse:
    return get_lockout_response(request, None, _credentials(user))


def mark_locked_out(request: HttpRequest, user: AbstractBaseUser) -> None:
    """Have AxesMiddleware answer this request with the lock-out page (429)."""
    request.axes_locked_out = True
    request.axes_credentials = _credentials(user)


def on_login_code_rejected(sender, request: HttpRequest, user: AbstractBaseUser, **kwargs) -> None:
    """allauth's ``login_code_rejected``: count it where axes counts wrong passwords
    (axes then locks the account out at AXES_FAILURE_LIMIT)."""
    user_login_failed.send(sender=__name__, credentials=_credentials(user), request=request)
