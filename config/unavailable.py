"""When the database refuses us: a 503 page in plain words, not a 500 traceback.

A refused or dropped database connection (PostgreSQL restarting, failing over, out of
connection slots) is temporary, so the buyer is asked to try again later, and proxies and
monitors see 503 with Retry-After. Nothing is half-written: the request's writes were in a
transaction that never committed.

Two ways in, because Django turns an exception into a response wherever it is raised:
``process_exception`` for the views (also under DEBUG, which would otherwise show its
traceback page), and ``handler500`` for the middleware (a session saved after the view).
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30


def unavailable_response() -> HttpResponse:
    # Rendered without the request: the context processors and the site's layout read
    # the session and the user, which would ask the database that just failed.
    return HttpResponse(
        render_to_string("503.html"),
        status=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.error("Database unavailable for %s %s", request.method, request.path, exc_info=True)
        return unavailable_response()


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: a database failure outside the view is still a 503."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return unavailable_response()
    return defaults.server_error(request)
