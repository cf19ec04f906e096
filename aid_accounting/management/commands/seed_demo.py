"""Build the demo township of the 2020 report (DESIGN §11). Idempotent."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from aid_accounting.demo import (
    close_demo_periods,
    pay_demo_batch,
    publish_demo_notices,
    seed_aid,
    seed_households,
)
from aid_accounting.payouts.models import PayoutBatch
from messaging import outbox
from producers.demo import (
    DEMO_TOTP_SECRET,
    seed_demo_totp,
    seed_producers,
    seed_users,
    seed_villages,
)
from shop.catalogue import page_cache
from shop.catalogue.models import HomePage
from shop.demo.catalogue import seed_products
from shop.demo.orders import seed_orders

SILENT_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}


class Command(BaseCommand):
    help = "Create the demo villages, producers, products, households and one log-in per role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-orders", action="store_true", help="Skip the year of demo orders."
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DJANGO_DEBUG=0 (demo passwords are public: never on a real site).",
        )

    def handle(self, *args, allow_production: bool = False, no_orders: bool = False, **options):
        if settings.PRODUCTION and not allow_production:
            raise CommandError(
                "seed_demo creates accounts with published passwords; refusing in production "
                "mode (DJANGO_DEBUG=0). Pass --allow-production to override."
            )
        home_page = HomePage.objects.first()
        if home_page is None:
            raise CommandError("No HomePage found: run `manage.py migrate` first.")
        # The demo's fictional people are told nothing: the year it loads is past
        # (no messages owed), and e-mail outside the outbox (moderation notices) is dropped.
        # Cached pages are retired once, when the whole township is in. DEBUG off: it
        # logs every query (on SQLite, quoting its parameters with one more query).
        with (
            override_settings(MAILERS=SILENT_MAILERS, DEBUG=False),
            outbox.loading_history(),
            transaction.atomic(),
            page_cache.invalidating_once(),
        ):
            villages = seed_villages()
            producer_pages = seed_producers(home_page=home_page, villages=villages)
            new_users = seed_users()
            # A known second factor for the demo's staff, in development only.
            if not settings.PRODUCTION:
                seed_demo_totp()
            new_products = seed_products(producer_pages=producer_pages)
            poor_villages = [v for v in villages.values() if v.is_poor_village]
            new_households = seed_households(villages=poor_villages)
            # The rules come before the orders, whose accruals use them.
            new_rules = seed_aid()
            new_orders = 0 if no_orders else seed_orders()
            closed = close_demo_periods()
            publish_demo_notices(officer=get_user_model().objects.get(username="officer"))
            paid_batch = new_orders and not PayoutBatch.objects.exists()
            if paid_batch:
                users = get_user_model().objects
                officers = {
                    "drafter": users.get(username="officer"),
                    "approver": users.get(username="officer2"),
                }
                for kind in PayoutBatch.Kind:
                    pay_demo_batch(kind=kind, **officers)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo township ready: {len(villages)} villages, {len(producer_pages)} producers, "
                f"{new_products} new products, {new_users} new users, "
                f"{new_households} new households, {new_rules} new aid rules, "
                f"{new_orders} new orders, {len(closed)} periods closed"
                f"{', payout batches to households and producers paid' if paid_batch else ''}."
            )
        )
        if settings.PRODUCTION:
            self.stdout.write("Staff set up their own TOTP (two-factor) at their first log-in.")
        else:
            self.stdout.write(
                f"Demo staff (admin, editor, officer, officer2, auditor) log in with the "
                f"password, then a TOTP code: secret {DEMO_TOTP_SECRET} in an authenticator "
                f"app, or `python manage.py demo_totp_code` (development only)."
            )
