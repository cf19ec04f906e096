"""Build the demo township of the 2020 report (DESIGN §11). Idempotent."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from aid_accounting.demo import seed_households
from producers.demo import seed_producers, seed_users, seed_villages
from shop.demo import seed_products
from shop.models import HomePage


class Command(BaseCommand):
    help = "Create the demo villages, producers, products, households and one log-in per role."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even with DJANGO_DEBUG=0 (demo passwords are public: never on a real site).",
        )

    def handle(self, *args, allow_production: bool = False, **options):
        if settings.PRODUCTION and not allow_production:
            raise CommandError(
                "seed_demo creates accounts with published passwords; refusing in production "
                "mode (DJANGO_DEBUG=0). Pass --allow-production to override."
            )
        home_page = HomePage.objects.first()
        if home_page is None:
            raise CommandError("No HomePage found: run `manage.py migrate` first.")
        with transaction.atomic():
            villages = seed_villages()
            producer_pages = seed_producers(home_page=home_page, villages=villages)
            new_users = seed_users()
            new_products = seed_products(producer_pages=producer_pages)
            poor_villages = [v for v in villages.values() if v.is_poor_village]
            new_households = seed_households(villages=poor_villages)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo township ready: {len(villages)} villages, {len(producer_pages)} producers, "
                f"{new_products} new products, {new_users} new users, "
                f"{new_households} new households."
            )
        )
