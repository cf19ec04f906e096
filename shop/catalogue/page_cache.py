"""Whole-page cache of the storefront (DESIGN §14), for anonymous visitors and
signed-in buyers alike.

A storefront page (home, producers, categories, villages, products, search) asked
for with GET is stored once per language and URL and served to the next visitor
from the cache. What differs from one visitor to the next is not in the stored
page: the header's account links, the cart badge (header and tab bar) and the
CSRF token are placeholders there, filled in per request (``personal`` parts,
below). A visitor with anything else in their session (messages, a page password,
a staff session's keys) gets the page rendered for them, and it is not stored.

Invalidation is by dependency. A page records the keys of what it shows: the
catalogue-wide key (``CATALOGUE``: every page depends on it) and one key per product
it shows (its card on a listing, or its own page; ``shown.shows_products``). Each key
holds the time (Redis's clock, in microseconds) of the last change to what it
stands for. A change retires only its keys, once it commits (``invalidate``):

- orders (stock taken and given back, a payment, a refund) retire the product's
  key, and only when what its pages show moves across a band (shop.catalogue.shown:
  "仅剩 3 件", "已售 100+"), so pages of the other products stay cached while
  orders flow;
- anything that may change which products a page lists or in which order, or what
  every page shows (a publish, a price, a category, a producer, a village, a
  photo, an aid rule), retires the catalogue-wide key.

A page is served only if every key it recorded still holds the time it held when
stored. The lookup reads the page and its keys' times in one round trip (a Lua
script: the page's keys are stored with it, so they need not be known before).
A page rendered from data that changed meanwhile is never stored: the lookup also
returns Redis's time before the page is rendered, and the store (another script)
refuses the page if any of its keys changed at or after that time.

Sales counts on cards are read after the payment or refund commits, so two
payments of the same product at the same moment may both miss the band they
crossed together; the page then lags by at most ``PAGE_CACHE_SECONDS``. Stock is
exact: the change's own UPDATE returns the stock it left.

Redis failing when a change commits (down, or hung past the socket timeout): the
change cannot retire its keys there, so it counts a generation in the database
instead (``PageCacheGeneration``), which every stored page carries and each process
reads at most every ``PAGE_CACHE_GENERATION_CHECK_SECONDS``: once Redis is back, every
page stored before is retired. The database is written only then, not per change.

Two middlewares share the work. ``PageCacheMiddleware`` is the first of the stack:
a GET without a message cookie is looked up there (but for static files, and a
request the HTTPS redirect must answer), and a hit is answered at once with the
headers the whole stack gave the page when it was stored (security, CSP) and the
visitor's personal parts and CSRF token and cookie, without any other middleware or
the URL resolver running for it. A visitor with no session cookie is anonymous;
one with a session cookie is read from it as the session and authentication
middleware would (``_visitor_from_session``): the session from the cache
(``SESSION_ENGINE`` ``cached_db`` with Redis), then, for a signed-in buyer, one
query for their user, whether they hold a staff role and their cart's count, the
user confirmed by the session's hash as Django's ``auth.get_user`` confirms it.
Anyone that reading cannot
settle (a staff member, a session holding more, a hash that does not match) goes
through the whole stack. The personal parts are rendered once per process for each
kind of visitor and count (``_personal_part``). ``PageCacheMiddleware`` also stores
what the view-level one lets through, with the response's headers as the rest of the
stack set them. ``PageCacheViewMiddleware`` sits after the session, CSRF,
authentication and message middleware: it knows which view answers and what is in
the session, so it alone decides what may be stored, and it serves a hit to a
visitor with a session who went through the stack (a staff member's page is
rendered for them).

The cache must be Redis (the scripts); with another cache (development's local
memory) nothing is cached. ``PAGE_CACHE_SECONDS`` (0 turns it off) bounds how long a
page may lag behind what is not tracked: the township's aid totals on the home page,
a certificate or rule that starts or ends at midnight.
"""

