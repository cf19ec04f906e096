"""The project's own bare page, the baseline bench/pages.py holds the storefront to.

One view rendering a small template, like bench/bare/, but inside the project: the
shop's settings (``config.settings``: its middleware stack, context processors,
cache, database), its URLs with this one page added in front, and gunicorn as the
shop is served. Only the bench mounts it (``DJANGO_SETTINGS_MODULE=
bench.project_bare.settings``); the product's ``config/urls.py`` never does. It is
the ceiling for any page of this project; bench/bare/ (no middleware, no database) is
the ceiling for Django on this machine.
"""
