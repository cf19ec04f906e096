import os
import sys

from django.core import checks
from django.core.wsgi import get_wsgi_application

from config.startup import exit_on_configuration_error

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
with exit_on_configuration_error():
    application = get_wsgi_application()

# A shop that could take money wrongly (shop/checks.py) or would lose its text
# messages (messaging/checks.py) does not start.
_refusals = [
    message for message in checks.run_checks(tags=["payments", "messaging"]) if message.is_serious()
]
if _refusals:
    sys.exit("\n".join(f"Configuration error: {message}" for message in _refusals))
