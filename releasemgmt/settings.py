"""Settings for releasemgmt, read from typed environment variables.

Development defaults to DEBUG on and an embedded SQLite file; production (DEBUG=false)
refuses to start without a real SECRET_KEY and turns on every transport protection.
"""

import base64
import hashlib
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, *, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, *, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value.strip() else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name: str, *, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    return [part.strip() for part in value.split(",") if part.strip()] or default


DEBUG = env_bool("DEBUG", default=True)

_DEV_SECRET = "django-insecure-development-only-never-use-in-production"  # noqa: S105
SECRET_KEY = os.environ.get("SECRET_KEY", "") or (_DEV_SECRET if DEBUG else "")
if not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("Set SECRET_KEY to a random string of 50+ characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "simple_history",
    "django_tables2",
    "django_filters",
    "django_htmx",
    "axes",
    "journal",
    "accounts",
    "projects",
    "items",
    "approvals",
    "qa",
    "planning",
    "releases",
    "evidence",
    "django_tasks_db",
    "notifications",
    "configuration",
    "measurement",
    "helpdesk",
    "rest_framework",
    "drf_spectacular",
    "api",
    "vcs",
    "imports",
    "conversation",
    "workplace",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "releasemgmt.middleware.NoStoreWithSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The user's own language and time zone, over the browser's (accounts/middleware.py).
    "accounts.middleware.UserLocaleMiddleware",
    "releasemgmt.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "projects.auditors.AuditorReadOnlyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "releasemgmt.middleware.MethodNotAllowedPageMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Repeated failed logins lock that username from that address for a while (django-axes).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend whose user knows whether it is an auditor (projects/auditors.py).
    "projects.auditors.AuditorAwareBackend",
    # Sessions logged in before it keep working (their user asks once per request).
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The password change form checks the old password through the lockout too: never log these.
AXES_SENSITIVE_PARAMETERS = ["old_password", "new_password1", "new_password2"]

# Reverse proxies in front of gunicorn that append to X-Forwarded-For (deploy/nginx.conf: 1).
# 0 ignores the header. The journal and the lockout both read the address through this.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
AXES_CLIENT_IP_CALLABLE = "releasemgmt.client_ip.client_ip_address"

ROOT_URLCONF = "releasemgmt.urls"
WSGI_APPLICATION = "releasemgmt.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# SQLite by default so `make run` needs nothing; PostgreSQL (psycopg 3 with Django's
# connection pool) through DATABASE_URL. The pool wants CONN_MAX_AGE = 0.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": env_int("DB_POOL_MIN", default=1),
            "max_size": env_int("DB_POOL_MAX", default=20),
            "timeout": env_int("DB_POOL_TIMEOUT", default=10),
        },
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Project-wide fixtures (e.g. `manage.py loaddata release_statuses`).
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "projects:list"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
# The languages offered (accounts' settings page, the browser's Accept-Language); each has a
# complete catalogue under locale/ (tests/test_translations.py holds it to that).
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The installation's zone: shown to users who chose none and whose browser said none.
TIME_ZONE = env_list("TIME_ZONE", default=["UTC"])[0]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # The manifest storage needs collectstatic first; development and tests serve plainly.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or env_bool("PLAIN_STATIC", default=False)
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Item attachments (conversation/), through the default storage; never served from a URL of
# their own: conversation.views checks access and sends each as a download.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)

# Journal: every tracked change keeps who, when, from where and why; never revertible.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

DJANGO_TABLES2_TEMPLATE = "django_tables2/releasemgmt.html"

# A strict Content-Security-Policy: nothing inline, nothing from elsewhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A login lasts one working day (SESSION_HOURS) and ends earlier when the browser closes: a
# portal left open on a shared machine must not stay signed in for Django's two weeks.
SESSION_HOURS = env_int("SESSION_HOURS", default=10)
if SESSION_HOURS < 1:
    raise ImproperlyConfigured("SESSION_HOURS must be 1 or more.")
SESSION_COOKIE_AGE = SESSION_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
PASSWORD_RESET_TIMEOUT = 3600  # a reset link works once, within the hour

