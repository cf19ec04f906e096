"""Print the demo staff's current TOTP code (seed_demo gives them DEMO_TOTP_SECRET in
development), so the demo's admin can be used without an authenticator app."""

import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from producers.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the demo staff accounts' current TOTP code (development only)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("The demo's TOTP secret exists in development only.")
        counter = int(time.time()) // app_settings.TOTP_PERIOD
        self.stdout.write(format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter)))
