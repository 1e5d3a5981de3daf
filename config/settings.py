"""Settings for skilleval, read from the environment (see config/env.py and README.md).

Defaults give the embedded setup: SQLite in WAL mode under ./var, the database task queue, console
messages. DATABASE_URL switches to PostgreSQL; TASKS_BACKEND=rq with REDIS_URL moves jobs onto Redis.
"""

from pathlib import Path

import dj_database_url

from config.env import env_bool, env_int, env_list, env_str, persistent_secret

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
    "skilleval.web.middleware.AuditActorMiddleware",
    "skilleval.web.middleware.PasswordChangeRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
AUTHENTICATION_BACKENDS = ["skilleval.people.backends.IdentifierBackend"]
LOGIN_URL = "login"
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

# --- Security (SECURITY.md; the full set arrives with issue 10) -----------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and bool(env_str("DATABASE_URL")))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)

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
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