import hashlib
import logging
import pickle
import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Expression, F, OuterRef, Value
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.template.loader import get_template
from django.utils import translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import get_language_from_path
from redis.commands.core import Script
from redis.exceptions import ConnectionError, TimeoutError
from wagtail.images import get_image_model
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from core.roles import holds_staff_role
from producers.models import Producer, Village
from shop import events
from shop.catalogue import shown
from shop.catalogue.models import (
    Category,
    PageCacheGeneration,
    ProductCertificate,
    ProductVariant,
)
from shop.catalogue.selectors import units_sold

logger = logging.getLogger(__name__)

KEY_PREFIX = "page_cache:page"

DEPENDENCY_PREFIX = "page_cache:dep"

# What every page depends on.
CATALOGUE = "catalogue"

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

# What a session may hold for its pages to be cached: who is signed in and their
# cart (``show_cart``), both shown only in the personal parts. Anything else
# (messages, a page password) may show on the page.
SHARED_SESSION_KEYS = {
    SESSION_KEY,
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    # allauth's record of how they signed in, and of whom.
    "account_authentication_methods",
    "account_authentication_methods_user",
    # When the session ends: allauth's log-in without "remember me" sets it to the
    # browser's closing (SessionBase.set_expiry).
    "_session_expiry",
    # When the session started and was last seen (config/staff_auth.py: set at
    # every log-in, kept up only for staff, whose pages are never cached).
    "staff_logged_in_at",
    "staff_seen_at",
}


def _no_cart(request: HttpRequest) -> int:
    return 0


def _no_cart_of_user(user: OuterRef) -> Expression:
    return Value(0)


# The cart badge's count of a request's cart, and of an account's as an expression
# over the user (``show_cart``).
_cart_count: Callable[[HttpRequest], int] = _no_cart
_cart_count_of_user: Callable[[OuterRef], Expression] = _no_cart_of_user


def show_cart(
    *,
    count: Callable[[HttpRequest], int],
    count_of_user: Callable[[OuterRef], Expression],
    session_key: str,
) -> None:
    """The cart badges count with ``count`` (or, read with the signed-in buyer,
    ``count_of_user``), and a session holding the cart under ``session_key`` has
    its pages cached (the orders, above the catalogue, hand them in: shop/apps.py)."""
    global _cart_count, _cart_count_of_user
    _cart_count, _cart_count_of_user = count, count_of_user
    SHARED_SESSION_KEYS.add(session_key)


