"""The shop's WSGI application as bench/growth.py serves it: config/wsgi.py's, in
production mode, without its start-up refusals (a shop whose payment page lets a
buyer mark an order paid, or whose text messages reach no phone, does not start).
A bench takes no payment and sends no text; the same settings, middleware and
views serve the pages it measures."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
