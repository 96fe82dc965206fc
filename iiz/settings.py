"""Django settings, read from the environment through :mod:`iiz.config`.

Embedded default: SQLite in the project folder, no Redis (Celery tasks run in-process),
e-mail on the console. ``IIZ_PRODUCTION=1`` switches on every production safeguard and
requires SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL (PostgreSQL) and REDIS_URL.
"""

import os
import sys
import tempfile
import urllib.parse

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from iiz.config import BASE_DIR, ConfigError, email_settings, load

try:
    CONFIG = load(os.environ)
except ConfigError as error:
    # One line, no traceback: the operator sees what to fix.
    sys.stderr.write(f"IIZ configuration error: {error}\n")
    raise SystemExit(2) from None

PRODUCTION = CONFIG.production
DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.secret_key
ALLOWED_HOSTS = CONFIG.allowed_hosts
CSRF_TRUSTED_ORIGINS = CONFIG.csrf_trusted_origins

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "guardian",  # the per-case grants are its direct foreign-key rows (cases.models.CaseGrant)
    "simple_history",
    "axes",
    "iiz",
    "roles",
    "cases",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "iiz.middleware.NoStoreForSignedInMiddleware",
    "roles.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "iiz.middleware.IdleTimeoutMiddleware",  # after the messages (it says why), before any view
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "iiz.urls"
WSGI_APPLICATION = "iiz.wsgi.application"

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
                "roles.context_processors.navigation",
                "cases.context_processors.navigation",
                "iiz.context_processors.session",
            ],
        },
    },
]

