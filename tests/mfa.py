"""Two-factor log-in in tests: staff with a known TOTP secret, the code it gives now,
and forced log-ins (``client.force_login``) that count as having passed MFA."""

import time

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.internal.flows.login import _AUTHENTICATION_METHODS_USER_SESSION_KEY
from allauth.account.internal.userkit import user_id_to_str
from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value

# A fixed base32 secret, so a browser test and a person can both compute the codes.
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def give_totp(user, secret: str = TEST_TOTP_SECRET) -> Authenticator:
    return TOTP.activate(user, secret).instance


def totp_code(secret: str = TEST_TOTP_SECRET) -> str:
    """The code an authenticator app shows now, by allauth's own algorithm."""
    counter = int(time.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def mark_mfa_verified(client, user) -> None:
    """What allauth records in the session when its TOTP step passes."""
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": "mfa", "at": time.time(), "type": "totp"}
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session.save()
