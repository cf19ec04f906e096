"""Whole-page cache for anonymous visitors of the storefront (DESIGN §14).

A storefront page (home, producers, categories, villages, products, search) asked
for with GET by a visitor whose session is empty (so not signed in, no cart, no
pending messages) is stored once per language and URL and served to the next such
visitor without touching the database. Everyone else gets the page rendered for
them.

Invalidation is by generation: each stored page carries the generation current
when it was rendered, and any change a page may show (a publish, a price, stock, a sale,
an aid rule) sets a new generation, so every older page stops matching at once.
The generation is read before the page is rendered and set anew only once a change
commits, so a page rendered from data that changed meanwhile is stored under the
old generation and never served.

Pages carry forms ("加入购物车", the language switcher) that need a CSRF token, which
is per visitor. A page rendered for the cache gets a placeholder instead of a token,
and each response, fresh or cached, gets the visitor's own token in its place (and
its cookie, set by CsrfViewMiddleware). The stored page never holds a token or a
cookie.

Two middlewares share the work. ``PageCacheMiddleware`` sits early in the stack,
after the security, static-file and CSP middlewares and before the session: a GET
from a visitor with no session cookie and no message cookie is looked up there, in
one round trip to the cache (the generation and the page with one MGET), and a hit
is answered at once with the visitor's CSRF token and cookie, without the session,
locale, authentication, message and later middleware or the URL resolver running for
it. It also stores what the view-level one lets through, with the response's headers
as the rest of the stack set them. ``PageCacheViewMiddleware`` sits after the session,
CSRF, authentication and message middleware: it knows which view answers and what is
in the session, so it alone decides what may be stored, and it serves a hit to a
visitor whose session cookie names an empty session.

The generation has two parts. The cache holds one (random), set anew when a change
commits, which every process sees at once. The database counts the other
(``PageCacheGeneration``), bumped in the same step, which each process reads at most
every ``PAGE_CACHE_GENERATION_CHECK_SECONDS``. The cache's part alone would be lost
if the cache failed at that moment (Redis down or hung; the change is committed, the
cache write dropped): once Redis is back it would serve the pages stored before the
change. The database's part retires them then.

``PAGE_CACHE_SECONDS`` (0 turns it off) bounds how long a page may lag behind what
is not tracked: the township's aid totals on the home page, a certificate or rule
that starts or ends at midnight.
"""

import hashlib
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.utils.translation import get_language_from_path
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from producers.models import Producer, Village
from shop import events
from shop.catalogue.models import (
    Category,
    PageCacheGeneration,
    ProductCertificate,
    ProductVariant,
)

GENERATION_KEY = "page_cache:generation"

KEY_PREFIX = "page_cache:page"

# The storefront's URL names; "wagtail_serve" is every Wagtail page, and all of
# them (home, producers, products) are storefront pages.
CACHED_URL_NAMES = frozenset(
    {
        "wagtail_serve",
        "search",
        "category_list",
        "category_detail",
        "village_list",
        "village_detail",
    }
)

CSRF_PLACEHOLDER = "page-cache-csrf-placeholder"

# Headers that belong to one response, not to the page (cookies are not headers
# until the response is sent, and are never stored).
UNSTORED_HEADERS = frozenset({"content-length", "set-cookie"})

# Paths this process has seen answered by a view the cache never stores (the cart, the
# portal, the admin...): the early lookup skips them. Only a shortcut: a path missing
# from it costs one lookup that misses. Bounded, emptied when full.
_UNCACHED_PATHS: set[str] = set()

UNCACHED_PATHS_MAX = 10_000

UNCACHEABLE_CACHE_CONTROL = re.compile(r"\b(private|no-cache|no-store)\b", re.IGNORECASE)


def enabled() -> bool:
    return settings.PAGE_CACHE_SECONDS > 0


def invalidate() -> None:
    """Retire every cached page. Call it after any change a storefront page shows.

    The new generation is set when the surrounding transaction commits (at once
    outside one), never before: a page rendered meanwhile from the data as it was
    is stored under the generation it read first, which this retires. Nothing
    waits on the cache while the transaction holds its locks, and a cache that
    fails is logged, not raised, since the change is committed by then. It runs
    even where the cache is off here, since a process (a worker, a command) may
    change data that web processes with the cache on are serving.
    """
    if _invalidating_once.get():
        return
    transaction.on_commit(_new_generation, robust=True)


_invalidating_once: ContextVar[bool] = ContextVar("invalidating_once", default=False)


@contextmanager
def invalidating_once() -> Iterator[None]:
    """Changes made inside retire the cached pages once, at the end, not once each:
    for a bulk load (the demo year changes stock thousands of times)."""
    token = _invalidating_once.set(True)
    try:
        yield
    finally:
        _invalidating_once.reset(token)
        invalidate()


