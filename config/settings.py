"""One settings module, configured by environment variables (see docs/deploy.md).

The defaults are the embedded setup: SQLite, in-process Celery, local-memory
cache, console e-mail and the dummy payment gateway. ``DJANGO_DEBUG=0`` is
production mode, which requires SECRET_KEY, ALLOWED_HOSTS and
FIELD_ENCRYPTION_KEY and turns on the HTTPS protections.
"""

from pathlib import Path
from urllib.parse import urlsplit

from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from config.env import (
    ConfigurationError,
    cache_from_url,
    database_from_url,
    env_bool,
    env_fernet_keys,
    env_int,
    env_list,
    env_rsa_key,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", True)
PRODUCTION = not DEBUG

SECRET_KEY = env_str(
    "SECRET_KEY",
    "dev-only-insecure-key-do-not-use-in-production-5f1c9e2a",
    required=PRODUCTION,
)
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ConfigurationError("SECRET_KEY must be at least 50 characters long in production.")
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"], required=PRODUCTION
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "messaging",
    "producers",
    "shop",
    "aid_accounting",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "simple_history",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    # First: a cached storefront page is served from here (shop.catalogue.page_cache)
    # with the headers the whole stack gave it when it was stored (security, CSP), so
    # none of the middleware below runs for it. It leaves static files, and a request
    # the HTTPS redirect must answer, to the stack.
    "shop.catalogue.page_cache.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A database that refuses connections gives a 503 page, not a 500 (config/unavailable.py).
    "config.unavailable.DatabaseUnavailableMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "config.security.AdminContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After sessions, CSRF, users and messages: it decides which pages are stored.
    "shop.catalogue.page_cache.PageCacheViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After the user and allauth's middleware: staff sessions' MFA and time limits.
    "config.staff_auth.StaffSessionMiddleware",
    # Producer members opening the admin are sent to the portal (producers/portal).
    "producers.portal.admin_redirect.MembersToPortalMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, so that a locked-out log-in is answered before any view runs.
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Serves collected static files from the app server; in development
    # runserver serves them straight from static/.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.chrome",
                # Last: it replaces the CSRF token in pages rendered for the page cache.
                "shop.catalogue.page_cache.csrf_placeholder",
            ],
        },
    },
]

# Databases ---------------------------------------------------------------

DATABASES = {"default": database_from_url("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent
    # checkouts queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["TEST"] = {"CHARSET": "UTF8", "TEMPLATE": "template0"}
    # Wagtail's PostgreSQL search backend needs it.
    INSTALLED_APPS.append("django.contrib.postgres")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": cache_from_url("CACHE_URL"),
    # Wagtail writes every image rendition a page shows to its cache, even one it
    # found prefetched: 24 writes to Redis per listing page. In process memory they
    # cost little; each process fills its own (a few hundred bytes a rendition).
    "renditions": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "renditions",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    },
}
# Storefront pages are cached this long (shop.catalogue.page_cache); 0 turns it off.
# On by default only in production with a shared cache (Redis): a local-memory cache
# is per process, so one process could not retire the pages another has stored.
PAGE_CACHE_SECONDS = env_int(
    "PAGE_CACHE_SECONDS",
    300 if PRODUCTION and not CACHES["default"]["BACKEND"].endswith("LocMemCache") else 0,
)

# How often each process reads the page cache's generation counted in the database
# (which catches a retirement the cache missed while Redis was down): a page changed
# while Redis was unreachable may be served this long after Redis is back.
PAGE_CACHE_GENERATION_CHECK_SECONDS = 1

# With a shared cache, sessions are read from it (and written through to the
# database, so none is lost with the cache): a signed-in buyer's page from the page
# cache then reads only their user and cart count from the database.
if CACHES["default"]["BACKEND"] == "config.cache.FailOpenRedisCache":
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Aid accounting ------------------------------------------------------------

# Days a notice (公示) stays open for objections unless the officer publishing it
# chooses otherwise; households are paid a month's distribution only after it.
AID_NOTICE_WINDOW_DAYS = env_int("AID_NOTICE_WINDOW_DAYS", 7)
# Years a household's personal data is kept after it leaves the register, then anonymised
# (aid_accounting/privacy/retention.py, docs/privacy.md).
HOUSEHOLD_RETENTION_YEARS = env_int("HOUSEHOLD_RETENTION_YEARS", 5)

