import pytest
from allauth.mfa.models import Authenticator
from django.apps import apps
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from core import roles
from producers.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_USERS
from producers.models import Producer, Village
from tests.mfa import totp_code

pytestmark = pytest.mark.django_db


def row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app_label in (
            "producers",
            "shop",
            "aid_accounting",
            "wagtailcore",
            "wagtailimages",
            "auth",
        )
        for model in apps.get_app_config(app_label).get_models()
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo township without orders, built once for this module and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--no-orders", verbosity=0)
        yield
        transaction.set_rollback(True)


def test_demo_township_matches_the_report(seeded):
    assert Village.objects.count() == 35
    assert Village.objects.filter(is_poor_village=True).count() == 12
    assert Village.objects.filter(is_key_village=True).count() == 9
    named = ["姜庄村", "孔庄村", "吕堂村", "施庄村", "张庄村", "三十里铺村", "马庄村", "后李村"]
    assert set(named) <= set(Village.objects.values_list("name", flat=True))
    household_model = apps.get_model("aid_accounting", "Household")
    assert household_model.objects.count() == 722
    assert not household_model.objects.exclude(village__is_poor_village=True).exists()


def test_every_demo_producer_has_a_published_page_with_products(seeded):
    for producer in Producer.objects.all():
        assert producer.page.live
        assert producer.product_pages.exists()
        for product in producer.product_pages.all():
            assert product.image_id is not None
            assert product.variants.filter(stock__gt=0).exists()


def test_each_role_has_a_demo_login(rf, seeded):
    for group in roles.ROLE_LABELS:
        assert Group.objects.get(name=group).user_set.exists()
    for username, *_ in DEMO_USERS:
        request = rf.post("/admin/login/", REMOTE_ADDR="127.0.0.1")
        assert authenticate(request, username=username, password=DEMO_PASSWORD), username


def admin_login(client, username: str):
    return client.post(
        "/admin/login/",
        {"username": username, "password": DEMO_PASSWORD},
        REMOTE_ADDR="127.0.0.1",
    )


def test_editor_logs_in_to_the_admin_with_the_documented_password_and_totp(client, seeded):
    assert admin_login(client, "editor").status_code == 302
    asked = client.get("/admin/")
    assert asked["Location"].startswith(reverse("mfa_reauthenticate"))

    client.post(asked["Location"], {"code": totp_code(DEMO_TOTP_SECRET)})

    assert client.get("/admin/").status_code == 200


def test_the_demo_staff_have_the_documented_totp_secret(seeded):
    staff = {name for name, _, role, *_ in DEMO_USERS if role in (None, *roles.STAFF_ROLES)}
    with_totp = set(
        Authenticator.objects.filter(type=Authenticator.Type.TOTP).values_list(
            "user__username", flat=True
        )
    )
    assert with_totp == staff


def test_buyer_cannot_open_the_admin(client, seeded):
    admin_login(client, "buyer")
    assert client.get("/admin/").status_code == 302


@override_settings(PRODUCTION=True)
def test_seed_demo_refuses_in_production_mode():
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", verbosity=0)


def test_demo_drafts_await_the_editors_approval(seeded):
    from shop.catalogue.models import ProductPage

    drafts = ProductPage.objects.filter(live=False)
    assert drafts.exists()
    for draft in drafts:
        assert draft.current_workflow_state is not None
        assert draft.current_workflow_state.status == "in_progress"


def test_demo_totp_code_prints_a_code_the_demo_secret_accepts():
    from io import StringIO

    from allauth.mfa.totp.internal.auth import validate_totp_code

    out = StringIO()
    call_command("demo_totp_code", stdout=out)

    assert validate_totp_code(DEMO_TOTP_SECRET, out.getvalue().strip())


@override_settings(PRODUCTION=True)
def test_demo_totp_code_refuses_in_production_mode():
    with pytest.raises(CommandError, match="development"):
        call_command("demo_totp_code")