def _new_generation() -> str:
    # Random, not a counter: an evicted or reset counter could come back to a
    # number that old pages were stored under.
    generation = uuid.uuid4().hex
    cache.set(GENERATION_KEY, generation, timeout=None)
    # After the commit, not in the change's transaction: one row every change locks
    # would make checkouts wait on each other (and deadlock with their stock rows).
    if not PageCacheGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        PageCacheGeneration.objects.get_or_create(pk=1, defaults={"value": 1})
    _database_generation.forget()  # read it anew at the next lookup
    return generation


class _DatabaseGeneration:
    """The database's part of the generation, read at most once every
    PAGE_CACHE_GENERATION_CHECK_SECONDS in this process."""

    def __init__(self) -> None:
        self.value = 0
        self.read_at: float | None = None

    def __call__(self) -> int:
        now = time.monotonic()
        if (
            self.read_at is None
            or now - self.read_at >= settings.PAGE_CACHE_GENERATION_CHECK_SECONDS
        ):
            # Read before the page is rendered: a count seen here is of changes committed.
            self.value = PageCacheGeneration.objects.values_list("value", flat=True).first() or 0
            self.read_at = now
        return self.value

    def forget(self) -> None:
        self.read_at = None


_database_generation = _DatabaseGeneration()


def _current_generation(stored: str | None) -> str:
    if stored is not None:
        return stored
    cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    return cache.get(GENERATION_KEY)


def page_language(request: HttpRequest) -> str:
    """The language of a storefront page, known from its path alone, before the
    locale middleware runs: every storefront URL is under ``i18n_patterns`` without
    a prefix for the default language, so the locale middleware takes the prefix's
    language, or the default one, whatever the visitor's cookie or browser says.
    The view-level middleware checks that it did (a page is stored only then)."""
    return get_language_from_path(request.path_info) or settings.LANGUAGE_CODE


def page_key(*, request: HttpRequest, language: str | None = None) -> str:
    """One entry per language and URL (the language is in the path for English,
    but the key does not rely on it)."""
    url = f"{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(url.encode()).hexdigest()
    return f"{KEY_PREFIX}:{language or request.LANGUAGE_CODE}:{digest}"


def _lookup(key: str) -> tuple[str, tuple | None]:
    """The current generation and the page stored under ``key`` if it is of that
    generation, in one round trip to the cache."""
    found = cache.get_many([GENERATION_KEY, key])
    generation = f"{_current_generation(found.get(GENERATION_KEY))}:{_database_generation()}"
    stored = found.get(key)
    return generation, stored if stored is not None and stored[0] == generation else None


def _response_from(stored: tuple, *, request: HttpRequest) -> HttpResponse:
    _, headers, content = stored
    return HttpResponse(_with_visitor_token(request=request, content=content), headers=headers)


def may_use_cache(*, request: HttpRequest) -> bool:
    """Whether this request may be served from, and stored in, the cache."""
    if request.method not in ("GET", "HEAD"):
        return False
    # Anything in the session may show on the page: the signed-in user, a cart,
    # messages, a page password already given.
    if request.session.keys():
        return False
    if request.user.is_authenticated:
        return False
    # Messages kept in their cookie rather than the session; len() does not consume them.
    return not len(get_messages(request))


def _may_store(*, request: HttpRequest, response: HttpResponse) -> bool:
    if response.status_code != 200 or response.cookies:
        return False
    if UNCACHEABLE_CACHE_CONTROL.search(response.get("Cache-Control", "")):
        return False
    # The view put something in the session or a message: this page is the visitor's own.
    if request.session.modified or len(get_messages(request)):
        return False
    # Something read the real CSRF token (not through the template's placeholder),
    # so it may be in the page.
    return not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")


def _with_visitor_token(*, request: HttpRequest, content: bytes) -> bytes:
    placeholder = CSRF_PLACEHOLDER.encode()
    if placeholder not in content:
        return content
    return content.replace(placeholder, get_token(request).encode())


def csrf_placeholder(request: HttpRequest) -> dict:
    """Template context processor: a page rendered for the cache gets the
    placeholder as its CSRF token (it overrides Django's built-in ``csrf_token``)."""
    if getattr(request, "page_cache_entry", None) is None:
        return {}
    return {"csrf_token": CSRF_PLACEHOLDER}


