"""Settings shared by every environment; everything that varies comes from the environment.

See https://docs.djangoproject.com/en/6.0/ref/settings/ for each Django setting.
"""

import hashlib
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from streamapp import db
from streamapp.email_url import parse_email_url

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
    # Single sign-on's provider identities (accounts/sso/).
    "accounts.sso",
    "catalog",
    "listening",
    "recommend",
    "analytics",
    # The Subsonic / OpenSubsonic API for mobile and desktop players (/rest/...).
    "subsonic",
    # The demo generator (seed_demo) builds on all the apps above: it comes last.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (see "Security headers" below).
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "streamapp.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # A NUL in a URL (%00) or the Authorization header is a 400 naming it, before a query refuses it.
    "streamapp.middleware.UnstorableTextMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A log-in header (Remote-User) from a trusted reverse proxy; off unless STREAMAPP_REMOTE_USER_HEADER.
    "accounts.sso.remote_user.TrustedProxyRemoteUserMiddleware",
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
# Django's ModelBackend, reading the session's user from the database on every request (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.CachedModelBackend",
    # Single sign-on (docs/production.md "Single sign-on"): each answers only when configured below.
    "accounts.sso.oidc.OIDCBackend",
    "accounts.sso.remote_user.TrustedProxyBackend",
]
# Log-in protection (django-axes, accounts/lockout.py): its backend refuses a locked account or address
# first; its middleware (last in MIDDLEWARE) keeps each check's own answer to a lock (accounts.lockout.
# lockout_response). See docs/production.md.
INSTALLED_APPS += ["axes"]
AUTHENTICATION_BACKENDS = ["accounts.backends.LoginProtectionBackend", *AUTHENTICATION_BACKENDS]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]
# Failed log-ins (per account, and per client address) before a lock, and how long a lock lasts (every
# further failure during it starts it again).
STREAMAPP_LOGIN_FAILURE_LIMIT = int(os.environ.get("STREAMAPP_LOGIN_FAILURE_LIMIT", "5"))
STREAMAPP_LOGIN_LOCK_SECONDS = int(os.environ.get("STREAMAPP_LOGIN_LOCK_SECONDS", "900"))
# The "forgot your password" form: requests per client address and e-mails per account in a sliding
# window of this many seconds (accounts.forms.ThrottledPasswordResetForm).
STREAMAPP_PASSWORD_RESET_ADDRESS_LIMIT = int(os.environ.get("STREAMAPP_PASSWORD_RESET_ADDRESS_LIMIT", "10"))
STREAMAPP_PASSWORD_RESET_ACCOUNT_LIMIT = int(os.environ.get("STREAMAPP_PASSWORD_RESET_ACCOUNT_LIMIT", "3"))
STREAMAPP_PASSWORD_RESET_WINDOW = int(os.environ.get("STREAMAPP_PASSWORD_RESET_WINDOW", "3600"))
AXES_FAILURE_LIMIT = "accounts.lockout.failure_limit"
AXES_COOLOFF_TIME = "accounts.lockout.cool_off"
AXES_LOCKOUT_PARAMETERS = "accounts.lockout.lockout_parameters"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True  # a successful log-in clears its account's failures (not its address's)
AXES_DISABLE_ACCESS_LOG = True  # no row per successful log-in: only failures are kept
AXES_VERBOSE = False
AXES_USERNAME_FORM_FIELD = "username"
# The client's address behind a proxy: the last X-Forwarded-For entry when REMOTE_ADDR is one of these
# (the same variable and default as gunicorn's, deploy/gunicorn.conf.py).
FORWARDED_ALLOW_IPS = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_HANDLER = "accounts.lockout.DatabaseHandler"  # axes' own, one query per lock check
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
                # {{ csp_nonce }}: only for an inline script rendered per request, never inside a part
                # kept across requests ({% once %}, catalog.pages): a kept nonce would be stale.
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # {{ player_settings }}: the web player's settings menu and the account's defaults.
                "accounts.context_processors.player_settings",
            ],
            # The project's UI library ({% load ui %}): tags every app's templates share (streamapp/ui/).
            "libraries": {"ui": "streamapp.ui.tags"},
        },
    },
]