# After-sales (shop/aftersales/): how long after delivery a perishable's quality
# claim may be made, how long each side has for its step, and whether a producer
# who does not answer in time is taken to accept (the buyer's favour).
AFTERSALES_QUALITY_WINDOW_HOURS = env_int("AFTERSALES_QUALITY_WINDOW_HOURS", 48)
AFTERSALES_PRODUCER_HOURS = env_int("AFTERSALES_PRODUCER_HOURS", 48)
AFTERSALES_BUYER_DAYS = env_int("AFTERSALES_BUYER_DAYS", 7)
AFTERSALES_RETURN_RECEIPT_DAYS = env_int("AFTERSALES_RETURN_RECEIPT_DAYS", 10)
AFTERSALES_EDITOR_DAYS = env_int("AFTERSALES_EDITOR_DAYS", 5)
AFTERSALES_AUTO_ACCEPT = env_bool("AFTERSALES_AUTO_ACCEPT", True)
# Objections a visitor may send, as (count, seconds) windows (aid_accounting/notices/limits.py):
# per client address (counted in the cache) and per notice from all addresses (counted from
# the stored objections, so it holds with the cache down).
AID_OBJECTION_LIMITS_PER_ADDRESS = [(6, 3600), (20, 86400)]
AID_OBJECTION_LIMITS_PER_NOTICE = [(30, 3600), (100, 86400)]

# Authentication ------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "producers.auth.MobileNumberBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
# Buyers log in by e-mail or mobile number (with a password, or a code by e-mail or
# SMS) and sign up with either or both (shop.accounts.forms.SignupForm asks for one).
ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["phone", "email", "password1*", "password2*"]
ACCOUNT_FORMS = {
    "login": "shop.accounts.forms.LoginForm",
    "signup": "shop.accounts.forms.SignupForm",
    "request_login_code": "shop.accounts.forms.RequestLoginCodeForm",
    "change_phone": "shop.accounts.forms.ChangePhoneForm",
    "confirm_login_code": "shop.accounts.forms.ConfirmLoginCodeForm",
    "verify_phone": "shop.accounts.forms.VerifyPhoneForm",
}
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
# The SMS wording says five minutes (shop.accounts.texts); six digits fit a phone's keypad.
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 5 * 60
ACCOUNT_PHONE_VERIFICATION_TIMEOUT = 5 * 60
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
# allauth warns when no log-in method is a required sign-up field: here one of the two
# is, which its settings cannot say (the sign-up form checks it).
SILENCED_SYSTEM_CHECKS = ["account.W001"]
# Sign-up does not tell whether an e-mail address or number already has an account: it
# answers "we sent you a message" either way, and the owner of that address or number is
# told that someone tried to sign up with it (allauth's enumeration prevention). E-mail
# verification is mandatory for accounts without a verified mobile number; allauth's
# "mandatory" would require an e-mail at every sign-up, so the setting says "optional"
# and shop.account_adapter.EmailVerificationStage enforces it.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_ADAPTER = "shop.account_adapter.AccountAdapter"
# django-axes locks an account out after AXES_FAILURE_LIMIT failures in all three
# log-ins alike; allauth keeps only its per-address limit, so its own per-account one
# does not answer the shop's log-in first, differently and for a shorter time. Sign-ups
# and log-in attempts are limited per client address (AccountAdapter.get_client_ip, the
# address axes counts); the other limits are allauth's defaults.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip",
    "login": "30/m/ip,100/h/ip",
    "signup": "5/m/ip,20/h/ip",
}

# The proxies in front of the site that append to X-Forwarded-For (docs/deploy.md: one,
# the TLS proxy, in production). allauth's rate limits and axes' lock-outs both take the
# client's address from the entry the outermost trusted proxy wrote, so it cannot be
# spoofed by a header the client sends, nor is every client the proxy's one address.
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 1 if PRODUCTION else 0)
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
# A lock-out lasts LOCKOUT_MINUTES; a staff account's starts at STAFF_LOCKOUT_FIRST_MINUTES
# and grows STAFF_LOCKOUT_GROWTH-fold with each further round of failures from one
# address in a day (config.security.cool_off). Each attempt's lock ends on its own
# clock (AccessAttemptExpiration), and every failure is kept in axes' failure log.
LOCKOUT_MINUTES = 60
STAFF_LOCKOUT_FIRST_MINUTES = 1
STAFF_LOCKOUT_GROWTH = 4
AXES_COOLOFF_TIME = "config.security.cool_off"
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# One count per account however it was named: user name, e-mail or mobile number.
AXES_USERNAME_CALLABLE = "config.security.axes_username"
AXES_LOCKOUT_CALLABLE = "config.security.lockout_response"

