"""Chinese pages find their strings in the first catalogue gettext reads.

The project's strings are written in Chinese, the site's default language, so on
a Chinese page no catalogue holds them: Django merges about twenty catalogues for
zh-hans (its own, Wagtail's, allauth's, each app's, the project's), and gettext
asks every one, twice (the plural key too), before giving the string back as it
is. That was about 30 µs a string on the bench machine, hundreds of strings a page.

``install`` puts one catalogue before the others that holds each of the project's
Chinese strings (the msgids of its English catalogue) as its own translation: the
lookup then ends at the first catalogue and returns the same text as the miss did.
Strings not written in Chinese (Wagtail's and Django's, which their zh_Hans
catalogues translate) are left out, so the admin's translations are untouched.
"""

import gettext
import re

from django.conf import settings
from django.utils.translation import trans_real

# Han characters and full-width punctuation: a string written in Chinese.
_CHINESE = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
CONTEXT_SEPARATOR = "\x04"  # pgettext's key is "context\x04message"


class _SourceCatalogue(gettext.NullTranslations):
    def __init__(self, catalogue: dict[str, str], plural) -> None:
        super().__init__()
        self._catalog = catalogue
        self.plural = plural


def project_strings() -> set[str]:
    """The keys of the project's own English catalogues (LOCALE_PATHS): its
    msgids, with pgettext's context prefixed; plural entries left out (gettext
    gives back the singular or plural form by the count on a miss)."""
    keys: set[str] = set()
    for path in settings.LOCALE_PATHS:
        english = gettext.translation(
            "django", localedir=str(path), languages=["en"], fallback=True
        )
        keys.update(key for key in getattr(english, "_catalog", {}) if isinstance(key, str))
    return {key for key in keys if key and _CHINESE.search(key)}


def install() -> None:
    """Put the source-language catalogue first in the default language's translation
    (run once the apps are loaded: ``ShopConfig.ready``)."""
    source = trans_real.translation(settings.LANGUAGE_CODE)
    catalogue = {key: key.rpartition(CONTEXT_SEPARATOR)[2] for key in project_strings()}
    source.merge(_SourceCatalogue(catalogue, source.plural))
