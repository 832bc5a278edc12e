"""Liaison settings, driven by environment variables (12-factor).

Every variable is documented in docs/configuration.md; a test fails when one is not.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("LIAISON_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _secret_key() -> str:
    """Take the key from the environment, or keep a generated one under var/ for local use."""
    key = os.environ.get("DJANGO_SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "liaison.core",
    "liaison.accounts",
    "liaison.directory",
    "liaison.activities",
    "liaison.coordination",
    "liaison.implementation",
    "liaison.intake",
    "liaison.membership",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "liaison.accounts.middleware.UserLanguageMiddleware",
    "liaison.accounts.middleware.TwoFactorRequiredMiddleware",
    "liaison.core.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign-in"
LOGIN_REDIRECT_URL = "home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "liaison" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'liaison.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers proceed while one writer writes; IMMEDIATE avoids
        # "database is locked" on write transactions that start by reading.
        # cache_size: each connection keeps this many MB of pages itself (SQLite's default is
        # 2 MB), so a warm server does not depend on the OS page cache for its working set.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000; "
        f"PRAGMA cache_size=-{int(os.environ.get('SQLITE_CACHE_MB', '64')) * 1024};",
        "transaction_mode": "IMMEDIATE",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The planner's price of a random page read against a sequential one. PostgreSQL's default (4)
    # is for spinning disks; on SSDs, or with the working set in memory, index lookups cost about
    # what a sequential read does, and with the default the planner hashes whole tables (every
    # organisation, every share) where a few hundred index lookups answer (see docs/configuration.md).
    # JIT compilation: meant for long analytical queries, it costs 10-30 ms at the start of any
    # statement whose estimated cost passes jit_above_cost, a capped count of a page included.
    page_cost = os.environ.get("POSTGRES_RANDOM_PAGE_COST", "1.1").strip()
    jit = os.environ.get("POSTGRES_JIT", "off").strip()
    server_options = [
        *([f"-c random_page_cost={float(page_cost)}"] if page_cost else []),
        *([f"-c jit={'on' if jit.lower() in ('1', 'on', 'true', 'yes') else 'off'}"] if jit else []),
    ]
    if server_options:
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(server_options)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ar", _("Arabic")), ("vi", _("Vietnamese"))]
LANGUAGES_BIDI = ["ar"]
LOCALE_PATHS = [Path(os.environ.get("LIAISON_LOCALE_DIR", BASE_DIR / "locale"))]
TIME_ZONE = os.environ.get("LIAISON_TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "liaison" / "static"]
# Set for production (`liaison manage collectstatic`); unset, files are served from the app folders.
STATIC_ROOT = Path(os.environ["LIAISON_STATIC_ROOT"]) if os.environ.get("LIAISON_STATIC_ROOT") else None
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("LIAISON_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("LIAISON_FILE_STORAGE", "django.core.files.storage.FileSystemStorage")
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files are served from the app folders, so a fresh clone needs no collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Email (Django 6.1 MAILERS). With EMAIL_HOST set, mail goes out over SMTP; otherwise it is
# printed to the console, which suits the local demo.
if os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": int(os.environ.get("EMAIL_PORT", "25")),
                "username": os.environ.get("EMAIL_HOST_USER") or None,
                "password": os.environ.get("EMAIL_HOST_PASSWORD") or None,
                "use_tls": env_bool("EMAIL_USE_TLS", False),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "liaison@localhost")

# Background tasks (docs/tasks.md): application code uses django.tasks' `@task` and `enqueue`;
# LIAISON_TASKS chooses what runs them. `thread`: worker threads in the server process (nothing
# else to run; queued work is lost if the process dies). `immediate`: inside enqueue (the tests).
# `celery`: Celery workers fed through Redis or RabbitMQ at LIAISON_BROKER_URL.
TASK_QUEUES = ["default"]  # a queue added here needs a Celery worker that consumes it
TASK_MODES = ("thread", "immediate", "celery")


def tasks_setting(mode: str, *, broker_url: str = "", threads: int = 1) -> dict[str, dict[str, Any]]:
    """The TASKS setting for a mode; a mode that cannot work is refused before anything starts."""
    if mode == "thread":
        backend: dict[str, Any] = {
            "BACKEND": "liaison.core.tasks.ThreadBackend",
            "OPTIONS": {"threads": threads},
        }
    elif mode == "immediate":
        backend = {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
    elif mode == "celery":
        if not broker_url:
            raise ImproperlyConfigured(
                "LIAISON_TASKS=celery needs LIAISON_BROKER_URL, the broker's address: "
                "redis://host:6379/0 or amqp://user:password@host:5672/vhost"
            )
        scheme = broker_url.split("://", 1)[0] if "://" in broker_url else ""
        if scheme not in {"redis", "rediss", "amqp", "amqps", "pyamqp"}:
            # Only the scheme is quoted: the address may hold a password.
            raise ImproperlyConfigured(
                f"LIAISON_BROKER_URL must start with redis://, rediss://, amqp:// or amqps://, "
                f"not {scheme + '://' if scheme else 'without a scheme'}"
            )
        backend = {
            "BACKEND": "liaison.core.tasks.CeleryBackend",
            "OPTIONS": {"broker_url": broker_url, "queue_prefix": "liaison."},
        }
    else:
        raise ImproperlyConfigured(f"LIAISON_TASKS must be one of {', '.join(TASK_MODES)}, not {mode!r}")
    return {"default": {**backend, "QUEUES": list(TASK_QUEUES)}}


TASKS = tasks_setting(
    os.environ.get("LIAISON_TASKS", "thread").strip().lower() or "thread",
    broker_url=os.environ.get("LIAISON_BROKER_URL", "").strip(),
    threads=int(os.environ.get("LIAISON_TASK_THREADS", "1")),
)

# HTTPS is assumed unless switched off (the local demo and the tests serve plain HTTP).
HTTPS = env_bool("LIAISON_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("LIAISON_BEHIND_PROXY", False) else None
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("LIAISON_SESSION_SECONDS", str(8 * 3600)))
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Sign-in protection: failures counted from the security log.
LIAISON_SIGNIN_MAX_FAILURES_PER_USER = int(os.environ.get("LIAISON_SIGNIN_MAX_FAILURES_PER_USER", "5"))
LIAISON_SIGNIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LIAISON_SIGNIN_MAX_FAILURES_PER_ADDRESS", "20"))
LIAISON_SIGNIN_LOCKOUT_SECONDS = int(os.environ.get("LIAISON_SIGNIN_LOCKOUT_SECONDS", "900"))
# Roles whose members must use two-factor sign-in (comma-separated role names).
LIAISON_REQUIRE_2FA_ROLES = env_list("LIAISON_REQUIRE_2FA_ROLES", [])

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LIAISON_LOG_LEVEL", "WARNING")},
    # Django's task framework logs every task's start and end at INFO: not worth a line each.
    "loggers": {"django.tasks": {"level": os.environ.get("LIAISON_LOG_LEVEL", "WARNING")}},
}

# Imports: the largest file accepted (bytes).
LIAISON_IMPORT_MAX_BYTES = int(os.environ.get("LIAISON_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))

# Attachments of activities: the largest file accepted (bytes).
LIAISON_ATTACHMENT_MAX_BYTES = int(os.environ.get("LIAISON_ATTACHMENT_MAX_BYTES", str(20 * 1024 * 1024)))

# Document intake: the largest document accepted (bytes; see docs/intake.md).
LIAISON_INTAKE_MAX_BYTES = int(os.environ.get("LIAISON_INTAKE_MAX_BYTES", str(50 * 1024 * 1024)))

# Membership records: the home country (branches elsewhere are abroad), how long a transfer may
# wait between release and receipt before it shows on the checks, the largest dossier scan.
LIAISON_HOME_COUNTRY = os.environ.get("LIAISON_HOME_COUNTRY", "VN").strip().upper() or "VN"
LIAISON_TRANSFER_PENDING_DAYS = int(os.environ.get("LIAISON_TRANSFER_PENDING_DAYS", "30"))
LIAISON_DOSSIER_MAX_BYTES = int(os.environ.get("LIAISON_DOSSIER_MAX_BYTES", str(50 * 1024 * 1024)))

# Coordination: the address links in notification emails point to, and whether webhooks may
# call plain http and private addresses (local development only; see docs/coordination.md).
LIAISON_SITE_URL = os.environ.get("LIAISON_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
LIAISON_WEBHOOKS_ALLOW_INSECURE = env_bool("LIAISON_WEBHOOKS_ALLOW_INSECURE", DEBUG)