# Persistent connections in production, checked before each request reuses one: a connection
# the database closed (restart, failover, an administrator's pg_terminate_backend) is replaced
# instead of failing the request.
DATABASES = {"default": dj_database_url.parse(CONFIG.database_url, conn_max_age=0 if DEBUG else 60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Wait for a busy writer instead of failing at once when two requests write together.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    # Tests use a file too (not Django's shared in-memory database), so concurrent
    # connections behave as in the running application: writers wait instead of failing.
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(tempfile.gettempdir(), f"iiz-test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "roles.User"
# Who may do what to a case is answered by the policy (cases/flow/policy.py, rules predicates
# over the memberships and the per-case grants), never by user.has_perm: the backends only
# log in (axes first, against password guessing) and serve the admin's model permissions.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2 as Django recommends, with the OWASP parameters (iiz/hashers.py: a login in well
# under 100 ms instead of about a second); the other hashers stay so that existing hashes
# (PBKDF2) still work: Django rehashes a password with Argon2 at the user's next login.
PASSWORD_HASHERS = [
    "iiz.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row, anonymous users get nothing
GUARDIAN_RAISE_403 = False
# guardian's object backend is not hooked on purpose: the grants are read once per request by
# cases/flow/grants.py for the policy, not through user.has_perm.
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]

# Brute-force protection (iiz/lockout.py): five failed logins lock the username from that
# client address for 30 minutes, and twenty failed logins from one address, whatever the
# usernames (credential stuffing), lock that address for 30 minutes. The address is the real
# client's (iiz/http.py client_address): X-Forwarded-For is believed only from the reverse
# proxies in IIZ_TRUSTED_PROXIES, so a stranger behind the same proxy locks out nobody else.
IIZ_TRUSTED_PROXIES = CONFIG.trusted_proxies
AXES_CLIENT_IP_CALLABLE = "iiz.http.client_address"
AXES_HANDLER = "iiz.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = 5
IIZ_LOGIN_FAILURES_PER_ADDRESS = 20
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# --- Second factor (django-otp: TOTP and single-use backup codes; roles/second_factor.py) ---
# After the password, a user with a confirmed device enters a code before any other page;
# the roles in IIZ_OTP_REQUIRED_ROLES ("staff": everyone with the admin) must set one up at
# their first login. Environment: IIZ_OTP_REQUIRED_ROLES=officer,secretariat,staff (default).
IIZ_OTP_REQUIRED_ROLES = list(CONFIG.otp_required_roles)
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
# OTPMiddleware right after the authentication (it marks request.user verified or not); ours
# after the idle timeout (a signed-out session is not asked for a code) and before any view.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, "django_otp.middleware.OTPMiddleware"
)
MIDDLEWARE.insert(MIDDLEWARE.index("iiz.middleware.IdleTimeoutMiddleware") + 1, "roles.middleware.SecondFactorMiddleware")
OTP_TOTP_ISSUER = "IIZ Valais"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # no secret key or QR code of a device in the admin
# Passkeys (django-otp-webauthn) where the browser offers them: a second factor beside the app
# and the backup codes, never a login without the password. The relying party is the host of
# IIZ_BASE_URL, the only origin allowed.
INSTALLED_APPS += ["django_otp_webauthn"]
OTP_WEBAUTHN_RP_NAME = "IIZ Valais"
# Browsers offer passkeys only on https and on localhost: elsewhere (a development server on
# 127.0.0.1) the origin is localhost's.
_PASSKEY_ORIGIN = CONFIG.base_url if CONFIG.base_url.startswith(("https://", "http://localhost")) else "http://localhost:8000"
OTP_WEBAUTHN_RP_ID = urllib.parse.urlsplit(_PASSKEY_ORIGIN).hostname
OTP_WEBAUTHN_ALLOWED_ORIGINS = [_PASSKEY_ORIGIN]
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# --- end of the second factor ---

# Internationalisation: German and French, Swiss formats (iiz/formats), Swiss time.
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["iiz.formats"]
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
TIME_ZONE = CONFIG.time_zone
LANGUAGE_COOKIE_NAME = "iiz_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600

STATIC_URL = "/static/"
# WhiteNoise serves the static files: from the apps' folders outside production (also with
# DEBUG off, so that `.ci/serve` needs no collectstatic), from STATIC_ROOT in production.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION  # no scan of a STATIC_ROOT that only production fills
STATIC_ROOT = CONFIG.static_root
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = CONFIG.media_root
# Uploaded files (iiz/config.py file_storage): a local folder that nothing serves, or an
# S3-compatible store. Downloads go only through the application's views.
STORAGES = {
    "default": CONFIG.file_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploads: scans and attachments up to IIZ_UPLOAD_MAX_MB (cases/documents/uploads.py checks each file).
# Files above 2.5 MB are streamed to a temporary file, not held in memory; a form carries
# at most a few files and 2.5 MB of other fields. The reverse proxy must accept request
# bodies a little above the limit (e.g. nginx client_max_body_size 25m).
IIZ_UPLOAD_MAX_BYTES = CONFIG.upload_max_bytes
# What a file may expand to and how many pixels an image may have (cases/documents/inspection.py),
# and clamd's socket where uploads are scanned for viruses (empty: not scanned).
IIZ_UPLOAD_MAX_INFLATED_BYTES = 150 * 1024 * 1024
IIZ_UPLOAD_MAX_PIXELS = 60_000_000
IIZ_CLAMD_SOCKET = CONFIG.clamd_socket
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 5
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# E-mail: console by default, SMTP from EMAIL_URL.
globals().update(email_settings(CONFIG.email_url))
DEFAULT_FROM_EMAIL = CONFIG.default_from_email
SERVER_EMAIL = CONFIG.server_email

# Cache and Celery: Redis when REDIS_URL is set; otherwise a local cache and tasks run
# in-process at once (CELERY_TASK_ALWAYS_EAGER), so nothing waits for a missing broker.
IIZ_REDIS_URL = CONFIG.redis_url  # /healthz reports Redis only when it is configured
if CONFIG.redis_url:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CONFIG.redis_url}}
    CELERY_BROKER_URL = CONFIG.redis_url
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged when it is done, and given back to the broker when its worker dies
# (killed, out of memory): another worker runs it again. The tasks are idempotent (a reminder
# or notification is marked sent in the transaction that sends it), so nothing goes twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Time limits (seconds): at the soft one the task gets SoftTimeLimitExceeded and can end
# cleanly (its transaction rolls back, it runs again at the next schedule); at the hard one
# the worker process is replaced. A sweep or a digest of the whole canton takes seconds.
CELERY_TASK_SOFT_TIME_LIMIT = 300
CELERY_TASK_TIME_LIMIT = 360
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The address of the application in e-mails (reminders link to the case).
IIZ_BASE_URL = CONFIG.base_url
# The load benchmark's minimal page (bench/load.py, cases/views/bench.py): off unless
# IIZ_BENCH_PAGES is on.
IIZ_BENCH_PAGES = CONFIG.bench_pages
# The CII101 periods (cases/deadlines/__init__.py) and the hour of the daily reminder digest.
IIZ_FIRST_MEETING_DAYS = 14
IIZ_PLAN_VALIDATION_DAYS = 10
IIZ_REVIEW_MONTHS = 3
IIZ_TEAM_REVIEW_MONTHS = 3
IIZ_DIGEST_HOUR = 7
# Retention (cases/retention, docs/data-protection.md "Retention"): a closed case is
# anonymised this many years after its end (environment IIZ_RETENTION_YEARS, default 10).
IIZ_RETENTION_YEARS = CONFIG.retention_years

# The IIZ accounting (cases/accounting/): an invoice is due this many days after it is sent.
IIZ_INVOICE_DAYS = 30
# The creditor of the invoices' QR-bill (the IIZ secretariat). IIZ_INVOICE_IBAN: a QR-IBAN
# (payments carry a QR reference made from the invoice number) or an ordinary IBAN (they carry
# an RF creditor reference). The default is the example QR-IBAN of the Swiss QR-bill
# specification, for the demo only: set the real account in production.
IIZ_INVOICE_IBAN = os.environ.get("IIZ_INVOICE_IBAN", "CH44 3199 9123 0008 8901 2")
IIZ_INVOICE_CREDITOR = {
    "name": os.environ.get("IIZ_INVOICE_CREDITOR_NAME", "Kanton Wallis IIZ-Sekretariat"),
    "street": os.environ.get("IIZ_INVOICE_CREDITOR_STREET", "Avenue du Midi"),
    "house_num": os.environ.get("IIZ_INVOICE_CREDITOR_HOUSE", "7"),
    "pcode": os.environ.get("IIZ_INVOICE_CREDITOR_POSTCODE", "1950"),
    "city": os.environ.get("IIZ_INVOICE_CREDITOR_TOWN", "Sion"),
    "country": "CH",
}
CELERY_BEAT_SCHEDULE: dict = {
    # cases/tasks.py: create the reminders of the CII101 deadlines, then send them.
    "sweep-reminders": {"task": "cases.sweep_reminders", "schedule": crontab(minute=5)},
    "send-reminders": {"task": "cases.send_reminders", "schedule": crontab(minute="*/10")},
    # cases/tasks.py: the notifications whose e-mail at once did not go, and the daily digest of
    # notifications at the hour of the reminders' digest.
    "catch-up-notifications": {"task": "cases.catch_up_notifications", "schedule": crontab(minute="*/10")},
    "send-notification-digests": {
        "task": "cases.send_notification_digests",
        "schedule": crontab(minute=0, hour=IIZ_DIGEST_HOUR),
    },
    # cases/tasks.py: anonymise the closed cases past their retention period, each night.
    "anonymise-due-cases": {"task": "cases.anonymise_due", "schedule": crontab(minute=30, hour=2)},
}
# The anonymisation rewrites rows of the append-only tables, which only their owner may do
# (docs/deployment.md): it runs on its own queue, served by a worker that connects as the owner.
CELERY_TASK_ROUTES = {"cases.anonymise_due": {"queue": "retention"}}

# Sessions: ended when the browser closes, after IIZ_SESSION_IDLE_MINUTES without a request
# (iiz/middleware.py; the page warns a minute before and offers to stay signed in), and at
# the latest eight hours after the last request.
# Stored in the database and read through the cache (Redis in production): a page reads no
# session row while the cache holds it, and any web process finds every session.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
IIZ_SESSION_IDLE_SECONDS = CONFIG.session_idle_minutes * 60
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads no cookie: the token is sent from <body hx-headers>
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO" if PRODUCTION else "WARNING"},
}
