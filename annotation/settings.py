"""Settings, read from the environment only.

With no variables set the platform runs embedded: a SQLite file under ``DATA_DIR``, Celery
tasks executed eagerly in-process, media on local disk. Setting ``DATABASE_URL`` (PostgreSQL)
and ``CELERY_BROKER_URL`` (Redis) switches to the real stack.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# --- deployment mode ------------------------------------------------------------------------
# DJANGO_ENV=production is the one explicit switch for a public deployment: it turns the HTTPS
# settings on (each can still be set on its own below), insists on a SECRET_KEY from the
# environment and on a real e-mail backend. Unset (or "embedded"/"development"), the defaults
# keep `make demo` working over plain http on 127.0.0.1. A misspelt value is an error rather
# than a silently insecure deployment.
DJANGO_ENV = os.environ.get("DJANGO_ENV", "").strip().lower() or "embedded"
if DJANGO_ENV not in {"embedded", "development", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV={DJANGO_ENV!r}: use 'production' for a public deployment, or leave it unset"
    )
PRODUCTION = DJANGO_ENV == "production"


DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in DATA_DIR."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    if PRODUCTION:
        # Every web replica and worker must share one key; a generated file is per container.
        raise ImproperlyConfigured("DJANGO_ENV=production needs SECRET_KEY in the environment")
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",  # sign-in throttling: attempts and lockouts in the database
    "csp",  # Content-Security-Policy (its checks catch settings of the old format)
    "annotation",
    "annotation.security",
    "clips",
    "exports",
]

MIDDLEWARE = [
    # First: it times the whole request and sets the id every later log line carries.
    "annotation.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "annotation.api_errors.ApiAwareCommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "annotation.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as axes asks: turns a sign-in it refused into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "annotation.urls"
WSGI_APPLICATION = "annotation.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite ignores row locks: IMMEDIATE transactions take the write lock up front, so the
    # embedded mode serialises writers instead of failing them half-way (see services).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# A pool per process (Django's psycopg pool), shared by its threads: with DB_POOL_MAX_SIZE set,
# a process never holds more connections than that, however many threads serve requests, so a
# deployment opens at most web processes x DB_POOL_MAX_SIZE + workers, within PostgreSQL's
# max_connections (100 by default). Unset, each thread keeps its own (DB_CONN_MAX_AGE): fine
# for one-threaded processes (gunicorn's sync workers, Celery's prefork children).
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 0)
if DB_POOL_MAX_SIZE > 0 and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(env_int("DB_POOL_MIN_SIZE", 1), DB_POOL_MAX_SIZE),
        "max_size": DB_POOL_MAX_SIZE,
        # Seconds a request waits for a free connection before it fails (a 500, logged).
        "timeout": env_int("DB_POOL_TIMEOUT", 30),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django refuses both
# The hot paths' statements (compiled_sql.prepared_cursor) are prepared on the server at their
# first run on a connection; Django's own client-side cursors never prepare. Off behind a
# pooler that cannot keep prepared statements (PgBouncer before 1.21 in transaction mode).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DB_PREPARED_STATEMENTS", True
):
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 0
if "pool" in DATABASES["default"].get("OPTIONS", {}):
    # Django's backend, its pool checking a connection only after it idled (annotation.db_pool).
    DATABASES["default"]["ENGINE"] = "annotation.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [path for path in [BASE_DIR / "frontend" / "dist"] if path.is_dir()]
VITE_MANIFEST = BASE_DIR / "frontend" / "dist" / ".vite" / "manifest.json"
# Serve the built front end straight from frontend/dist: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media")).resolve()
# /media/ is where a member's access to a file is checked; the bytes then come from Django
# (embedded), nginx (MEDIA_ACCEL_REDIRECT) or the bucket (a presigned redirect).
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=True)
# Where stored files live (annotation/storage.py): "filesystem" (MEDIA_ROOT) or "s3" (an
# S3-compatible bucket, django-storages, configured by the AWS_* variables its users know).
# Both overwrite a name rather than invent another: the code names every file itself.
STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem")
if STORAGE_BACKEND == "filesystem":
    _media_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"allow_overwrite": True},
    }
elif STORAGE_BACKEND == "s3":
    _media_storage = {"BACKEND": "annotation.storage_s3.MediaS3Storage"}
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be filesystem or s3, not {STORAGE_BACKEND!r}")
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
# The address browsers reach the bucket at, when the servers use a private one (compose).
AWS_S3_PUBLIC_ENDPOINT_URL = os.environ.get("AWS_S3_PUBLIC_ENDPOINT_URL") or None
AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID") or None
AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
AWS_S3_FILE_OVERWRITE = True
AWS_DEFAULT_ACL = None  # private objects: members get them by presigned URL only
# Presigned media and release URLs are short-lived: long enough to start a download or for a
# player's range requests while a clip is open, then a member asks /media/ again.
AWS_QUERYSTRING_EXPIRE = env_int("AWS_QUERYSTRING_EXPIRE", 600)
# Path-style addressing: MinIO and other self-hosted endpoints have no per-bucket hostnames.
AWS_S3_ADDRESSING_STYLE = os.environ.get("AWS_S3_ADDRESSING_STYLE", "path")
# Signature V4 (botocore's default for presigning is still V2 on some endpoints; MinIO and
# newer AWS regions accept only V4).
AWS_S3_SIGNATURE_VERSION = "s3v4"
# File system behind nginx: media leave through an `internal` location (X-Accel-Redirect)
# once Django has checked who may have them, so no app worker streams bytes. Unset: Django
# streams them itself (embedded mode).
MEDIA_ACCEL_REDIRECT = os.environ.get("MEDIA_ACCEL_REDIRECT", "")
FFMPEG_BINARY = os.environ.get("FFMPEG_BINARY", "ffmpeg")
FFPROBE_BINARY = os.environ.get("FFPROBE_BINARY", "ffprobe")
# Seconds ffmpeg may spend on one clip before the ingestion is failed (a 10-minute monologue
# transcodes well within this on two cores).
FFMPEG_TIMEOUT = int(os.environ.get("FFMPEG_TIMEOUT", "1800"))
WAVEFORM_PEAKS_PER_SECOND = int(os.environ.get("WAVEFORM_PEAKS_PER_SECOND", "50"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- sign-in throttling and API tokens (annotation/security) ---------------------------------
AUTHENTICATION_BACKENDS = [
    "annotation.security.signin.SignInThrottleBackend",  # refuses locked-out sign-ins first
    "django.contrib.auth.backends.ModelBackend",
]
# django-axes, database handler: every gunicorn process and replica reads the same counts.
# Locked by account ("username": one account, guesses from anywhere) or by address
# ("ip_address": one address, guesses at any accounts), whichever reaches the limit first.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_CALLABLE = "annotation.security.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "annotation.security.signin.client_address"
# A success does not wipe the count (axes' default, kept on purpose): wiping it would clear the
# address's failures too, and anyone with an account could reset their address between guesses.
AXES_RESET_ON_SUCCESS = False
# Reverse proxies in front of the app that append to X-Forwarded-For (0: exposed directly).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_VERBOSE = False  # no start-up banner in every management command
# API tokens expire this long after they are issued (signing in again gives a new one).
TOKEN_TTL_HOURS = env_int("TOKEN_TTL_HOURS", 30 * 24)
if TOKEN_TTL_HOURS <= 0:
    raise ImproperlyConfigured("TOKEN_TTL_HOURS must be a positive number of hours")
# A token resolved to its user is kept this long in the cache (0: every request reads the
# row). Revoking, rotating or deleting a token, and saving its user, drop the entry at once.
TOKEN_CACHE_SECONDS = env_int("TOKEN_CACHE_SECONDS", 30)

# --- cache ----------------------------------------------------------------------------------
# Shared by every process when there is a Redis (``CACHE_URL``, else the broker's): a token
# revoked in one process is then refused by all. Local memory is per process: fine embedded
# (one process); with several web processes and no Redis, set TOKEN_CACHE_SECONDS=0.
_CACHE_URL = os.environ.get("CACHE_URL") or os.environ.get("CELERY_BROKER_URL", "")
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
            "KEY_PREFIX": "emos",
        }
        if _CACHE_URL.startswith(("redis://", "rediss://"))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- HTTPS (on by default in production; each can be set on its own) -------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
# The compose healthcheck asks http://127.0.0.1:8000/healthz from inside the container.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=PRODUCTION)
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
# Preloading commits the whole domain to HTTPS in browsers for months: the operator opts in.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD")


def _proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """SECURE_PROXY_SSL_HEADER: a header name (meaning "Name: https") or "Name: value".

    Set it only behind a proxy that sets (and overwrites) that header: otherwise any client
    could claim to be on HTTPS."""
    if not value.strip():
        return None
    name, _, expected = value.partition(":")
    meta = "HTTP_" + name.strip().upper().replace("-", "_")
    return meta, expected.strip() or "https"


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header(os.environ.get("SECURE_PROXY_SSL_HEADER", ""))

# --- Content-Security-Policy (django-csp) -----------------------------------------------------
# Everything the pages load comes from this site: the Vite bundle, Django's JavaScript catalogue
# and Swagger UI (drf-spectacular-sidecar) are files, the API is same-origin, media is served
# under /media/ (posters, video, waveforms). No inline script anywhere: the API docs use
# drf-spectacular's split view, which serves Swagger UI's start-up script from a URL of its
# own. Styles allow 'unsafe-inline': the custom elements put <style> elements in
# their shadow roots and the page templates carry a <style> block; moving those to
# constructable stylesheets (adoptedStyleSheets) and files would let this go.


def _bucket_origins() -> list[str]:
    """Where presigned media URLs point (the player follows /media/'s redirect there)."""
    if STORAGE_BACKEND != "s3":
        return []
    endpoint = AWS_S3_PUBLIC_ENDPOINT_URL or AWS_S3_ENDPOINT_URL
    if endpoint is None:  # AWS itself: the regional and global S3 hosts
        return ["https://*.amazonaws.com"]
    parts = urlsplit(endpoint)
    return [f"{parts.scheme}://{parts.netloc}"]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        # Swagger UI's icons are data: URLs in its stylesheet; posters may come from the bucket.
        "img-src": [SELF, "data:", *_bucket_origins()],
        "media-src": [SELF, *_bucket_origins()],
        "connect-src": [SELF, *_bucket_origins()],  # waveforms (the bucket must allow CORS)
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous request then gets a 401 with WWW-Authenticate, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "annotation.security.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "annotation.api_schemas.ResponsesAsRendered",
    "EXCEPTION_HANDLER": "annotation.api_errors.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bodies only (the scoring upload is multipart): no NUL, lone surrogate or deep
    # nesting gets past it, and a body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413.
    "DEFAULT_PARSER_CLASSES": ["annotation.parsers.JSONParser"],
    "DEFAULT_THROTTLE_RATES": {},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "EmoS annotation platform API",
    "VERSION": "0.1.0",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AssignmentStatusEnum": "annotation.models.Assignment.Status",
        "AnnotationStatusEnum": "annotation.models.Annotation.Status",
        "MediaStatusEnum": "clips.models.Clip.MediaStatus",
        "ReportStatusEnum": "annotation.models.AgreementReport.Status",
        "TraceStatusEnum": "annotation.models.Trace.Status",
        "ImportKindEnum": "clips.models.ImportJob.Kind",
        "ClipKindEnum": "clips.models.Clip.Kind",
        "ImportStatusEnum": "clips.models.ImportJob.Status",
        "UploadStatusEnum": "clips.models.Upload.Status",
        "DraftsModeEnum": "annotation.models.DraftsMode",
    },
    # Every operation documents the error answers it can give, with the one error body.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "annotation.openapi.document_errors",
        "annotation.api_schemas.add_components",
    ],
}