class PageCacheMiddleware:
    """Serves anonymous visitors' cached pages early and stores new ones; place it
    after the security, static-file and CSP middlewares and before the session
    middleware, with ``PageCacheViewMiddleware`` after the message middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        # Only for its cookie handling: the visitor's token and the cookie that carries it.
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if enabled() and self._may_serve_early(request):
            key = page_key(request=request, language=page_language(request))
            generation, stored = _lookup(key)
            if stored is not None:
                return self._serve(request, stored)
            # For the view-level middleware: no second lookup if the page is to be rendered.
            request.page_cache_lookup = (key, generation)
        response = self.get_response(request)
        store = getattr(request, "page_cache_store", None)
        if store is not None:
            key, generation, content = store
            headers = {
                name: value
                for name, value in response.headers.items()
                if name.lower() not in UNSTORED_HEADERS
            }
            cache.set(key, (generation, headers, content), timeout=settings.PAGE_CACHE_SECONDS)
        return response

    @staticmethod
    def _may_serve_early(request: HttpRequest) -> bool:
        # No session cookie: no user, no cart, no session messages, no page password.
        # No message cookie: no messages kept there either. Anyone else goes through
        # the whole stack, where the view-level middleware looks at the session itself.
        cookies = request.COOKIES
        return (
            request.method == "GET"
            and not settings.CSRF_USE_SESSIONS
            and settings.SESSION_COOKIE_NAME not in cookies
            and CookieStorage.cookie_name not in cookies
            and request.path_info not in _UNCACHED_PATHS
        )

    def _serve(self, request: HttpRequest, stored: tuple) -> HttpResponse:
        # As CsrfViewMiddleware would: the visitor's secret from their cookie (or a
        # new one), a token from it in the page, the cookie (re)set on the response.
        self.csrf.process_request(request)
        response = _response_from(stored, request=request)
        return self.csrf.process_response(request, response)


class PageCacheViewMiddleware:
    """Decides which pages are stored, and serves visitors whose session cookie
    names an empty session; place it after the session, CSRF, authentication and
    message middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        entry = getattr(request, "page_cache_entry", None)
        if entry is None or response.streaming:
            return response
        key, generation = entry
        content = response.content
        if request.method == "GET" and _may_store(request=request, response=response):
            # PageCacheMiddleware stores it, with the headers of the whole stack.
            request.page_cache_store = (key, generation, content)
        response.content = _with_visitor_token(request=request, content=content)
        return response

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not enabled():
            return None
        if request.resolver_match.url_name not in CACHED_URL_NAMES:
            if len(_UNCACHED_PATHS) >= UNCACHED_PATHS_MAX:
                _UNCACHED_PATHS.clear()
            _UNCACHED_PATHS.add(request.path_info)
            return None
        if not may_use_cache(request=request):
            return None
        language = page_language(request)
        if language != request.LANGUAGE_CODE:
            return None  # not the language the early lookup would key it under
        lookup = getattr(request, "page_cache_lookup", None)
        if lookup is None:  # not looked up early: a session cookie, or HEAD
            key = page_key(request=request, language=language)
            generation, stored = _lookup(key)
            if stored is not None:
                return _response_from(stored, request=request)
        else:
            key, generation = lookup
        request.page_cache_entry = (key, generation)
        return None


def _on_change(**kwargs) -> None:
    invalidate()


def connect_signals() -> None:
    """Invalidate on every change a storefront page shows that is saved through
    the ORM; changes made with ``update()`` (stock, the portal's variants) call
    ``invalidate()`` themselves."""
    page_published.connect(_on_change, dispatch_uid="page_cache.published")
    page_unpublished.connect(_on_change, dispatch_uid="page_cache.unpublished")
    post_page_move.connect(_on_change, dispatch_uid="page_cache.moved")
    # Cards show "已售 N", paid units less refunded ones: a payment changes no stock
    # (taken when the order was placed), nor does refunding goods already shipped.
    events.order_paid.connect(_on_change, dispatch_uid="page_cache.order_paid")
    events.line_refunded.connect(_on_change, dispatch_uid="page_cache.line_refunded")
    for model in (
        ProductVariant,
        ProductCertificate,
        Category,
        Producer,
        Village,
        get_image_model(),
    ):
        watch_model(model)
    post_delete.connect(_on_page_deleted, dispatch_uid="page_cache.page_deleted")


def watch_model(model: type) -> None:
    """Invalidate whenever a row of ``model`` is saved or deleted (for apps above
    the shop, e.g. aid rules, whose changes show on product pages)."""
    uid = f"page_cache.{model._meta.label_lower}"
    post_save.connect(_on_change, sender=model, dispatch_uid=f"{uid}.saved")
    post_delete.connect(_on_change, sender=model, dispatch_uid=f"{uid}.deleted")


def watch_relation(through: type) -> None:
    """Invalidate when a many-to-many relation (its ``through`` model) changes."""
    m2m_changed.connect(
        _on_change, sender=through, dispatch_uid=f"page_cache.{through._meta.label_lower}"
    )


def _on_page_deleted(sender, instance, **kwargs) -> None:
    if isinstance(instance, Page):
        invalidate()