# Mail (password resets) through Django 6.1's MAILERS: printed to the console in development,
# SMTP in production; the test runner swaps in the in-memory backend by itself.
DEFAULT_FROM_EMAIL = os.environ.get("MAIL_FROM", "releasemgmt@localhost")
if os.environ.get("MAIL_FILE_PATH"):
    # Each mail written as a file in that directory: tests that run the worker in another
    # process count what it sent (tests/test_multi_server.py). Never in production.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": os.environ["MAIL_FILE_PATH"]},
        }
    }
elif DEBUG:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
else:
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("SMTP_HOST", "localhost"),
                "port": env_int("SMTP_PORT", default=25),
                "username": os.environ.get("SMTP_USER", ""),
                "password": os.environ.get("SMTP_PASSWORD", ""),
                "use_tls": env_bool("SMTP_STARTTLS", default=False),
                "timeout": 10,  # a stuck mail server must not hold a worker
            },
        }
    }

# Background work (notification mails) through Django's tasks framework, queued in the
# database and run by `manage.py db_worker` (docs/OPERATIONS.md: running it, other backends).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The portal's address as users reach it: the links in notification mails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Members of a release are reminded this many days before its go-live (`manage.py notify_due`).
NOTIFY_DAYS_BEFORE_GO_LIVE = env_int("NOTIFY_DAYS_BEFORE_GO_LIVE", default=3)
if NOTIFY_DAYS_BEFORE_GO_LIVE < 0:
    raise ImproperlyConfigured("NOTIFY_DAYS_BEFORE_GO_LIVE must be 0 or more.")

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)

# Sealed journal (docs/EVIDENCE.md): seals are signed with an Ed25519 key kept outside the
# database: 32 random bytes in URL-safe base64 (`manage.py journal_seal --new-key`). The
# development fallback is derived from SECRET_KEY; `check --deploy` warns while it is in use.
SEAL_SIGNING_KEY = os.environ.get("SEAL_SIGNING_KEY", "")
SEAL_KEY_FROM_SECRET = not SEAL_SIGNING_KEY
if SEAL_KEY_FROM_SECRET:
    SEAL_SIGNING_KEY = base64.urlsafe_b64encode(
        hashlib.sha256(b"releasemgmt seal key:" + SECRET_KEY.encode()).digest()
    ).decode()
# Public halves of retired signing keys, so seals signed before a key change still verify.
SEAL_VERIFY_KEYS = env_list("SEAL_VERIFY_KEYS", default=[])
# When committed journal rows are sealed: "batch" by a thread of each process, every
# SEAL_BATCH_SECONDS, in one seal (production); "commit" right after each commit, before the
# request ends (development, tests); "off" only to measure the cost (bench/sealing.py).
JOURNAL_SEALING = os.environ.get("JOURNAL_SEALING", "") or ("commit" if DEBUG else "batch")
if JOURNAL_SEALING not in {"batch", "commit", "off"}:
    raise ImproperlyConfigured("JOURNAL_SEALING must be batch, commit or off.")
SEAL_BATCH_SECONDS = float(os.environ.get("SEAL_BATCH_SECONDS", "") or 2)
# How long a journal row may wait for its seal before journal_verify calls it unsealed.
SEAL_GRACE_MINUTES = env_int("SEAL_GRACE_MINUTES", default=10)
# PostgreSQL: the role the application connects as, granted least privilege after each
# migrate run by the owner role (docs/OPERATIONS.md). Empty: no grants are managed.
DB_APP_ROLE = os.environ.get("DB_APP_ROLE", "")

# The help desk posts tickets to /helpdesk/tickets/ with `Authorization: Bearer <token>`
# (docs/MEASUREMENT.md). Empty: the endpoint does not exist (404).
HELPDESK_TOKEN = os.environ.get("HELPDESK_TOKEN", "")

# Benchmarks only (bench/floor.py): mount the framework-floor page. Never set in production.
BENCH_FLOOR = env_bool("BENCH_FLOOR", default=False)

# The REST API (/api/v1/, docs/API.md): bearer tokens or the session (CSRF checked), JSON
# only, errors as RFC 9457 problem details, API_RATE_PER_MINUTE requests per token.
API_RATE_PER_MINUTE = env_int("API_RATE_PER_MINUTE", default=600)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.permissions.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.BoundedJSONParser"],
    "EXCEPTION_HANDLER": "api.problems.api_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "releasemgmt API",
    "DESCRIPTION": "Release management through the same engine, rules and journal as the "
    "portal. Errors are application/problem+json (RFC 9457); item writes need If-Match.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