# --- e-mail (password resets); the embedded mode prints them on the console -----------------
# A password-reset mail holds a link that signs its reader in: in production it must never go
# to the console or a file (i.e. the logs), so production refuses to start without a backend
# that delivers mail (smtp, or a provider's); one that drops mail can be named explicitly.
_LOGGING_MAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "").strip()
if PRODUCTION and (not EMAIL_BACKEND or EMAIL_BACKEND in _LOGGING_MAIL_BACKENDS):
    raise ImproperlyConfigured(
        "DJANGO_ENV=production needs EMAIL_BACKEND set to one that delivers mail (e.g. "
        "django.core.mail.backends.smtp.EmailBackend): the console and file backends would "
        "write password-reset links to the logs"
    )
EMAIL_BACKEND = EMAIL_BACKEND or "django.core.mail.backends.console.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL") or "emos-annotate@localhost"

# --- Celery ---------------------------------------------------------------------------------
# Embedded mode: no broker, tasks run in-process as they are enqueued.
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "clips.tasks.*": {"queue": "media"},
    "annotation.tasks.agreement_*": {"queue": "agreement"},
    "exports.tasks.*": {"queue": "export"},
}
CELERY_BEAT_SCHEDULE = {
    "work-sweep": {"task": "annotation.tasks.work_sweep", "schedule": 60.0},
    "reclaim-expired-leases": {
        "task": "annotation.tasks.reclaim_expired_leases",
        "schedule": 60.0,
    },
    "overlap-refit": {"task": "annotation.tasks.overlap_refit_projects", "schedule": 60.0},
    "agreement-recompute-changed": {
        "task": "annotation.tasks.agreement_recompute_changed",
        "schedule": float(os.environ.get("AGREEMENT_RECOMPUTE_SECONDS", 3600)),
    },
}
# Jobs and the sweeper (annotation/services/jobs.py). A running job beats every
# JOB_HEARTBEAT_SECONDS; one silent for JOB_STALE_SECONDS is taken again; work still waiting
# (never sent, or its message lost) is sent again after JOB_RESEND_SECONDS (media) or
# ROUTING_RESEND_SECONDS (routing, which takes a moment), by `work_sweep` every minute.
JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", 10))
JOB_STALE_SECONDS = float(os.environ.get("JOB_STALE_SECONDS", 90))
JOB_RESEND_SECONDS = float(os.environ.get("JOB_RESEND_SECONDS", 600))
ROUTING_RESEND_SECONDS = float(os.environ.get("ROUTING_RESEND_SECONDS", 120))
SWEEP_BATCH = 2000
# Media uploads from the browser (tus, clips/uploads.py): the largest file accepted, and how
# long a PATCH may stay silent before another request (the client resuming after a dropped
# connection, whose old request the server never saw end) takes the upload over.
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", 20 * 1024**3))
UPLOAD_WRITER_STALE_SECONDS = float(os.environ.get("UPLOAD_WRITER_STALE_SECONDS", 15))
# An upload nobody resumed for this long is removed with its bytes (work_sweep).
UPLOAD_EXPIRE_DAYS = float(os.environ.get("UPLOAD_EXPIRE_DAYS", 7))
# Label files from the browser (one multipart request, read before a preview).
LABEL_UPLOAD_MAX_BYTES = int(os.environ.get("LABEL_UPLOAD_MAX_BYTES", 200 * 1024**2))
# Long jobs: a hard limit per task, and the broker's visibility timeout above the longest
# one, so Redis never hands a job that is still running to a second worker. The sweeper, not
# the visibility timeout, recovers the work of a worker that died.
CELERY_TASK_TIME_LIMIT = int(os.environ.get("CELERY_TASK_TIME_LIMIT", 4 * 3600))
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 3600,
    "socket_connect_timeout": 5,
}
# A broker that is down fails a publish within about a second: the request that committed
# the work answers at once, and the sweeper sends the task later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5,
}  # fmt: skip
# One task at a time per worker slot, acknowledged when done: a long transcode never holds
# queued messages hostage (compose runs media, agreement and export workers apart).
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Bounded workers: a child process is replaced after this many tasks, or after a task that
# left it above this resident size (KiB). A release build or a full agreement recompute
# leaves hundreds of MB in numpy's and pyarrow's allocators that an idle child would keep.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env_int("WORKER_MAX_TASKS_PER_CHILD", 500)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("WORKER_MAX_MEMORY_PER_CHILD_KB", 300_000)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# LOG_FORMAT=json: one JSON object per line (what log collectors read); text for a terminal.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "annotation.observability.ContextFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(task_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One line per eager task would drown the import progress bar.
        "celery.app.trace": {"level": "WARNING"},
        # Failed sign-ins and lockouts are warnings; every success would be a line too.
        "axes": {"level": "WARNING"},
        # Django's own 4xx/5xx line repeats the request line (the 500's traceback stays).
        "django.request": {"level": "ERROR"},
        # The request line, in the embedded mode too; runserver's own is the same again.
        "django.server": {"level": "WARNING"},
    },
}

# Errors to Sentry (or a compatible server) when SENTRY_DSN is set; off by default. Its
# Django, Celery and logging integrations turn on by themselves; no personal data is sent.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", DJANGO_ENV),
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        send_default_pii=False,
    )
