"""The texts a visitor asks for are registered templates in any process that
starts Django, so a relay worker that never loads the shop's pages can send them."""

import subprocess
import sys

SCRIPT = (
    "import django; django.setup();"
    "from messaging.sms import templates;"
    "print(' '.join(t.name for t in templates.registered()))"
)


def test_a_bare_django_process_knows_the_visitor_templates():
    names = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True
    ).stdout.split()

    assert {
        "login_code",
        "phone_account_exists",
        "phone_unknown_account",
        "order_lookup_code",
    } <= set(names)
