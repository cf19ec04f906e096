import subprocess
import sys


def _site_url(env: dict[str, str]) -> str:
    code = (
        "from django.conf import settings; print(settings.SITE_URL, settings.WAGTAILADMIN_BASE_URL)"
    )
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()


def test_links_follow_the_port_served_unless_the_site_url_is_set():
    assert _site_url({"PORT": "8123"}) == ["http://127.0.0.1:8123"] * 2
    assert _site_url({}) == ["http://127.0.0.1:8000"] * 2
    assert (
        _site_url({"PORT": "8123", "SITE_URL": "https://shop.example"})
        == ["https://shop.example"] * 2
    )