# Staff (core.roles.is_staff_member) log in with TOTP as a second factor, and keep
# recovery codes; config.staff_auth enforces it and their sessions' time limits.
MFA_ADAPTER = "config.staff_auth.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("MFA_TOTP_ISSUER", "liugaizi")
# One 30-second step either side (RFC 6238 §5.2): a phone's clock a little off, or a
# code typed as it turns; allauth refuses a code used once already.
MFA_TOTP_TOLERANCE = 1
STAFF_SESSION_IDLE_MINUTES = env_int("STAFF_SESSION_IDLE_MINUTES", 30)
STAFF_SESSION_MAX_HOURS = env_int("STAFF_SESSION_MAX_HOURS", 12)

# Internationalisation: Simplified Chinese first, English second -------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# Static and media files --------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "config.storage.MediaStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Wagtail -----------------------------------------------------------------

WAGTAIL_SITE_NAME = _("刘垓子镇消费帮扶商城")
# The shop's address in links sent out (messages, payment callbacks); in `make run`
# it follows the port served.
SITE_URL = env_str("SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}")
WAGTAILADMIN_BASE_URL = SITE_URL
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "pdf", "txt", "xlsx"]
# Documents are staff's files: a random key in their address, and only the permission-
# checked view serves them (shop/views/documents.py), never the web server's /media/.
WAGTAILDOCS_DOCUMENT_MODEL = "shop.PrivateDocument"
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 15 * 1024 * 1024
# Every uploaded photo is re-encoded without its EXIF (GPS) block, in the formats that
# can be (shop/catalogue/images.py).
WAGTAILIMAGES_IMAGE_FORM_BASE = "shop.catalogue.images.PhotoImageForm"
WAGTAILIMAGES_EXTENSIONS = ["jpg", "jpeg", "png", "webp"]
WAGTAIL_WORKFLOW_ENABLED = True
# The admin calls no outside server: no avatars from Gravatar (staff e-mail hashes),
# no release check (both also unreachable from many networks in China).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

# Celery: with no broker configured, tasks run eagerly in-process ---------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else None
)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# With the broker down, publishing gives up within seconds and the task runs in the
# process that queued it (config.celery.Task): a buyer's page must not hang on Redis.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
# Redis never takes a task back from a worker that died holding it (kill -9, a lost
# machine): another worker restores it this many seconds after it was taken. Keep it
# longer than the longest task, or a slow task also starts a second time (harmless, as
# every task is idempotent, but wasted).
# A Redis that accepts connections and never answers (hung, not down) must not hold a
# request either: every command to the broker and the result store gives up after
# REDIS_SOCKET_TIMEOUT seconds, and publishing then runs the task here (config.celery.Task).
REDIS_SOCKET_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
}
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Messages whose task was lost (broker down or hung) or whose retry is due.
    "relay-due-messages": {"task": "messaging.tasks.relay_due_messages", "schedule": 60.0},
    "expire-unpaid-orders": {"task": "shop.tasks.expire_unpaid_orders", "schedule": 60.0},
    # Refunds a provider did not answer, asked again with the same reference.
    "execute-pending-refunds": {"task": "shop.tasks.execute_pending_refunds", "schedule": 300.0},
    "confirm-overdue-deliveries": {
        "task": "shop.tasks.confirm_overdue_deliveries",
        "schedule": 3600.0,
    },
    "complete-due-orders": {"task": "shop.tasks.complete_due_orders", "schedule": 3600.0},
    # After-sales steps past their deadline decided, and reminders before it.
    "decide-overdue-aftersales": {
        "task": "shop.tasks.decide_overdue_aftersales",
        "schedule": 900.0,
    },
    # Producers who chose one morning message (Beijing time), and the parcels due by
    # tomorrow still unsent: after breakfast, not at night.
    "send-producer-digests": {
        "task": "shop.tasks.send_producer_digests",
        "schedule": crontab(hour=7, minute=30),
    },
    "send-ship-by-reminders": {
        "task": "shop.tasks.send_ship_by_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    # Daily, so a month closes on the first night it is due and a missed night catches up.
    # One e-mail per aid officer listing the objections not yet in a digest.
    "send-objection-digests": {
        "task": "aid_accounting.tasks.send_objection_digests",
        "schedule": crontab(minute=5),
    },
    "close-previous-period": {
        "task": "aid_accounting.tasks.close_previous_period",
        "schedule": crontab(hour=1, minute=30),
    },
    # Monthly, after the first night's close: the month households left must be closed.
    "apply-household-retention": {
        "task": "aid_accounting.tasks.apply_household_retention",
        "schedule": crontab(day_of_month=2, hour=3, minute=0),
    },
    # Yesterday's gateway statements (对账单), in CELERY_TIMEZONE (Beijing): WeChat Pay's
    # bills are ready after 10:00.
    "reconcile-statements": {
        "task": "shop.tasks.reconcile_statements",
        "schedule": crontab(hour=10, minute=30),
    },
}