# ------------------------------------------------------------------------------
# Security headers: https://docs.djangoproject.com/en/6.0/ref/csp/
# A strict Content-Security-Policy: scripts and style sheets come from our own files only (no inline
# <script>, no inline event handlers, no eval: htmx's allowEval is off), never from another site.
# Style attributes (style="--hue: 220") stay allowed: covers, tiles and heatmap cells get their colour
# from one, written by the templates and the kept page parts; a style attribute can't run script.
# ------------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    # CSP.NONCE appears in the header only on a page that used {{ csp_nonce }}; none does today.
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "style-src-attr": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "media-src": [CSP.SELF, "blob:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Browser features no page needs are switched off for us and for anything we'd embed; the player keeps
# autoplay (the next track starts by itself) and fullscreen. Sent by streamapp.middleware.
STREAMAPP_PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": ["self"],
    "browsing-topics": [],
    "camera": [],
    "display-capture": [],
    "fullscreen": ["self"],
    "geolocation": [],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "midi": [],
    "payment": [],
    "usb": [],
}
# Django's defaults, named here so that they are seen: links to other sites carry no Referer, and a
# page opened from another site gets no handle on ours (window.opener).
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

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
# Redis through streamapp.cache.ResilientRedisCache: an unreachable Redis is a miss, never an error.
# Seconds to wait for a connection, and for an answer, before counting Redis as down.
STREAMAPP_CACHE_CONNECT_TIMEOUT = float(os.environ.get("STREAMAPP_CACHE_CONNECT_TIMEOUT", 0.5))
STREAMAPP_CACHE_SOCKET_TIMEOUT = float(os.environ.get("STREAMAPP_CACHE_SOCKET_TIMEOUT", 1.0))
# After a failure each process leaves Redis alone for this many seconds (then tries again).
STREAMAPP_CACHE_RETRY_SECONDS = float(os.environ.get("STREAMAPP_CACHE_RETRY_SECONDS", 5))
# An outage is logged (a warning) at most once per this many seconds per process.
STREAMAPP_CACHE_OUTAGE_LOG_SECONDS = float(os.environ.get("STREAMAPP_CACHE_OUTAGE_LOG_SECONDS", 60))
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "streamapp.cache.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {
                "socket_connect_timeout": STREAMAPP_CACHE_CONNECT_TIMEOUT,
                "socket_timeout": STREAMAPP_CACHE_SOCKET_TIMEOUT,
            },
        }
    }
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
# E-mail (password resets, invitations): EMAIL_URL, parsed by streamapp/email_url.py. Without it every
# mail is printed on the standard output (the console backend), so `make run` shows it.
# ------------------------------------------------------------------------------
EMAIL_URL = os.environ.get("EMAIL_URL", "")
globals().update(parse_email_url(EMAIL_URL))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "streamapp <noreply@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# A password reset link works for this many seconds (Django's default: 3 days; an hour is enough).
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT", 60 * 60))

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
        # DRF's TokenAuthentication counting wrong tokens as failed log-ins (accounts/lockout.py).
        "accounts.authentication.ProtectedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers, with a JSON parser that refuses documents nested too deep and unstorable text.
    "DEFAULT_PARSER_CLASSES": [
        "streamapp.api_parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
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
    # No validator badge: it is an image from validator.swagger.io, which the Content-Security-Policy blocks.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "displayOperationId": True, "validatorUrl": None},
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
# MEDIA_ROOT holds only album covers, the one public kind of file. Everything else the app writes lives
# outside it (streamapp.checks fails when an operator points one of these inside MEDIA_ROOT).
# Where the demo library's generated audio is written (it is imported like any other library, and its
# audio goes through /stream/ to logged-in listeners only).
STREAMAPP_DEMO_LIBRARY_DIR = Path(
    os.environ.get("STREAMAPP_DEMO_LIBRARY_DIR", VAR_DIR / "private" / "demo-library")
)
# Hand audio files to nginx with X-Accel-Redirect: the internal location that maps to "/".
STREAMAPP_X_ACCEL_REDIRECT_PREFIX = os.environ.get("STREAMAPP_X_ACCEL_REDIRECT_PREFIX", "")

# ffmpeg and ffprobe (Debian's package, installed by `make run` / `make test`): transcoding the streams
# and measuring loudness. A name is looked up on PATH.
STREAMAPP_FFMPEG = os.environ.get("STREAMAPP_FFMPEG", "ffmpeg")
STREAMAPP_FFPROBE = os.environ.get("STREAMAPP_FFPROBE", "ffprobe")
# Transcoded streams (docs/streaming.md): finished transcodes are kept here (outside MEDIA_ROOT: served
# only through /stream/), the least recently used deleted beyond the size limit; an ffmpeg run is
# killed after the timeout (below gunicorn's, GUNICORN_TIMEOUT: 45 s).
STREAMAPP_TRANSCODE_CACHE_DIR = Path(
    os.environ.get("STREAMAPP_TRANSCODE_CACHE_DIR", VAR_DIR / "private" / "transcodes")
)
STREAMAPP_TRANSCODE_CACHE_MAX_BYTES = int(
    os.environ.get("STREAMAPP_TRANSCODE_CACHE_MAX_BYTES", 2 * 1024 * 1024 * 1024)
)
STREAMAPP_TRANSCODE_TIMEOUT_SECONDS = float(os.environ.get("STREAMAPP_TRANSCODE_TIMEOUT_SECONDS", "40"))
# Loudness (docs/loudness.md): measure the files an import added or changed (a Celery task queued after
# it), how many ffmpeg processes measure at once (0: one per CPU), the longest one file may take, and
# the most files one run of the catalog.measure_loudness task measures before it queues the next run.
STREAMAPP_LOUDNESS_ON_IMPORT = env_bool("STREAMAPP_LOUDNESS_ON_IMPORT", True)
STREAMAPP_LOUDNESS_PROCESSES = int(os.environ.get("STREAMAPP_LOUDNESS_PROCESSES", "0"))
STREAMAPP_LOUDNESS_TIMEOUT_SECONDS = float(os.environ.get("STREAMAPP_LOUDNESS_TIMEOUT_SECONDS", "600"))
STREAMAPP_LOUDNESS_TASK_BATCH = int(os.environ.get("STREAMAPP_LOUDNESS_TASK_BATCH", "2000"))
# Uploaded listening histories wait here for their import (then are deleted). Outside MEDIA_ROOT on
# purpose: nothing under it may be served.
STREAMAPP_UPLOAD_DIR = Path(os.environ.get("STREAMAPP_UPLOAD_DIR", VAR_DIR / "uploads"))
# History imports: the most one upload's files may weigh together (the request may be 64 KiB more,
# for the form's other fields; nginx's client_max_body_size should allow that: 101m for the default),
# the most an uploaded zip may expand to and compress by (per member; real exports compress ~10-20:1),
# the most records one import reads and one listener's imports read in 24 hours (a heavy Spotify
# listener's ten years are a few hundred thousand rows). Beyond them an import stops with a message.
STREAMAPP_HISTORY_UPLOAD_MAX_BYTES = int(
    os.environ.get("STREAMAPP_HISTORY_UPLOAD_MAX_BYTES", 100 * 1024 * 1024)
)
STREAMAPP_HISTORY_MAX_EXPANDED_BYTES = int(
    os.environ.get("STREAMAPP_HISTORY_MAX_EXPANDED_BYTES", 2 * 1024 * 1024 * 1024)
)
STREAMAPP_HISTORY_MAX_COMPRESSION_RATIO = int(os.environ.get("STREAMAPP_HISTORY_MAX_COMPRESSION_RATIO", 100))
STREAMAPP_HISTORY_MAX_ROWS_PER_IMPORT = int(
    os.environ.get("STREAMAPP_HISTORY_MAX_ROWS_PER_IMPORT", 1_000_000)
)
STREAMAPP_HISTORY_MAX_ROWS_PER_DAY = int(os.environ.get("STREAMAPP_HISTORY_MAX_ROWS_PER_DAY", 2_000_000))
# Who may create an account (docs/configuration.md): `open` (anyone), `invite` (with an invitation staff
# create in the admin) or `closed` (staff create accounts in the admin). production.py defaults to invite.
STREAMAPP_SIGNUP = os.environ.get("STREAMAPP_SIGNUP") or "open"
if STREAMAPP_SIGNUP not in {"open", "invite", "closed"}:
    raise ImproperlyConfigured("STREAMAPP_SIGNUP must be open, invite or closed.")
# How many days a new invitation can be used (staff may change each one's expiry in the admin).
STREAMAPP_INVITATION_DAYS = int(os.environ.get("STREAMAPP_INVITATION_DAYS", "7"))
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
# Let anyone read any user's listens through the ListenBrainz API (ListenBrainz's own behaviour); off,
# a token user reads their own listens and staff read everyone's.
STREAMAPP_LISTENBRAINZ_PUBLIC_READS = env_bool("STREAMAPP_LISTENBRAINZ_PUBLIC_READS", False)
# The most tracks a listener's play queue holds (a longer context is cut there).
STREAMAPP_QUEUE_MAX_LENGTH = int(os.environ.get("STREAMAPP_QUEUE_MAX_LENGTH", "2000"))
# The analytics rollups leave the listens and plays inserted in the last this many seconds for the next
# run, so rows of transactions still open are not skipped by the id watermark.
STREAMAPP_ANALYTICS_ROLLUP_LAG_SECONDS = int(os.environ.get("STREAMAPP_ANALYTICS_ROLLUP_LAG_SECONDS", "120"))
# The nightly recommendation rebuild: where the trained model is saved for the chunk workers (shared
# storage when they run on several machines; the model holds every listener's plays and thumbs-down,
# so never under MEDIA_ROOT), and how many worker processes `rebuild_recommendations` generates with
# on PostgreSQL (0: one per CPU).
STREAMAPP_RECOMMEND_DIR = Path(os.environ.get("STREAMAPP_RECOMMEND_DIR") or VAR_DIR / "private" / "recommend")
STREAMAPP_RECOMMEND_PROCESSES = int(os.environ.get("STREAMAPP_RECOMMEND_PROCESSES", "0"))
# A rebuild's lock is refreshed by a heartbeat this often (seconds) from the process running the
# run's current stage; a lock whose last heartbeat is older than STREAMAPP_RECOMMEND_STALE_SECONDS
# belongs to a dead run (its worker was killed): the next rebuild takes it over and marks that run
# failed. Keep the stale limit several heartbeats long (a busy database may delay one).
STREAMAPP_RECOMMEND_HEARTBEAT_SECONDS = float(os.environ.get("STREAMAPP_RECOMMEND_HEARTBEAT_SECONDS", "20"))
STREAMAPP_RECOMMEND_STALE_SECONDS = float(os.environ.get("STREAMAPP_RECOMMEND_STALE_SECONDS", "120"))
# The nightly run chooses its model on a validation split of the site's own plays within this many
# seconds (docs/recommender.md "Model selection"); 0: 20% of the previous run's duration (at least
# 10 s, at most 10 minutes), or on a first run 10 s plus 1.5 s per million listens (at most 1 minute).
STREAMAPP_RECOMMEND_SELECTION_BUDGET_SECONDS = float(
    os.environ.get("STREAMAPP_RECOMMEND_SELECTION_BUDGET_SECONDS", "0")
)

# ------------------------------------------------------------------------------
# Sign-up and single sign-on (docs/production.md "Single sign-on")
# ------------------------------------------------------------------------------
# Single sign-on creates an account on a first log-in only when sign-up is open (STREAMAPP_SIGNUP, above).
# OpenID Connect (mozilla-django-oidc), on when a client id is set: the provider's discovery document
# (https://id.example.org/.well-known/openid-configuration), or its endpoints one by one (they win).
STREAMAPP_OIDC_PROVIDER_NAME = os.environ.get("STREAMAPP_OIDC_PROVIDER_NAME", "single sign-on")
STREAMAPP_OIDC_DISCOVERY_URL = os.environ.get("STREAMAPP_OIDC_DISCOVERY_URL", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = os.environ.get("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = os.environ.get("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = os.environ.get("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = os.environ.get("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_CLIENT_ID = os.environ.get("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = os.environ.get("OIDC_RP_CLIENT_SECRET", "")
OIDC_RP_SCOPES = os.environ.get("OIDC_RP_SCOPES", "openid email profile")
OIDC_RP_SIGN_ALGO = os.environ.get("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_USE_PKCE = True
OIDC_TIMEOUT = float(os.environ.get("OIDC_TIMEOUT", "10"))
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc-callback"
# The claim listing the user's groups, and the group whose members are staff (empty: staff is left
# as it is); the staff flag follows it on every log-in.
STREAMAPP_OIDC_GROUPS_CLAIM = os.environ.get("STREAMAPP_OIDC_GROUPS_CLAIM", "groups")
STREAMAPP_OIDC_STAFF_GROUP = os.environ.get("STREAMAPP_OIDC_STAFF_GROUP", "")
# Trusted reverse-proxy log-in (Authelia, Authentik...): the header naming the user (empty: off),
# honoured only on requests whose direct peer (REMOTE_ADDR) is one of these addresses or networks;
# an optional header of comma-separated groups, and the group whose members are staff.
STREAMAPP_REMOTE_USER_HEADER = os.environ.get("STREAMAPP_REMOTE_USER_HEADER", "")
STREAMAPP_TRUSTED_PROXIES = env_list("STREAMAPP_TRUSTED_PROXIES", [])
STREAMAPP_REMOTE_GROUPS_HEADER = os.environ.get("STREAMAPP_REMOTE_GROUPS_HEADER", "")
STREAMAPP_REMOTE_STAFF_GROUP = os.environ.get("STREAMAPP_REMOTE_STAFF_GROUP", "")


def require_env(name: str) -> str:
    """Return a required environment variable or refuse to start."""
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"The environment variable {name} is required.")
    return value
