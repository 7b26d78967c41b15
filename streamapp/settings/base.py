"""Settings shared by every environment; everything that varies comes from the environment.

See https://docs.djangoproject.com/en/6.0/ref/settings/ for each Django setting.
"""

import hashlib
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from streamapp import db

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("STREAMAPP_VAR_DIR", BASE_DIR / "var"))
# The embedded defaults (SQLite file, filesystem broker) live here; a fresh clone has no var/ yet.
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    """Return the boolean value of an environment variable (1/true/yes/on)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated environment variable as a list."""
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


# ------------------------------------------------------------------------------
# Core
# ------------------------------------------------------------------------------
SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "accounts",
    "catalog",
    "listening",
    "recommend",
    "analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a logged-in user unless its view is marked @login_not_required (log-in, sign-up,
    # the admin's log-in); DRF views opt out and authenticate requests themselves (session or token).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Pages are written the same for every listener (and cached so: catalog.pages); this presses the
    # like buttons of what the logged-in listener likes, in one pass over the finished page.
    "listening.like_state.LikeStateMiddleware",
    # A statement cut short by the web statement timeout (below) answers 503, not 500.
    "streamapp.db.StatementTimeoutMiddleware",
]

ROOT_URLCONF = "streamapp.urls"
WSGI_APPLICATION = "streamapp.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
# Django's ModelBackend, reading the session's user from the cache (accounts/backends.py).
AUTHENTICATION_BACKENDS = ["accounts.backends.CachedModelBackend"]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# ------------------------------------------------------------------------------
# Database: https://docs.djangoproject.com/en/6.0/ref/settings/#databases
# DATABASE_URL, by default a SQLite file under var/ so that a first run needs no server.
# ------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'streamapp.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the Celery worker and beat share the file: WAL lets readers run beside a
    # writer, IMMEDIATE transactions avoid lock-upgrade deadlocks, the timeout waits out a writer.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
