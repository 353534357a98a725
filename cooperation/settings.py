"""Settings for Hợp tác, read from the environment (and an optional `.env` file).

Production-safe by default: DEBUG off, secure cookies, HTTPS redirect, HSTS. Development
and the test suite relax these through environment variables (see scripts/serve, scripts/test).
"""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# A development key is acceptable only when DEBUG is on; production must supply its own.
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")
else:
    SECRET_KEY = env("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The administration, open only to the admin and provincial staff roles.
    "cooperation.admin_site.RoleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "import_export",
    # django-axes, titled in Vietnamese in the administration.
    "cooperation.admin_site.AxesConfig",
    "cooperation",
    # Lowest project app: the trail every other app records into.
    "audit",
    "agreements",
    "activities",
    # Above activities (it listens to its workflow events), below reports (which tells it of
    # issued reports).
    "notifications",
    # The housing register (houses, and the households' personal data); above activities,
    # whose month entry it pre-fills, below reports.
    "housing",
    # Activity records behind the monthly figures: above activities (it registers the month's
    # suggestions and evidence in activities.prefill), below reports (coverage dashboards).
    "records",
    "reports",
    # The open API at /api/v1/ (django-ninja; listed so its docs use the bundled Swagger UI
    # from our static files, which the Content-Security-Policy allows, not a CDN).
    "api",
    "ninja",
    # Django's task framework (backport of django.tasks) and its database queue. Listed after
    # `cooperation`, whose `db_worker` (a wrapper that first fails orphaned render jobs)
    # takes precedence over the library's command of the same name.
    "django_tasks",
    # django-tasks-db, titled in Vietnamese in the administration.
    "cooperation.admin_site.TasksConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cooperation.middleware.SessionIdleRefreshMiddleware",
    "cooperation.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes must be last: it inspects the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cooperation.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cooperation.context_processors.user_scope",
                "cooperation.context_processors.notifications_unread",
            ],
        },
    },
]

WSGI_APPLICATION = "cooperation.wsgi.application"

# An empty DATABASE_URL (`DATABASE_URL= scripts/test`) means the embedded default, not a
# settings error.
DATABASES = {
    "default": env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Keep connections between requests (opening one cost 2,4–2,9 ms a request, issue 15),
    # checked before reuse so a restarted server costs one retry, not an error page.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a concurrent writer instead of failing with "database is locked".
    # BEGIN IMMEDIATE serialises writers, so a version check inside a transaction cannot be
    # raced; and wait for a concurrent writer instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        # Django's own, with a message its Vietnamese catalogue actually translates.
        "NAME": "cooperation.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: lock a username+IP pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

# Sessions end after inactivity (renewed on each request).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 2)
# The idle timeout: activity pushes the session's expiry forward, but a request writes the
# session row at most once every SESSION_REFRESH_SECONDS (cooperation.middleware.
# SessionIdleRefreshMiddleware) instead of on every request (SESSION_SAVE_EVERY_REQUEST
# made every GET a write and a commit). An idle session ends after between
# SESSION_COOKIE_AGE - SESSION_REFRESH_SECONDS and SESSION_COOKIE_AGE.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = env.int("SESSION_REFRESH_SECONDS", default=5 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["cooperation.formats"]
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
# Uploaded documents live outside the static root and are served only through scoped views.
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
MAX_UPLOAD_BYTES = env.int("MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)
# Households' personal data is kept this many years after the end of the plan the house was
# built under, then anonymised by `manage.py housing_anonymise` (docs/personal-data.md).
HOUSEHOLD_RETENTION_YEARS = env.int("HOUSEHOLD_RETENTION_YEARS", default=5)

# Security headers. Each production default can be relaxed through the environment for local
# HTTP use (scripts/serve and scripts/test do that); nothing relaxes them implicitly.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# No script of ours reads the CSRF cookie (forms carry the token), so hide it from scripts too
# (reported by the wapiti scan, scripts/scan).
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Background work (PDF rendering) runs as tasks of Django's task framework in a separate
# worker process. The default queue is a database table (django-tasks-db), worked by
# `manage.py db_worker`; TASKS_BACKEND selects another backend (the tests run tasks at once with
# django_tasks.backends.immediate.ImmediateBackend; several machines can share
# django_tasks_rq.RQBackend on Redis, see docs/deploy.md).
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Requests a minute per API token (or session user), counted in the default cache: with
# several app servers, point CACHES at a shared Redis or memcached so they count together.
API_RATE_PER_MINUTE = env.int("API_RATE_PER_MINUTE", default=120)

IMPORT_EXPORT_USE_TRANSACTIONS = True
# Without these django-import-export lets any staff account import into any model it shows.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# Email (notifications). SMTP in production; the console in development (DEBUG=1) unless
# EMAIL_BACKEND says otherwise; the test suite uses Django's locmem outbox.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Hợp tác <hoptac@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The portal's public address: every email links to it (no request to take the host from).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# The local hour from which send_reminders sends the daily digests.
NOTIFICATIONS_DIGEST_HOUR = env.int("NOTIFICATIONS_DIGEST_HOUR", default=7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