# E-mail --------------------------------------------------------------------

# Production sends real mail by default (`check --deploy` rejects Django's console backend;
# ours is not in its list, so it is never the production default).
# In development the console shows each message readable (config/mail.py), not encoded.
_email_default = (
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "config.mail.ReadableConsoleBackend"
)
_email_backend = env_str("EMAIL_BACKEND", _email_default)
MAILERS = {
    "default": {
        "BACKEND": _email_backend,
        "OPTIONS": (
            {
                "host": env_str("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 587),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                # Per socket operation; well under OUTBOX_LEASE_SECONDS.
                "timeout": env_int("EMAIL_TIMEOUT", 30),
            }
            if _email_backend.endswith("smtp.EmailBackend")
            else {}
        ),
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "shop@liugaizi.example")

# Text messages -------------------------------------------------------------

# messaging.sms.backends: console (prints), locmem (tests) or a provider's adapter,
# aliyun or tencent (production refuses the first two: messaging/checks.py).
SMS_BACKEND = env_str("SMS_BACKEND", "console")
if SMS_BACKEND not in ("console", "locmem", "aliyun", "tencent"):
    raise ConfigurationError(
        f"SMS_BACKEND may be console, locmem, aliyun or tencent (got {SMS_BACKEND!r})."
    )
# Tries before an owed message is given up and shown to staff as failed.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 8)
# How long a relay holds a message it is sending; after it, the sweep takes the message
# over (its relay died). Keep it well above EMAIL_TIMEOUT and the SMS clients' timeouts.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 300)
# The approved signature (签名) and each registered template's id at the provider,
# as name=id pairs: SMS_TEMPLATE_IDS=order_paid=SMS_1234,login_code=SMS_5678.
SMS_SIGN_NAME = env_str("SMS_SIGN_NAME", "刘垓子镇")
SMS_TEMPLATE_IDS = dict(
    pair.split("=", 1) for pair in env_list("SMS_TEMPLATE_IDS", []) if "=" in pair
)
# The providers' adapters (messaging/sms/aliyun.py, tencent.py). Production refuses
# to start without the chosen provider's keys (messaging/checks.py). The endpoints and
# plain http are for tests, which point an adapter at a local fake of the provider.
SMS_ALIYUN_ACCESS_KEY_ID = env_str("SMS_ALIYUN_ACCESS_KEY_ID")
SMS_ALIYUN_ACCESS_KEY_SECRET = env_str("SMS_ALIYUN_ACCESS_KEY_SECRET")
SMS_ALIYUN_ENDPOINT = env_str("SMS_ALIYUN_ENDPOINT", "dysmsapi.aliyuncs.com")
SMS_TENCENT_SECRET_ID = env_str("SMS_TENCENT_SECRET_ID")
SMS_TENCENT_SECRET_KEY = env_str("SMS_TENCENT_SECRET_KEY")
SMS_TENCENT_APP_ID = env_str("SMS_TENCENT_APP_ID")  # the SMS application's SdkAppId
SMS_TENCENT_REGION = env_str("SMS_TENCENT_REGION", "ap-guangzhou")
SMS_TENCENT_ENDPOINT = env_str("SMS_TENCENT_ENDPOINT", "sms.tencentcloudapi.com")
SMS_PROVIDER_PROTOCOL = env_str("SMS_PROVIDER_PROTOCOL", "https")
if SMS_PROVIDER_PROTOCOL not in ("http", "https"):
    raise ConfigurationError(
        f"SMS_PROVIDER_PROTOCOL must be http or https (got {SMS_PROVIDER_PROTOCOL!r})."
    )
# Seconds. A provider that does not answer fails the try, which the outbox retries
# later, rather than holding a worker.
SMS_CONNECT_TIMEOUT = env_int("SMS_CONNECT_TIMEOUT", 3)
SMS_READ_TIMEOUT = env_int("SMS_READ_TIMEOUT", 5)
# Texts a visitor can make the shop send (log-in, sign-up and order look-up codes),
# as (count, seconds): at most 1 a minute, 5 an hour and 10 a day to one number,
# and 20 an hour asked from one address (messaging.sms.limits).
SMS_LIMITS_PER_NUMBER = [(1, 60), (5, 3600), (10, 86400)]
SMS_LIMITS_PER_ADDRESS = [(env_int("SMS_LIMIT_PER_ADDRESS_HOURLY", 20), 3600)]

# Payments ------------------------------------------------------------------

# The online gateways buyers choose from on the pay page, in the order offered
# (``offline``, a bank transfer recorded by staff, is always there for
# institutions). Production must name them: the dummy gateway, which lets a
# buyer mark their own order paid, is refused there (shop/checks.py).
PAYMENT_GATEWAYS = env_list("PAYMENT_GATEWAYS", ["dummy"], required=PRODUCTION)
for _gateway in PAYMENT_GATEWAYS:
    if _gateway not in ("dummy", "stripe", "wechatpay", "alipay"):
        raise ConfigurationError(
            f"PAYMENT_GATEWAYS may name dummy, stripe, wechatpay and alipay (got {_gateway!r})."
        )
_stripe = "stripe" in PAYMENT_GATEWAYS
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", required=_stripe, why="PAYMENT_GATEWAYS=stripe")
STRIPE_WEBHOOK_SECRET = env_str(
    "STRIPE_WEBHOOK_SECRET", required=_stripe, why="PAYMENT_GATEWAYS=stripe"
)
# Stripe.js needs it in the card payment page (it is public by design).
STRIPE_PUBLISHABLE_KEY = env_str(
    "STRIPE_PUBLISHABLE_KEY", required=_stripe, why="PAYMENT_GATEWAYS=stripe"
)
STRIPE_API_BASE = env_str("STRIPE_API_BASE")

# WeChat Pay (API v3) ---------------------------------------------------------

# Direct merchant (直连商户) with the "微信支付公钥" signature mode: WeChat Pay signs
# its answers and notifications with the public key named by WECHATPAY_PUBLIC_KEY_ID.
# Key files are read here, so a missing one stops start-up naming its path.
_wechatpay = "wechatpay" in PAYMENT_GATEWAYS
_why_wechatpay = "PAYMENT_GATEWAYS=wechatpay"
WECHATPAY_MCHID = env_str("WECHATPAY_MCHID", required=_wechatpay, why=_why_wechatpay)
WECHATPAY_APPID = env_str("WECHATPAY_APPID", required=_wechatpay, why=_why_wechatpay)
# For the web OAuth (snsapi_base) that gives a JSAPI payer's openid.
WECHATPAY_APP_SECRET = env_str("WECHATPAY_APP_SECRET", required=_wechatpay, why=_why_wechatpay)
WECHATPAY_APIV3_KEY = env_str("WECHATPAY_APIV3_KEY", required=_wechatpay, why=_why_wechatpay)
if WECHATPAY_APIV3_KEY and len(WECHATPAY_APIV3_KEY.encode()) != 32:
    raise ConfigurationError("WECHATPAY_APIV3_KEY must be 32 characters (the AES-256 key).")
WECHATPAY_CERT_SERIAL_NO = env_str(
    "WECHATPAY_CERT_SERIAL_NO", required=_wechatpay, why=_why_wechatpay
)
WECHATPAY_PUBLIC_KEY_ID = env_str(
    "WECHATPAY_PUBLIC_KEY_ID", required=_wechatpay, why=_why_wechatpay
)
WECHATPAY_PRIVATE_KEY = env_rsa_key(
    "WECHATPAY_PRIVATE_KEY_PATH", private=True, required=_wechatpay, why=_why_wechatpay
)
WECHATPAY_PUBLIC_KEY = env_rsa_key(
    "WECHATPAY_PUBLIC_KEY_PATH", private=False, required=_wechatpay, why=_why_wechatpay
)
# Empty: WeChat's own addresses. Tests point them at a local fake.
WECHATPAY_API_BASE = env_str("WECHATPAY_API_BASE")
WECHATPAY_OAUTH_BASE = env_str("WECHATPAY_OAUTH_BASE")

# Alipay ----------------------------------------------------------------------

# Alipay's open platform, RSA2 keys (docs/deploy.md): our app's private key signs
# requests, Alipay's public key verifies its answers and notifications. Both files
# are read now, so a missing one stops start-up naming its path.
_alipay = "alipay" in PAYMENT_GATEWAYS
ALIPAY_APP_ID = env_str("ALIPAY_APP_ID", required=_alipay, why="PAYMENT_GATEWAYS=alipay")
ALIPAY_PRIVATE_KEY = env_rsa_key(
    "ALIPAY_PRIVATE_KEY_PATH", private=True, required=_alipay, why="PAYMENT_GATEWAYS=alipay"
)
ALIPAY_PUBLIC_KEY = env_rsa_key(
    "ALIPAY_PUBLIC_KEY_PATH", private=False, required=_alipay, why="PAYMENT_GATEWAYS=alipay"
)
# Production; the sandbox is https://openapi-sandbox.dl.alipaydev.com/gateway.do.
ALIPAY_GATEWAY_URL = env_str("ALIPAY_GATEWAY_URL", "https://openapi.alipay.com/gateway.do")
_alipay_gateway = urlsplit(ALIPAY_GATEWAY_URL)
if _alipay_gateway.scheme not in ("http", "https") or not _alipay_gateway.hostname:
    raise ConfigurationError(
        f"ALIPAY_GATEWAY_URL must be an http(s) address (got {ALIPAY_GATEWAY_URL!r})."
    )
# The pay page's form is answered with a redirect to the gateway, which sends the
# buyer on to its cashier on a sibling host (excashier.alipay.com, mclient.alipay.com;
# the sandbox's under dl.alipaydev.com): browsers hold every hop to form-action.
_alipay_form_action = [f"{_alipay_gateway.scheme}://{_alipay_gateway.netloc}"]
if _alipay_gateway.hostname.count(".") >= 2 and not _alipay_gateway.hostname[-1].isdigit():
    _alipay_form_action.append(f"https://*.{_alipay_gateway.hostname.split('.', 1)[1]}")

# Personal data -------------------------------------------------------------

# Comma-separated Fernet keys, newest first; older keys still decrypt (rotation).
FIELD_ENCRYPTION_KEYS = env_fernet_keys(
    "FIELD_ENCRYPTION_KEY",
    ["Wm9uZ1dvcmtzLWRldi1vbmx5LWtleS0wMDAwMDAwMDA="],
    required=PRODUCTION,
)

# Security headers and cookies ------------------------------------------------

# No inline script or style anywhere in the shop or the portal: every script is a
# file under static/js. The admin gets a relaxed copy (config.security), the Stripe
# page Stripe's own sources (shop.payments.stripe.views).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-src": [CSP.NONE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    # Paying by Alipay through Stripe answers the order's POST with a redirect to
    # Stripe and on to Alipay, and browsers hold form redirects to form-action too.
    "form-action": [CSP.SELF]
    + (["https://hooks.stripe.com", "https://*.alipay.com"] if _stripe else [])
    + (_alipay_form_action if _alipay else [])
    # WeChat Pay H5's cashier and WeChat's OAuth page, reached from the pay button.
    + (["https://wx.tenpay.com", "https://open.weixin.qq.com"] if _wechatpay else []),
    "upgrade-insecure-requests": PRODUCTION,
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Wagtail logs every page action and background task at INFO; the seed
    # command would print hundreds of lines.
    "loggers": {
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs each step of printing a certificate at INFO.
        "weasyprint": {"level": "WARNING"},
        # Eager tasks would log every run; a real worker logs them (at INFO).
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}