# Bound each SQL statement of a web request (PostgreSQL's statement_timeout; 0: no bound), so that one
# slow read cannot hold a web worker and the database for everyone: it answers 503 instead
# (streamapp.db). Only in web processes (streamapp.wsgi and streamapp.asgi mark themselves): the Celery
# workers, management commands and nightly jobs run long statements on purpose.
STREAMAPP_WEB_STATEMENT_TIMEOUT_MS = int(os.environ.get("STREAMAPP_WEB_STATEMENT_TIMEOUT_MS", "20000"))
if db.is_web_process():
    DATABASES["default"] = db.with_statement_timeout(
        DATABASES["default"], timeout_ms=STREAMAPP_WEB_STATEMENT_TIMEOUT_MS
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ------------------------------------------------------------------------------
# Cache: https://docs.djangoproject.com/en/6.0/topics/cache/
# CACHE_URL redis://... in production; a local-memory cache by default.
# ------------------------------------------------------------------------------
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Cached entries include pickled model objects: a release that changes the models (so adds a migration)
# must not read the previous release's entries. The key prefix names the project's migrations, so it
# changes with them (sessions are cached_db: they survive, read again from the database).
_MIGRATIONS = sorted(path.relative_to(BASE_DIR).as_posix() for path in BASE_DIR.glob("*/migrations/0*.py"))
CACHES["default"]["KEY_PREFIX"] = os.environ.get(
    "STREAMAPP_CACHE_KEY_PREFIX",
    "streamapp-" + hashlib.sha256("\n".join(_MIGRATIONS).encode()).hexdigest()[:12],
)

# ------------------------------------------------------------------------------
# Passwords, i18n
# ------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# ------------------------------------------------------------------------------
# Static and media files: https://docs.djangoproject.com/en/6.0/howto/static-files/
# ------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# ------------------------------------------------------------------------------
# Celery: https://docs.celeryq.dev/en/stable/userguide/configuration.html
# By default kombu's filesystem transport under var/ (no server); redis://... in production.
# ------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or (
    CELERY_BROKER_URL
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    else f"file://{VAR_DIR / 'celery' / 'results'}"
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# ------------------------------------------------------------------------------
# Django REST framework: https://www.django-rest-framework.org/api-guide/settings/
# ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous API client is answered 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "streamapp.api.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "streamapp.api.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Writes are throttled per user, and so are expensive reads; other reads are not (the player's calls
    # have their own generous rate).
    "DEFAULT_THROTTLE_CLASSES": ["streamapp.api_throttles.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "writes": os.environ.get("STREAMAPP_API_WRITE_RATE", "120/min"),
        "player": os.environ.get("STREAMAPP_API_PLAYER_RATE", "600/min"),
        # Reads of big lists (a playlist's entries page by page, exports, statistics), per user.
        "reads-expensive": os.environ.get("STREAMAPP_API_EXPENSIVE_READ_RATE", "120/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "streamapp.api_schema.AutoSchema",
    "EXCEPTION_HANDLER": "streamapp.api.exception_handler",
}
# drf-spectacular: https://drf-spectacular.readthedocs.io/en/latest/settings.html
# The schema (/api/schema/) and its docs (/api/docs/) are public on purpose: they describe the API and
# hold no data; every operation in them needs a session or a token.
SPECTACULAR_SETTINGS = {
    "TITLE": "streamapp API",
    "DESCRIPTION": (
        "Catalog, listening history, likes, playlists and the player's queue. Authenticate with the "
        "session of a logged-in browser, or send `Authorization: Token <key>` with the API token shown "
        "on your profile page (or printed by `manage.py api_token USERNAME`). Writes and expensive reads are "
        "throttled per user (429 with Retry-After)."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PUBLIC": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    # Swagger UI's files come from the drf-spectacular-sidecar package, served as our static files
    # (drf-spectacular would load them from a CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "displayOperationId": True},
    "ENUM_NAME_OVERRIDES": {
        "LikeKindEnum": ["track", "album", "artist"],
        "MixKindEnum": "recommend.api.serializers.MIX_KINDS",
        "SimilarSourceEnum": "recommend.api.serializers.SIMILAR_SOURCES",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "streamapp.api_schema.postprocess_error_responses",
    ],
    "TAGS": [
        {"name": "catalog", "description": "Artists, albums, tracks and genres (read only)."},
        {"name": "history", "description": "Listening history: listens, submitting listens, now playing."},
        {"name": "likes", "description": "Liked tracks, albums and artists."},
        {"name": "playlists", "description": "Playlists: create, edit, reorder, share with collaborators."},
        {"name": "player", "description": "The web player: play reports, the saved queue, play contexts."},
        {"name": "recommendations", "description": "Recommended tracks, generated playlists, thumbs-down."},
        {"name": "radio", "description": "Radio sessions from any seed, similar tracks and artists."},
        {"name": "stats", "description": "A listener's stats: tops, minutes, clock, streaks, genres."},
    ],
}

# ------------------------------------------------------------------------------
# Logging
# ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# ------------------------------------------------------------------------------
# streamapp's own settings
# ------------------------------------------------------------------------------
# Where the demo library's generated audio is written (it is imported like any other library).
STREAMAPP_DEMO_LIBRARY_DIR = Path(os.environ.get("STREAMAPP_DEMO_LIBRARY_DIR", MEDIA_ROOT / "demo-library"))
# Hand audio files to nginx with X-Accel-Redirect: the internal location that maps to "/".
STREAMAPP_X_ACCEL_REDIRECT_PREFIX = os.environ.get("STREAMAPP_X_ACCEL_REDIRECT_PREFIX", "")
# Uploaded listening histories wait here for their import (then are deleted). Outside MEDIA_ROOT on
# purpose: nothing under it may be served.
STREAMAPP_UPLOAD_DIR = Path(os.environ.get("STREAMAPP_UPLOAD_DIR", VAR_DIR / "uploads"))
# Demo accounts (admin/admin, demo/demo) are refused in production mode.
STREAMAPP_ALLOW_DEMO_ACCOUNTS = True
# bench/http.py's bare page at /bench/bare/ (streamapp/bench_views.py); never on outside a benchmark.
STREAMAPP_BENCH_BARE_VIEW = env_bool("STREAMAPP_BENCH_BARE_VIEW", False)
# How long cached catalog reads (an album's or artist's page, new releases, the genre overview; see
# catalog.selectors) are reused at most; library imports, seed_demo and staff edits refresh them sooner.
# Without CACHE_URL every process has its own local-memory cache, which an import run by the Celery
# worker or the command line can't reach: the web server then keeps them for half a minute only.
_SHARED_CACHE = CACHES["default"]["BACKEND"].endswith("RedisCache")
STREAMAPP_CATALOG_CACHE_SECONDS = int(
    os.environ.get("STREAMAPP_CATALOG_CACHE_SECONDS", 3600 if _SHARED_CACHE else 30)
)
# How long a listener's sidebar library and liked ids (cached by listening.selectors) are reused at
# most; every change through the playlist and like services refreshes them at once (with the
# local-memory cache, only in the process that made it: then half a minute).
STREAMAPP_LIBRARY_SECONDS = int(os.environ.get("STREAMAPP_LIBRARY_SECONDS", 600 if _SHARED_CACHE else 30))
# The ListenBrainz API's rate limit (listening/listenbrainz/ratelimit.py): this many requests per this
# many seconds, in a sliding window, per token user (per client address for anonymous requests).
STREAMAPP_LISTENBRAINZ_RATE_LIMIT = int(os.environ.get("STREAMAPP_LISTENBRAINZ_RATE_LIMIT", "300"))
STREAMAPP_LISTENBRAINZ_RATE_WINDOW = int(os.environ.get("STREAMAPP_LISTENBRAINZ_RATE_WINDOW", "10"))
# The nightly recommendation rebuild: where the trained model is saved for the chunk workers (shared
# storage when they run on several machines; empty: MEDIA_ROOT/var/recommend), and how many worker
# processes `rebuild_recommendations` generates with on PostgreSQL (0: one per CPU).
STREAMAPP_RECOMMEND_DIR = os.environ.get("STREAMAPP_RECOMMEND_DIR", "")
STREAMAPP_RECOMMEND_PROCESSES = int(os.environ.get("STREAMAPP_RECOMMEND_PROCESSES", "0"))


def require_env(name: str) -> str:
    """Return a required environment variable or refuse to start."""
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} is required.")
    return value
