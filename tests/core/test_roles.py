"""Whom a message about staff work goes to: the active holders of a permission."""

import pytest
from django.contrib.auth.models import Permission

from core.roles import TOWNSHIP_EDITOR, emails_of_holders
from tests.factories import UserFactory
from tests.township import add_staff

pytestmark = pytest.mark.django_db


def test_the_active_holders_with_an_address_through_a_role_or_their_own():
    editor = add_staff(TOWNSHIP_EDITOR, username="editor")
    add_staff(TOWNSHIP_EDITOR, username="left", is_active=False)
    nameless = add_staff(TOWNSHIP_EDITOR, username="nameless")
    nameless.email = ""
    nameless.save()
    own = UserFactory(email="own@example.com")
    own.user_permissions.add(Permission.objects.get(codename="decide_aftersales"))
    UserFactory(email="buyer@example.com")

    assert emails_of_holders("shop.decide_aftersales") == sorted([editor.email, own.email])
