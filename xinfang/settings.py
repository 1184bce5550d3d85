"""Settings, all from environment variables (healthchecks style).

DATABASE_URL defaults to a SQLite file so that a fresh clone runs with no set-up;
point it at PostgreSQL in production (postgres://user@host:5432/db).
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).lower() in ("1", "true", "yes", "on")


DEBUG = envbool("DEBUG", "false")
TESTING = envbool("XINFANG_TESTING", "false") or "pytest" in sys.modules

SECRET_KEY = os.getenv("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")

ALLOWED_HOSTS = [h for h in os.getenv("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.getenv("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # the ReDoc bundle, as a static file
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "xinfang.core",
    "xinfang.orgs",
    "xinfang.documents",
    "xinfang.cases",
    "xinfang.leadership",
    "xinfang.screening",
    "xinfang.incidents",
    "xinfang.accountability",
    "xinfang.notifications",
    "xinfang.portal",
    "xinfang.dashboard",
    "xinfang.api",
    "xinfang.loadtest",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "xinfang.core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "xinfang.core.middleware.SessionRenewalMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "xinfang.core.middleware.SingleSessionMiddleware",
    "xinfang.core.security.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "xinfang.urls"
WSGI_APPLICATION = "xinfang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "xinfang" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xinfang.core.context_processors.shell",
                "xinfang.notifications.context_processors.unread",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'xinfang.sqlite3'}"),
        conn_max_age=int(os.getenv("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"]["TEST"] = {"NAME": os.getenv("SQLITE_TEST_NAME", "")} if os.getenv("SQLITE_TEST_NAME") else {}
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # Short OLTP queries: PostgreSQL's JIT compiler costs 50–100 ms per large query (measured at 1,000,000 cases)
    # and never pays back here. Set PG_JIT=on to leave it to the server's setting.
    if os.getenv("PG_JIT", "off") == "off":
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "orgs.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "xinfang.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "xinfang.core.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# 30-minute idle expiry: a live session is renewed (expiry = now + AGE) by core.middleware.SessionRenewalMiddleware
# when its last renewal is SESSION_RENEW_SECONDS old — not written on every request.
SESSION_COOKIE_AGE = int(os.getenv("SESSION_IDLE_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_SECONDS = int(os.getenv("SESSION_RENEW_SECONDS", "60"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", "false")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# HTTPS (R-SEC): behind a TLS-terminating reverse proxy set SECURE_COOKIES=true, SECURE_SSL_REDIRECT=true,
# SECURE_HSTS_SECONDS=31536000 and SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (the proxy must set
# X-Forwarded-Proto and strip it from clients). `manage.py check --deploy` is clean with those (README).
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "false")
SECURE_HSTS_SECONDS = int(os.getenv("SECURE_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "true")
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "false")
if os.getenv("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER"], "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (xinfang.core.security.SecurityHeadersMiddleware): no inline or eval'd script anywhere;
# inline style attributes stay allowed (progress bars, ECharts). Downloads get a sandboxing policy of their own.
XINFANG_CSP = os.getenv(
    "XINFANG_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)
XINFANG_DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"

# Second factor (django-otp TOTP + recovery codes): required for the three admin roles, optional for others.
OTP_TOTP_ISSUER = os.getenv("OTP_TOTP_ISSUER", "信访工作管理系统")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
XINFANG_OTP_MAX_FAILURES = int(os.getenv("XINFANG_OTP_MAX_FAILURES", "5"))

# Per-address rate limits of the sign-in page and the API token endpoint ("count/seconds"; "" turns one off),
# on top of django-axes' per-account lockout. Counted in the default cache (below).
# Off under the test runner (the counters would carry from test to test) unless a test sets them.
XINFANG_LOGIN_RATE_LIMIT = os.getenv("XINFANG_LOGIN_RATE_LIMIT", "" if TESTING else "30/300")
XINFANG_TOKEN_RATE_LIMIT = os.getenv("XINFANG_TOKEN_RATE_LIMIT", "" if TESTING else "30/300")
# The public portal's limits (xinfang.portal.ratelimit reads these; off under the test runner unless set).
if os.getenv("XINFANG_PORTAL_SUBMIT_LIMIT") is not None:
    XINFANG_PORTAL_SUBMIT_LIMIT = os.environ["XINFANG_PORTAL_SUBMIT_LIMIT"]
if os.getenv("XINFANG_PORTAL_QUERY_LIMIT") is not None:
    XINFANG_PORTAL_QUERY_LIMIT = os.environ["XINFANG_PORTAL_QUERY_LIMIT"]
# The client address for rate limits and audit is REMOTE_ADDR unless a trusted proxy header is named here.
XINFANG_CLIENT_IP_HEADER = os.getenv("XINFANG_CLIENT_IP_HEADER", "")
XINFANG_PORTAL_CLIENT_IP_HEADER = XINFANG_CLIENT_IP_HEADER

# One cache shared by every worker process (rate-limit counters, the legal calendar's version token):
# a file-based cache under var/cache by default, XINFANG_CACHE_DIR to move it; per-process memory in tests.
if TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.getenv("XINFANG_CACHE_DIR", str(BASE_DIR / "var" / "cache")),
        }
    }

# Login lockout (django-axes): 5 failures -> locked for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_VERBOSE = False
# Lock the account itself (等保: 5 failures -> 15 minutes), whatever address the attempts come from.
# security.W021 (HSTS preload): an intranet host name cannot be on the browsers' public preload list.
SILENCED_SYSTEM_CHECKS = ["axes.W006", "security.W021"]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Third-party front-end files come from npm (package-lock.json) at build time; none is committed.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "xinfang" / "static",
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Backups (`make backup` / `make restore`, xinfang.core.backup): one folder per backup under BACKUP_DIR.
BACKUP_DIR = Path(os.getenv("XINFANG_BACKUP_DIR", str(BASE_DIR / "var" / "backups")))
# Uploaded and generated files live outside the web root and are served only through access checks.
MEDIA_ROOT = Path(os.getenv("XINFANG_MEDIA_ROOT", str(BASE_DIR / "var" / "files")))

# Personal-data protection (R-SEC). Keys come from the environment; the first field key encrypts,
# all of them decrypt (rotation: prepend a new key, run `manage.py rotate_field_keys`).
_DEV_FIELD_KEY = "ZGV2ZWxvcG1lbnQta2V5LWRvLW5vdC11c2UtaW4tcHJvZA=="
FIELD_ENCRYPTION_KEYS = [k for k in os.getenv("FIELD_ENCRYPTION_KEYS", "").split(",") if k]
HASH_INDEX_KEY = os.getenv("HASH_INDEX_KEY", "")
if not FIELD_ENCRYPTION_KEYS or not HASH_INDEX_KEY:
    if DEBUG or TESTING:
        FIELD_ENCRYPTION_KEYS = FIELD_ENCRYPTION_KEYS or [_DEV_FIELD_KEY]
        HASH_INDEX_KEY = HASH_INDEX_KEY or "development-hash-key"
    else:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS and HASH_INDEX_KEY must be set when DEBUG is off")
# Never serve a production system with the development keys (a stray DEBUG=false with dev keys set by hand).
if not (DEBUG or TESTING) and (
    SECRET_KEY.startswith("insecure-")
    or _DEV_FIELD_KEY in FIELD_ENCRYPTION_KEYS
    or HASH_INDEX_KEY == "development-hash-key"
):
    raise ImproperlyConfigured("development keys must not be used when DEBUG is off")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "xinfang.api.errors.exception_handler",
    "DATE_FORMAT": "%Y-%m-%d",
    "DATE_INPUT_FORMATS": ["%Y-%m-%d"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "信访工作管理系统 API",
    "DESCRIPTION": "xinfang REST API (v1)",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ loads ReDoc from our static files (drf-spectacular-sidecar), never from a CDN; the page template
    # (xinfang/templates/drf_spectacular/redoc.html) loads no web fonts.
    "REDOC_DIST": "SIDECAR",
}

# Counting of legal time limits: "civil_code" (start day not counted; a last day on a rest day moves to the
# next working day, 民法典 Art 201/203) or "calendar" (no shifting).
XINFANG_DEADLINE_COUNTING = os.getenv("XINFANG_DEADLINE_COUNTING", "civil_code")
XINFANG_CALENDAR_CACHE_SECONDS = int(os.getenv("XINFANG_CALENDAR_CACHE_SECONDS", "300"))

# Reminders, imports and the public portal
XINFANG_NOTIFY_EMAIL = envbool("XINFANG_NOTIFY_EMAIL", "false")
XINFANG_BASE_URL = os.getenv("XINFANG_BASE_URL", "")  # absolute links in reminder e-mails
XINFANG_IMPORT_INLINE_ROWS = int(os.getenv("XINFANG_IMPORT_INLINE_ROWS", "200"))
XINFANG_IMPORT_MAX_ROWS = int(os.getenv("XINFANG_IMPORT_MAX_ROWS", "5000"))
XINFANG_JOB_STALE_SECONDS = int(os.getenv("XINFANG_JOB_STALE_SECONDS", "900"))
# The marked error workbook of a failed import holds the uploaded personal data: deleted after this many hours.
XINFANG_JOB_FILE_RETENTION_HOURS = float(os.getenv("XINFANG_JOB_FILE_RETENTION_HOURS", "168"))
XINFANG_PORTAL_SESSION_SECONDS = int(os.getenv("XINFANG_PORTAL_SESSION_SECONDS", "1800"))
XINFANG_PORTAL_QUERY_MIN_SECONDS = float(os.getenv("XINFANG_PORTAL_QUERY_MIN_SECONDS", "0" if TESTING else "0.5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "WARNING")},
}

EMAIL_BACKEND = os.getenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
