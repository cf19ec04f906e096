"""The language switcher's view."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.i18n import set_language as django_set_language


def set_language(request: HttpRequest) -> HttpResponse:
    """Django's ``set_language``, run in the language of the page being left.

    Unprefixed URLs such as this view's are always Chinese, so Django's view would
    resolve ``next=/en/...`` as a Chinese page path and send the visitor back to
    English; resolving it in the language its prefix names finds the Chinese twin.
    """
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    try:
        path = urlsplit(next_url).path
    except ValueError:  # e.g. "//[", an unclosed IPv6 host; Django's view refuses it anyway
        path = ""
    language = translation.get_language_from_path(path)
    with translation.override(language or settings.LANGUAGE_CODE):
        return django_set_language(request)
