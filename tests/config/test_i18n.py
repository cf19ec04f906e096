import pytest

pytestmark = pytest.mark.django_db


def test_the_site_speaks_chinese_by_default(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    # Unprefixed URLs are always Chinese; English lives under /en/.
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.text


def test_choosing_english_switches_the_site_to_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302
    assert response["Location"] == "/en/"
    assert client.cookies["django_language"].value == "en"
    english = client.get(response["Location"])
    assert english.status_code == 200
    assert '<html lang="en">' in english.text


def test_choosing_chinese_again_returns_to_the_unprefixed_site(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/en/"})

    assert response["Location"] == "/"
    assert '<html lang="zh-CN">' in client.get("/").text
