"""Settings for skilleval, read from the environment (see config/env.py and README.md).

Defaults give the embedded setup: SQLite in WAL mode under ./var, the database task queue, console
messages. DATABASE_URL switches to PostgreSQL; TASKS_BACKEND=rq with REDIS_URL moves jobs onto Redis.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url

from config.env import env_bool, env_float, env_int, env_list, env_str, persistent_secret

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("SKILLEVAL_DATA_DIR", str(BASE_DIR / "var")))

SECRET_KEY = persistent_secret("SECRET_KEY", DATA_DIR / "secret_key")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "skilleval.audit",
    "skilleval.privacy",
    "skilleval.accounts",
    "skilleval.organization",
    "skilleval.catalog",
    "skilleval.people",
    "skilleval.eligibility",
    "skilleval.applications",
    "skilleval.payments",
    "skilleval.scheduling",
    "skilleval.results",
    "skilleval.certificates",
    "skilleval.discipline",
    "skilleval.statistics",
    "skilleval.workdays",
    "skilleval.jobs",
    "skilleval.notifications",
    "skilleval.web",
]

MIDDLEWARE = [
    "skilleval.web.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "skilleval.web.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "skilleval.web.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "skilleval.web.middleware.SessionLimitsMiddleware",
    "skilleval.web.middleware.SecondFactorMiddleware",
    "skilleval.web.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "skilleval.web.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "skilleval.web.context_processors.organization",
                "skilleval.web.context_processors.workspaces",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    # Persistent connections: a new PostgreSQL connection costs ~10 ms a request (BASELINES.md).
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 600),
            conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Django's backend, its health check skipping a connection that answered moments ago (see the module).
        DATABASES["default"]["ENGINE"] = "config.postgresql"
        DATABASES["default"]["HEALTH_CHECK_BYPASS_SECONDS"] = env_float("DB_HEALTH_CHECK_BYPASS_SECONDS", 0.5)
    if env_bool("DB_PREPARED_STATEMENTS", True):
        # Prepared statements where the code asks for one (`execute(..., prepare=True)` on a server-binding
        # cursor: the public verification lookup), never automatically; Django's own cursors bind on the
        # client and never prepare. Behind a pooler in transaction mode that cannot carry them (PgBouncer
        # before 1.21): DB_PREPARED_STATEMENTS=false, and the lookup is planned on every call.
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "skilleval.sqlite3",
            "OPTIONS": {
                # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so two
                # writers queue instead of failing with "database is locked" half-way through.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA busy_timeout=20000;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background jobs (Django Tasks API) and the shared cache ----------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# The cache holds short-lived counters (certificate verification limits). With REDIS_URL every worker shares
# them; without it (the embedded setup) each process keeps its own, so a limit is per worker.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "skilleval"}
}
RQ_QUEUES = {"default": {"URL": REDIS_URL or "redis://127.0.0.1:6379/0"}}
TASKS_BACKEND = env_str("TASKS_BACKEND", "db")
if TASKS_BACKEND == "rq":
    if not REDIS_URL:
        from config.env import ConfigError

        raise ConfigError("TASKS_BACKEND=rq needs REDIS_URL")
    INSTALLED_APPS += ["django_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
elif TASKS_BACKEND == "db":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    from config.env import ConfigError

    raise ConfigError(f"TASKS_BACKEND must be db, rq or immediate, not {TASKS_BACKEND!r}")

# --- Accounts -------------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "skilleval.accounts.passwords.CharacterClassValidator"},
]
AUTH_PASSWORD_VALIDATORS.insert(
    2, {"NAME": "skilleval.accounts.passwords.StaffLengthValidator", "OPTIONS": {"min_length": 12}}
)
# Staff change their password within this many days (SECURITY.md; 等保 8.1.4.1 a).
STAFF_PASSWORD_MAX_AGE_DAYS = env_int("STAFF_PASSWORD_MAX_AGE_DAYS", 90)
# Axes first: it refuses a locked-out username before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "skilleval.people.backends.IdentifierBackend",
]
LOGIN_URL = "login"
LOGOUT_REDIRECT_URL = "home"
LOGIN_REDIRECT_URL = "after-login"  # staff to the dashboard, institutions and candidates to their pages

# --- Internationalisation: Simplified Chinese first, English complete -----------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "skilleval" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Security (SECURITY.md "Accounts and sessions") ------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Sessions end after this long in all, and after the idle limits below (skilleval/web/middleware.py).
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 3600)
SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_IDLE_SECONDS_STAFF = env_int("SESSION_IDLE_SECONDS_STAFF", 15 * 60)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and bool(env_str("DATABASE_URL")))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
# With HSTS on, subdomains and the preload list follow unless turned off (`check --deploy` then passes).
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)

# Content-Security-Policy: scripts and styles only from our own static files, nothing inline (django-csp).
# data: images are the second-factor QR code drawn on the server; blob: is the desk camera's still frame.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Second factor: TOTP for staff and institution users (django-otp); the issuer names us in the phone app.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "skilleval")

# Lockout (django-axes): five wrong passwords lock that username for 30 minutes, whatever the address, so
# many candidates behind one exam-site address are never locked together. The username is the account the
# typed identifier names (mobile, e-mail or username), so three spellings of one account share one count.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "skilleval.people.backends.lockout_key"
AXES_CLIENT_IP_CALLABLE = "skilleval.web.middleware.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "skilleval.people.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_DISABLE_ACCESS_LOG = True  # our audit trail records logins (accounts/auth_events.py)
AXES_VERBOSE = False
# axes.W006 asks for the address in the lockout key; SECURITY.md wants the opposite (one exam site's shared
# address must not lock its candidates together), and the username lock does not depend on the address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# --- Personal data: field keys live apart from SECRET_KEY and the database (skilleval/privacy/keys.py) ------
FIELD_KEYS_JSON = env_str("SKILLEVAL_FIELD_KEYS")
FIELD_KEYS_FILE = env_str("SKILLEVAL_KEYS_FILE", str(DATA_DIR / "keys" / "field-keys.json"))
# The Ed25519 key that signs certificate QR statements (skilleval/certificates/signing.py); its public half is
# published at /certificates/public-key.pem. Generated once for the embedded setup, mounted in production.
CERTIFICATE_SIGNING_KEY_FILE = env_str(
    "SKILLEVAL_CERTIFICATE_KEY_FILE", str(DATA_DIR / "keys" / "certificate-signing.pem")
)
# Public verification logs its lookups through Redis in batches of this many rows (certificates/tally.py).
VERIFICATION_LOG_BATCH = env_int("SKILLEVAL_VERIFICATION_LOG_BATCH", 200)
# Where the public reaches this system: the certificate QR code opens {PUBLIC_URL}/v/<statement>.
PUBLIC_URL = env_str("SKILLEVAL_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
FIELD_CIPHER = env_str("SKILLEVAL_FIELD_CIPHER", "aes-256-gcm")

# --- Online payment providers: {"name": {"class": "dotted.path", "options": {...}}}; none by default --
PAYMENT_PROVIDERS: dict = {}

# --- Mail: console by default; real SMTP through EMAIL_URL-style settings later -------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "jinengrd@sh-sict.com")

# --- Logging: one line per event, with the request id; LOG_FORMAT=json gives one JSON object per line -------
LOG_FORMAT = env_str("LOG_FORMAT", "line")
if LOG_FORMAT not in ("line", "json"):
    from config.env import ConfigError

    raise ConfigError(f"LOG_FORMAT must be line or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "skilleval.web.logging.RequestIdFilter"}},
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s [req:%(request_id)s] %(message)s"},
        "json": {"()": "skilleval.web.logging.JsonLogFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
