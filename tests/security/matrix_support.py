"""The machinery of the authorisation matrix: walking the URL resolver, telling
the project's own patterns from third-party ones, filling a route's arguments
from the world, reading a response as an outcome, and logging the writes of a
request, so a refused POST can be shown to have changed nothing."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from wagtail.admin.viewsets import viewsets as admin_viewsets

from tests.security.matrix_world import World

PROJECT_APPS = ("shop", "producers", "aid_accounting", "config")


@dataclass(frozen=True)
class Pattern:
    # The full route as the resolver spells it, e.g. "portal/products/<int:page_id>/edit/".
    route: str
    namespace: str
    module: str  # where the view is defined


def walk(patterns=None, prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    """Every URL pattern of the project, depth first, with its full route.

    i18n_patterns' LocalePrefixPattern reads as "" in the default language, so
    the language-prefixed pages appear once, under their unprefixed routes."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = ":".join(part for part in (namespace, entry.namespace) if part)
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            view = getattr(callback, "view_class", None) or callback
            yield Pattern(
                route=prefix + str(entry.pattern),
                namespace=namespace,
                module=getattr(view, "__module__", ""),
            )


def project_viewset_namespaces() -> set[str]:
    """URL namespaces of the admin viewsets (snippets, ModelViewSets, their
    choosers) whose model belongs to one of the project's apps: their views are
    Wagtail's generic ones, but whether a role may use them is the project's call."""
    namespaces = set()
    for viewset in admin_viewsets.viewsets:
        model = getattr(viewset, "model", None)
        if isinstance(model, str):
            model = apps.get_model(model)
        if model is not None and model._meta.app_label in PROJECT_APPS:
            namespaces.add(viewset.url_namespace)
    return namespaces


def is_project_owned(pattern: Pattern, namespaces: set[str]) -> bool:
    return pattern.module.split(".")[0] in PROJECT_APPS or any(
        part in namespaces for part in pattern.namespace.split(":")
    )


ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")


def fill(route: str, arguments: dict[str, str], world: World) -> str:
    """The path of ``route`` with each ``<conv:name>`` replaced by its argument:
    "order_a" is that world object's pk, "order_a.number" an attribute of it,
    and "'text'" the text itself."""

    def value(match: re.Match) -> str:
        spec = arguments[match.group(1)]
        if spec.startswith("'"):
            return spec.strip("'")
        name, _dot, attribute = spec.partition(".")
        obj = world.objects[name]
        return str(getattr(obj, attribute or "pk"))

    # A regular-expression route's anchors (Wagtail's API router) are no part of the path.
    return "/" + ARGUMENT.sub(value, route).replace("^", "").replace("$", "")


# Outcomes -----------------------------------------------------------------------------

OK = "200"
LOGIN = "login"  # 302 to a log-in page: the portal's, the shop's or the admin's
DENIED = "denied"  # Wagtail's answer to PermissionDenied: 302 to /admin/ with a message
PORTAL = "portal"  # a producer member's request to the admin: 302 to the portal's home
FORBIDDEN = "403"
NOT_FOUND = "404"
NOT_ALLOWED = "405"  # GET on a POST-only action
REDIRECT = "302"  # any other redirect (a page that sends a user on, e.g. home)
REFUSALS = (LOGIN, DENIED, PORTAL, FORBIDDEN, NOT_FOUND)

ADMIN_HOME = "/admin/"
PORTAL_HOME = "/portal/"


def outcome(response) -> str:
    status = response.status_code
    if status in (301, 302):
        location = response["Location"]
        if location == ADMIN_HOME:
            return DENIED
        if location == PORTAL_HOME and response.wsgi_request.path.startswith(ADMIN_HOME):
            return PORTAL
        if "/login/" in location:
            return LOGIN
        return REDIRECT
    return str(status)


# Writes -------------------------------------------------------------------------------

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?(\w+)', re.I)
# A session may be saved by any request (a message, a language); it is no data of the shop's.
UNWATCHED_TABLES = {"django_session"}


class WriteLog:
    """Records every statement a request sends that writes a table: a refused
    request must send none, which says more than comparing rows afterwards
    (an update to the same value counts too) and costs nothing per table."""

    def __init__(self) -> None:
        self.writes: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        match = WRITE.match(sql)
        if match and match.group(1) not in UNWATCHED_TABLES:
            self.writes.append(sql[:160])
        return execute(sql, params, many, context)
