import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from tests.security.matrix_world import World, build_world
from tests.security.pages import Shop, build_shop


@pytest.fixture
def shop(tomato, tomato_rule, aid_officer) -> Shop:
    return build_shop(tomato=tomato, aid_officer=aid_officer)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker) -> World:
    """The matrix's world (matrix_world.py), built once and rolled back at the end of
    the module; each test runs in a savepoint inside it, so no test sees another's
    changes. Each role's session is made once too, and each test's client just
    carries its cookie (``matrix_world.client_for``)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            world = build_world()
            for role, user in world.users.items():
                client = Client()
                client.force_login(user)
                world.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
            yield world
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
