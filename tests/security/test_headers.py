"""Security headers on every kind of page, and the cookies' flags: HttpOnly and
SameSite=Lax always, Secure (with HSTS) in production mode."""

import json

import pytest

from tests.config.test_startup import PRODUCTION, run
from tests.security.pages import PASSWORD, user_with_password

pytestmark = pytest.mark.django_db

HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.mark.parametrize(
    "url", ["/", "/en/", "/portal/login/", "/accounts/login/", "/notices/", "/admin/login/"]
)
def test_every_kind_of_page_sends_the_security_headers(client, url):
    response = client.get(url)

    assert response.status_code == 200
    assert {name: response.get(name) for name in HEADERS} == HEADERS


def test_the_session_cookie_is_http_only_and_same_site_lax(client):
    user_with_password(email="buyer@example.com")

    response = client.post("/accounts/login/", {"login": "buyer@example.com", "password": PASSWORD})

    cookie = response.cookies["sessionid"]
    assert response.status_code == 302
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_the_csrf_cookie_is_same_site_lax(client):
    cookie = client.get("/accounts/login/").cookies["csrftoken"]

    assert cookie["samesite"] == "Lax"


def test_the_language_cookie_is_http_only_and_same_site_lax(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    cookie = response.cookies["django_language"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"


def test_production_mode_sends_cookies_over_https_only_and_pins_https():
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_CSP",
    ]
    script = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {names!r}}}))"
    )

    result = run("manage.py", "shell", "-c", script, **PRODUCTION)

    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["LANGUAGE_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_CSP"]["upgrade-insecure-requests"] is True
