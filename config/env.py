"""Reading configuration from the environment.

Every problem raises ``ConfigurationError`` naming the variable, so that
``manage.py`` and the WSGI entry point can stop with one clear line instead of
a traceback.
"""

import os
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


class ConfigurationError(ImproperlyConfigured):
    pass


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


_PRODUCTION = "production mode, DJANGO_DEBUG=0"


def env_str(
    name: str, default: str | None = None, *, required: bool = False, why: str = _PRODUCTION
) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if required:
            raise ConfigurationError(f"{name} must be set ({why}).")
        return default if default is not None else ""
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ConfigurationError(f"{name} must be 0 or 1 (got {value!r}).")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number (got {value!r}).") from None


def env_list(name: str, default: list[str], *, required: bool = False) -> list[str]:
    raw = env_str(name, required=required)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_fernet_keys(name: str, default: list[str], *, required: bool = False) -> list[str]:
    """Comma-separated Fernet keys; checked now, not at the first encrypted read."""
    from cryptography.fernet import Fernet

    keys = env_list(name, default, required=required)
    for key in keys:
        try:
            Fernet(key)
        except ValueError:
            raise ConfigurationError(
                f"{name} must be Fernet keys (32 url-safe base64-encoded bytes), comma-separated."
            ) from None
    return keys


def database_from_url(name: str, default: str) -> dict:
    """Parse DATABASE_URL with dj-database-url, accepting only the databases we support."""
    import dj_database_url

    url = env_str(name, default)
    scheme = urlsplit(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ConfigurationError(
            f"{name} must start with sqlite:// or postgres:// (got {url.split(':', 1)[0]!r})."
        )
    try:
        # Persistent connections are checked before each request reuses them: after a
        # PostgreSQL restart a worker's first request reconnects instead of answering 503.
        config = dj_database_url.parse(
            url,
            conn_max_age=60 if scheme != "sqlite" else 0,
            conn_health_checks=scheme != "sqlite",
        )
    except (ValueError, KeyError) as error:
        raise ConfigurationError(f"{name} is malformed: {error}") from None
    if scheme != "sqlite" and not config.get("NAME"):
        raise ConfigurationError(f"{name} must name a database (postgres://user@host:port/name).")
    if scheme != "sqlite" and config.get("PORT") not in ("", None):
        try:
            int(config["PORT"])
        except ValueError:
            raise ConfigurationError(f"{name} has a malformed port.") from None
    return config


def cache_from_url(name: str) -> dict:
    url = env_str(name)
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "aid-shop"}
    scheme = urlsplit(url).scheme
    if scheme in {"redis", "rediss"}:
        # Fails open (config/cache.py), and gives up quickly: a page must not wait
        # long on a cache that does not answer.
        return {
            "BACKEND": "config.cache.FailOpenRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "aid-shop"}
    raise ConfigurationError(f"{name} must start with redis:// or locmem:// (got {scheme!r}).")


def env_rsa_key(name: str, *, private: bool, required: bool = False, why: str = _PRODUCTION) -> str:
    """The RSA key in the PEM file whose path the variable holds (a payment
    provider's key), read now so that a missing or wrong file stops start-up
    naming it, not the first payment."""
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
    from cryptography.hazmat.primitives.serialization import (
        load_pem_private_key,
        load_pem_public_key,
    )

    path = env_str(name, required=required, why=why)
    if not path:
        return ""
    try:
        with open(path, encoding="ascii") as file:
            text = file.read()
    except OSError as error:
        raise ConfigurationError(f"{name}: cannot read {path} ({error.strerror}).") from None
    except UnicodeDecodeError:
        raise ConfigurationError(f"{name}: {path} is not a PEM file.") from None
    kind = "private" if private else "public"
    try:
        key = (
            load_pem_private_key(text.encode(), None)
            if private
            else load_pem_public_key(text.encode())
        )
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, RSAPrivateKey if private else RSAPublicKey):
        raise ConfigurationError(f"{name}: {path} is not an RSA {kind} key in PEM format.")
    return text