# The templates of the parts of a page that are the visitor's own (base.html
# includes them with ``{% personal %}``): rendered per request, never stored.
PERSONAL_TEMPLATES = (
    "includes/account_nav.html",
    "includes/account_tab.html",
    "includes/cart_badge.html",
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

REDIS_DOWN = (ConnectionError, TimeoutError)

# KEYS[1]: the page. ARGV[1]: the database's generation, ARGV[2]: the digest of the
# body this process holds for the page ('' for none). Returns Redis's time (µs), then,
# if the page is current (of that generation, and each key it depends on holding the
# time it held when the page was stored), its body's digest, and the body itself
# unless the process holds it already.
LOOKUP = """
local now = redis.call('TIME')
local clock = now[1] .. string.format('%06d', now[2])
local page = redis.call('HMGET', KEYS[1], 'deps', 'times', 'generation', 'digest')
if not page[4] or page[3] ~= ARGV[1] then return {clock} end
local deps = {}
for dep in string.gmatch(page[1], '%S+') do deps[#deps + 1] = dep end
local current = redis.call('MGET', unpack(deps))
local i = 1
for stored in string.gmatch(page[2], '%S+') do
  if (current[i] or '0') ~= stored then return {clock} end
  i = i + 1
end
if page[4] == ARGV[2] then return {clock, page[4]} end
return {clock, page[4], redis.call('HGET', KEYS[1], 'body')}
"""

# KEYS[1]: the page, KEYS[2..]: what it depends on. ARGV: the time the lookup
# returned, the generation, the body, the seconds to keep it, the body's digest.
# Stores the page unless one of its keys changed since that time (the page may show
# the data before it).
STORE = """
local times = {}
for i = 2, #KEYS do
  local changed = redis.call('GET', KEYS[i]) or '0'
  if tonumber(changed) >= tonumber(ARGV[1]) then return 0 end
  times[#times + 1] = changed
end
local deps = {}
for i = 2, #KEYS do deps[#deps + 1] = KEYS[i] end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'deps', table.concat(deps, ' '), 'times', table.concat(times, ' '),
  'generation', ARGV[2], 'body', ARGV[3], 'digest', ARGV[5])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""

# KEYS: what changed. Each is set to Redis's time (µs).
RETIRE = """
local now = redis.call('TIME')
local clock = now[1] .. string.format('%06d', now[2])
for i = 1, #KEYS do redis.call('SET', KEYS[i], clock) end
return clock
"""

_scripts: dict[str, Script] = {}


def enabled() -> bool:
    return settings.PAGE_CACHE_SECONDS > 0 and isinstance(caches["default"], RedisCache)


def _redis(call: Callable, *, fallback=None):
    """``call(client)`` on the cache's Redis; ``fallback`` if it fails, as the cache
    itself fails open (config/cache.py): the failure is logged and Redis left alone
    for a moment. Raises nothing."""
    backend = caches["default"]
    if time.monotonic() < getattr(backend, "resting_until", 0.0):
        return fallback
    # Django's Redis cache makes a new client (over its pool) at each call, which
    # costs as much as a lookup's own work: the page cache keeps one per backend.
    client = getattr(backend, "page_cache_client", None)
    if client is None:
        client = backend.page_cache_client = backend._cache.get_client(write=True)
    try:
        return call(client)
    except REDIS_DOWN as error:
        backend.resting_until = time.monotonic() + getattr(backend, "RESTING_SECONDS", 2.0)
        logger.warning("Page cache: Redis unavailable (%s: %s)", type(error).__name__, error)
        return fallback


def _run(name: str, source: str, client, *, keys: list[str], args: list) -> object:
    script = _scripts.get(name)
    if script is None:
        script = _scripts[name] = client.register_script(source)
    return script(keys=keys, args=args, client=client)


def _key(name: str) -> str:
    return caches["default"].make_key(name)


def dependency_key(name: str) -> str:
    return _key(f"{DEPENDENCY_PREFIX}:{name}")


def product_dependency(product_id: int) -> str:
    return f"product:{product_id}"


def invalidate(*, products: Iterable[int] | None = None) -> None:
    """Retire the cached pages that show ``products``, or every cached page (the
    catalogue-wide key) without them. Call it after any change a storefront page shows.

    The keys are retired when the surrounding transaction commits (at once outside
    one), never before: a page rendered meanwhile from the data as it was is refused
    by the store. Nothing waits on the cache while the transaction holds its locks,
    and a cache that fails counts the database's generation instead of raising. It
    runs even where the cache is off here, since a process (a worker, a command) may
    change data that web processes with the cache on are serving.
    """
    if _invalidating_once.get():
        return
    names = [CATALOGUE] if products is None else [product_dependency(pk) for pk in products]
    if names:
        transaction.on_commit(lambda: _retire(names), robust=True)


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


def _retire(names: list[str]) -> None:
    if isinstance(caches["default"], RedisCache):
        keys = [dependency_key(name) for name in names]
        if _redis(lambda client: _run("retire", RETIRE, client, keys=keys, args=[])) is not None:
            return
    # Not retired in Redis (down, hung, or not the cache here): every page stored
    # before is retired through the database once Redis serves again. After the commit,
    # not in the change's transaction: one row every change locks would make checkouts
    # wait on each other.
    if not PageCacheGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        PageCacheGeneration.objects.get_or_create(pk=1, defaults={"value": 1})
    _database_generation.forget()  # read it anew at the next lookup


class _DatabaseGeneration:
    """The database's generation, read at most once every
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


def page_language(request: HttpRequest) -> str:
    """The language of a storefront page, known from its path alone, before the
    locale middleware runs: every storefront URL is under ``i18n_patterns`` without
    a prefix for the default language, so the locale middleware takes the prefix's
    language, or the default one, whatever the visitor's cookie or browser says.
    The view-level middleware checks that it did (a page is stored only then)."""
    return get_language_from_path(request.path_info) or settings.LANGUAGE_CODE


def page_key(*, request: HttpRequest, language: str | None = None) -> str:
    """One entry per language and URL, scheme included (the security headers
    stored with a page differ: HSTS over HTTPS only); the language is in the path
    for English, but the key does not rely on it."""
    url = f"{request.scheme}://{request.get_host()}{request.get_full_path()}"
    digest = hashlib.sha256(url.encode()).hexdigest()
    return _key(f"{KEY_PREFIX}:{language or request.LANGUAGE_CODE}:{digest}")


# Pages this process stored or was sent, by key: (their body's digest, the page).
# A lookup names the digest held, and Redis sends the body only if the page stored
# under the key is another: a hit then moves a few bytes, not the page. Whether the
# page held is current is still Redis's to say, at every lookup.
_held: dict[str, tuple[bytes, tuple]] = {}

HELD_PAGES_MAX = 256


def _hold(key: str, digest: bytes, page: tuple) -> None:
    if len(_held) >= HELD_PAGES_MAX:
        _held.pop(next(iter(_held), None), None)  # the one held longest
    _held[key] = (digest, page)


def _lookup(key: str) -> tuple[tuple[str, int] | None, tuple | None]:
    """Redis's time and the database's generation, to store the page under if it
    is to be rendered, and the page stored under ``key`` if it is current, in one
    round trip. No time if Redis failed (then nothing is stored either)."""
    generation = _database_generation()
    held = _held.get(key)
    args = [generation, held[0] if held else ""]
    found = _redis(lambda client: _run("lookup", LOOKUP, client, keys=[key], args=args))
    if found is None:
        return None, None
    version = (found[0].decode(), generation)
    if len(found) == 1:
        return version, None
    if len(found) == 2:
        return version, held[1]
    page = pickle.loads(found[2])
    _hold(key, found[1], page)
    return version, page


def store(*, key: str, version: tuple[str, int], dependencies: set[str], page: tuple) -> bool:
    """Store ``page`` (its headers and content) under ``key``, depending on
    ``dependencies`` and the catalogue-wide key, unless one of them changed since
    ``version``'s time. Whether it was stored."""
    clock, generation = version
    names = [CATALOGUE, *sorted(dependencies)]
    keys = [key, *(dependency_key(name) for name in names)]
    body = pickle.dumps(page)
    digest = hashlib.blake2b(body, digest_size=16).hexdigest().encode()
    args = [clock, generation, body, settings.PAGE_CACHE_SECONDS, digest]
    stored = bool(_redis(lambda client: _run("store", STORE, client, keys=keys, args=args)))
    if stored:
        _hold(key, digest, page)
    return stored


def stored_page(key: str) -> tuple | None:
    """The headers and content stored under ``key``, current or not (for checks)."""
    body = _redis(lambda client: client.hget(key, "body"))
    return pickle.loads(body) if body is not None else None


def stored_dependencies(key: str) -> list[str]:
    """The keys the page stored under ``key`` depends on, without their prefix."""
    deps = _redis(lambda client: client.hget(key, "deps")) or b""
    prefix = dependency_key("")
    return [name.removeprefix(prefix) for name in deps.decode().split()]


def changed_at(name: str) -> int | None:
    """When what ``name`` stands for last retired its pages (Redis's time, µs), if ever."""
    value = _redis(lambda client: client.get(dependency_key(name)))
    return int(value) if value is not None else None


def may_use_cache(*, request: HttpRequest) -> bool:
    """Whether this request may be served from, and stored in, the cache."""
    if request.method not in ("GET", "HEAD"):
        return False
    # Anything else in the session may show on the page: messages, a page password.
    if not SHARED_SESSION_KEYS.issuperset(request.session.keys()):
        return False
    # Staff see the storefront as buyers do, but their sessions carry more (MFA,
    # time limits): rendered for them, as before.
    if request.user.is_staff:
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


def personal_placeholder(name: str) -> str:
    return f"<!--page-cache-personal:{name}-->"


@lru_cache(maxsize=512)
def _personal_part(name: str, *, language: str, signed_in: bool, cart_count: int) -> bytes:
    """A personal part as a visitor of this kind sees it, with the CSRF placeholder:
    the same for every such visitor, so rendered once per process."""
    with translation.override(language):
        context = {
            "user": _Visitor(signed_in),
            "cart_badge": _Badge(cart_count),
            # Pages of the account and cart tabs are never cached.
            "active_tab": "",
            "csrf_token": CSRF_PLACEHOLDER,
        }
        return get_template(name).render(context).encode()


class _Visitor:
    """What the personal parts ask of the user."""

    def __init__(self, signed_in: bool):
        self.is_authenticated = signed_in


class _Badge:
    def __init__(self, count: int):
        self.count = count


def _with_personal_parts(
    content: bytes, *, language: str, signed_in: bool, cart_count: Callable[[], int]
) -> bytes:
    count = None
    for name in PERSONAL_TEMPLATES:
        placeholder = personal_placeholder(name).encode()
        if placeholder not in content:
            continue
        if name == "includes/cart_badge.html" and count is None:
            count = cart_count()
        part = _personal_part(
            name,
            language=language,
            signed_in=signed_in,
            cart_count=count if name == "includes/cart_badge.html" else 0,
        )
        content = content.replace(placeholder, part)
    return content


def _for_visitor(
    content: bytes,
    *,
    request: HttpRequest,
    language: str,
    signed_in: bool,
    cart_count: Callable[[], int],
) -> bytes:
    content = _with_personal_parts(
        content, language=language, signed_in=signed_in, cart_count=cart_count
    )
    return _with_visitor_token(request=request, content=content)


def _for_own_visitor(content: bytes, request: HttpRequest) -> bytes:
    """The page for a visitor the whole stack has read: their user and session."""
    return _for_visitor(
        content,
        request=request,
        language=request.LANGUAGE_CODE,
        signed_in=request.user.is_authenticated,
        cart_count=lambda: _cart_count(request),
    )


# An early visitor: whether signed in, and their cart's count.
EarlyVisitor = tuple[bool, int]

ANONYMOUS: EarlyVisitor = (False, 0)


def _visitor_from_session(request: HttpRequest) -> EarlyVisitor | None:
    """The visitor holding a session cookie, read before the session and
    authentication middleware run, as they would read them; None for one the whole
    stack must see: a session holding more than ``SHARED_SESSION_KEYS``, a staff
    member (their session's MFA and time limits: config/staff_auth.py), or a user
    the session's hash does not confirm, checked as ``django.contrib.auth.get_user``
    checks it (the stack then logs them out, or moves a hash made with an older
    secret to the current one)."""
    engine = import_module(settings.SESSION_ENGINE)
    session = engine.SessionStore(request.COOKIES[settings.SESSION_COOKIE_NAME])
    if not SHARED_SESSION_KEYS.issuperset(session.keys()):
        return None
    if SESSION_KEY not in session:
        # A guest: the cart, if any, is the one whose id the session holds.
        request.session, request.user = session, AnonymousUser()
        return False, _cart_count(request)
    # Every backend that signs users in here reads them as ModelBackend does.
    if session.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return None
    user_model = get_user_model()
    try:
        user_id = user_model._meta.pk.to_python(session[SESSION_KEY])
    except ValidationError:
        return None
    sql, params, at = _buyer_query()
    params = [*params[:at], user_id, *params[at + 1 :]]
    with connections[router.db_for_read(user_model)].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    password, is_active, is_staff, is_superuser, staff_role, cart_units = row
    if not is_active or is_staff or is_superuser or staff_role:
        return None
    # The user's hash is an HMAC of their password alone (AbstractBaseUser).
    session_hash = session.get(HASH_SESSION_KEY)
    expected = user_model(password=password).get_session_auth_hash()
    if not session_hash or not constant_time_compare(session_hash, expected):
        return None
    return True, cart_units


# Never a user's id: marks where the id goes in the query's parameters.
_USER_ID_MARK = -1_000_001


@lru_cache(maxsize=1)
def _buyer_query() -> tuple[str, tuple, int]:
    """The query of a signed-in visitor's user, whether they hold a staff role, and
    their cart's count, compiled once per process (building and compiling a queryset
    with two subqueries cost more than running it): its SQL, its parameters, and
    where the user's id goes among them."""
    query = (
        get_user_model()
        ._default_manager.filter(pk=_USER_ID_MARK)
        .annotate(
            staff_role=holds_staff_role(OuterRef("pk")),
            cart_units=_cart_count_of_user(OuterRef("pk")),
        )
        .values_list(
            "password", "is_active", "is_staff", "is_superuser", "staff_role", "cart_units"
        )
    )
    sql, params = query.query.sql_with_params()
    return sql, params, params.index(_USER_ID_MARK)


def _with_visitor_token(*, request: HttpRequest, content: bytes) -> bytes:
    placeholder = CSRF_PLACEHOLDER.encode()
    if placeholder not in content:
        return content
    return content.replace(placeholder, get_token(request).encode())


def rendering_for_cache(request: HttpRequest | None) -> bool:
    return getattr(request, "page_cache_entry", None) is not None


def csrf_placeholder(request: HttpRequest) -> dict:
    """Template context processor: a page rendered for the cache gets the
    placeholder as its CSRF token (it overrides Django's built-in ``csrf_token``)."""
    if not rendering_for_cache(request):
        return {}
    return {"csrf_token": CSRF_PLACEHOLDER}


class PageCacheMiddleware:
    """Serves cached pages early and stores new ones; place it first, with
    ``PageCacheViewMiddleware`` after the message middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        # Only for its cookie handling: the visitor's token and the cookie that carries it.
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        visitor = self._early_visitor(request)
        if visitor is not None:
            language = page_language(request)
            key = page_key(request=request, language=language)
            version, stored = _lookup(key)
            if stored is not None:
                return self._serve(request, stored, language=language, visitor=visitor)
            # For the view-level middleware: no second lookup if the page is to be rendered.
            request.page_cache_lookup = (key, version)
        response = self.get_response(request)
        to_store = getattr(request, "page_cache_store", None)
        if to_store is not None:
            key, version, dependencies, content = to_store
            headers = {
                name: value
                for name, value in response.headers.items()
                if name.lower() not in UNSTORED_HEADERS
            }
            store(key=key, version=version, dependencies=dependencies, page=(headers, content))
        return response

    @staticmethod
    def _early_visitor(request: HttpRequest) -> EarlyVisitor | None:
        """Who asks, if they may be served here: no session cookie is an anonymous
        visitor (no user, no cart, no session messages, no page password), a
        session cookie is read (``_visitor_from_session``). With a message cookie,
        messages are kept there. Anyone else goes through the whole stack, where the
        view-level middleware looks at the session itself."""
        # A cookie deleted by the last response may still be sent, empty.
        cookies = request.COOKIES
        path = request.path_info
        if not (
            enabled()
            and request.method == "GET"
            and not settings.CSRF_USE_SESSIONS
            and not cookies.get(CookieStorage.cookie_name)
            and path not in _UNCACHED_PATHS
            and not path.startswith((settings.STATIC_URL, settings.MEDIA_URL))
            # SecurityMiddleware, below, redirects it to HTTPS.
            and (request.is_secure() or not settings.SECURE_SSL_REDIRECT)
        ):
            return None
        if not cookies.get(settings.SESSION_COOKIE_NAME):
            return ANONYMOUS
        return _visitor_from_session(request)

    def _serve(
        self, request: HttpRequest, stored: tuple, *, language: str, visitor: EarlyVisitor
    ) -> HttpResponse:
        # As CsrfViewMiddleware would: the visitor's secret from their cookie (or a
        # new one), a token from it in the page, the cookie (re)set on the response.
        self.csrf.process_request(request)
        headers, content = stored
        signed_in, count = visitor
        content = _for_visitor(
            content,
            request=request,
            language=language,
            signed_in=signed_in,
            cart_count=lambda: count,
        )
        return self.csrf.process_response(request, HttpResponse(content, headers=headers))


class PageCacheViewMiddleware:
    """Decides which pages are stored, and serves visitors with a session (signed
    in, or with a cart); place it after the session, CSRF, authentication and
    message middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with shown.collecting() as products:
            response = self.get_response(request)
        entry = getattr(request, "page_cache_entry", None)
        if entry is None or response.streaming:
            return response
        key, version = entry
        content = response.content
        if (
            request.method == "GET"
            and version is not None
            and _may_store(request=request, response=response)
        ):
            # PageCacheMiddleware stores it, with the headers of the whole stack.
            dependencies = {product_dependency(product) for product in products}
            request.page_cache_store = (key, version, dependencies, content)
        response.content = _for_own_visitor(content, request)
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
            version, stored = _lookup(key)
            if stored is not None:
                headers, content = stored
                return HttpResponse(_for_own_visitor(content, request), headers=headers)
        else:
            key, version = lookup
        request.page_cache_entry = (key, version)
        return None


def _on_change(**kwargs) -> None:
    invalidate()


def _on_order_paid(*, order, **kwargs) -> None:
    order_id = order.pk
    _retire_sales_bands(
        lambda: ProductVariant.objects.filter(order_lines__order_id=order_id).values_list(
            "product_id", "order_lines__quantity"
        )
    )


def _on_line_refunded(*, line, quantity: int, **kwargs) -> None:
    variant_id = line.variant_id
    _retire_sales_bands(
        lambda: [
            (product, -quantity)
            for product in ProductVariant.objects.filter(pk=variant_id).values_list(
                "product_id", flat=True
            )
        ]
    )


def _retire_sales_bands(changes: Callable[[], Iterable[tuple[int, int]]]) -> None:
    """Cards show "已售 N" in bands (shop.catalogue.shown): a payment (units sold up)
    or refund (down) retires a product's pages when it moves the count across one.
    ``changes`` gives (product, units sold more); read, with the counts, once the
    change commits, outside its transaction (the payment waits for none of it)."""
    if _invalidating_once.get():
        return

    def retire() -> None:
        delta: dict[int, int] = {}
        for product, quantity in changes():
            delta[product] = delta.get(product, 0) + quantity
        now = units_sold(product_ids=list(delta))
        moved = [
            product
            for product, change in delta.items()
            if shown.sold_band(now.get(product, 0) - change) != shown.sold_band(now.get(product, 0))
        ]
        if moved:
            _retire([product_dependency(product) for product in moved])

    transaction.on_commit(retire, robust=True)


def connect_signals() -> None:
    """Invalidate on every change a storefront page shows that is saved through
    the ORM; changes made with ``update()`` (stock, the portal's variants) call
    ``invalidate()`` themselves."""
    page_published.connect(_on_change, dispatch_uid="page_cache.published")
    page_unpublished.connect(_on_change, dispatch_uid="page_cache.unpublished")
    post_page_move.connect(_on_change, dispatch_uid="page_cache.moved")
    # Cards show "已售 N", paid units less refunded ones: a payment changes no stock
    # (taken when the order was placed), nor does refunding goods already shipped.
    events.order_paid.connect(_on_order_paid, dispatch_uid="page_cache.order_paid")
    events.line_refunded.connect(_on_line_refunded, dispatch_uid="page_cache.line_refunded")
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
