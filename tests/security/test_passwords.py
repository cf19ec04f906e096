"""Password rules (AUTH_PASSWORD_VALIDATORS) hold at sign-up and at a password
change, and say what is wrong in Chinese."""

import pytest
from django.contrib.auth import get_user_model

from tests.security.pages import PASSWORD, user_with_password

pytestmark = pytest.mark.django_db

WEAK = [
    pytest.param("k7#qzw", "此密码太短，至少要包含 8 个字符。", id="short"),
    pytest.param("password123", "这个密码太常见了。", id="common"),
    pytest.param("8472619305", "密码只包含数字。", id="numeric"),
]
STRONG = "tomato-greenhouse-42"


def sign_up(client, password: str):
    return client.post(
        "/accounts/signup/",
        {"email": "new@example.com", "password1": password, "password2": password},
    )


@pytest.mark.parametrize(("password", "message"), WEAK)
def test_sign_up_refuses_a_weak_password_in_chinese(client, password, message):
    response = sign_up(client, password)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not get_user_model().objects.filter(email="new@example.com").exists()


def test_sign_up_takes_a_strong_password(client):
    response = sign_up(client, STRONG)

    assert response.status_code == 302
    assert get_user_model().objects.filter(email="new@example.com").exists()


@pytest.mark.parametrize(("password", "message"), WEAK)
def test_a_password_change_refuses_a_weak_password_in_chinese(client, password, message):
    user = user_with_password(email="buyer@example.com")
    client.force_login(user)

    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": password, "password2": password},
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_password_change_takes_a_strong_password(client):
    user = user_with_password(email="buyer@example.com")
    client.force_login(user)

    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": STRONG, "password2": STRONG},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(STRONG)
