"""Settings from the environment; the defaults run everything on one machine with no servers."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# With DEBUG on, people still get the site's own 404 and 500 pages (scoring.error_pages) unless
# this asks for Django's debug pages (routes, tracebacks).
DEBUG_ERROR_PAGES = env.bool("DJANGO_DEBUG_ERROR_PAGES", default=False)
# Refused with DEBUG off (scoring.checks): anyone can read it here.
DEVELOPMENT_SECRET_KEY = "insecure-local-development-key-change-me-in-production-0123456789"
SECRET_KEY = env("DJANGO_SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
VAR_DIR = Path(env("BEAUTY_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # SQLite, media and the filesystem broker live here by default

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",  # a second factor: staff need one (scoring.second_factor), anyone may add one
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, pinned, served from our own static files
    "csp",
    "django_prometheus",
    "scoring",
    "operations",  # health, readiness, heartbeats, outages, metrics
]

MIDDLEWARE = [
    # /healthz, /readyz and /metrics, before host checks and the HTTPS redirect
    "operations.middleware.OperationsMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # every request after it is counted and timed
    "django.middleware.security.SecurityMiddleware",
    "scoring.middleware.JsonErrorsWhileDebuggingMiddleware",  # sees every answer's final form
    "scoring.middleware.OutageMiddleware",  # a database or storage outage is a 503, not a 500
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the language cookie (set_language), else Accept-Language, else English;
    # after the session, before CommonMiddleware (its 404 redirects are language-aware).
    "django.middleware.locale.LocaleMiddleware",
    "scoring.middleware.ApiOptionalSlashMiddleware",  # before CommonMiddleware's slash redirect
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "scoring.middleware.AccountLanguageMiddleware",  # a signed-in user's own choice wins, on every device
    "scoring.middleware.LocalTimeMiddleware",  # the reader's zone, once the user is known
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "scoring.middleware.StaffSecondFactorMiddleware",  # after the session's sign-in steps and messages
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # last: it times every answer
]

ROOT_URLCONF = "beautysite.urls"
WSGI_APPLICATION = "beautysite.wsgi.application"
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
                "scoring.context_processors.contact",
                "scoring.context_processors.local_time",
            ]
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep a process's connection between requests: a new PostgreSQL connection forks a server
# process, which cost more than the whole history page query.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=300)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# django-prometheus's subclass of the same backend counts queries and their errors for /metrics.
if DATABASES["default"]["ENGINE"] in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
    DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace("django.db.", "django_prometheus.db.")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Web and worker are separate processes on one file: wait for the write lock instead of
    # failing, take it at the start of a transaction, and let readers run beside a writer (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory: tests start real worker processes that must see the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "scoring.User"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "scoring:upload"
LOGIN_URL = "account_login"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = env("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_FORMS = {"login": "scoring.forms.SignInForm", "signup": "scoring.forms.SignUpForm"}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Beauty Evaluator] "  # not the host name allauth uses by default
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Second factors (django-allauth's MFA): an authenticator app's codes (TOTP) with recovery codes,
# and security keys or passkeys (WebAuthn) where the browser has one.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = "Beauty Evaluator"
# allauth's per-IP limits on log-in and sign-up (it counts through the cache).
# RATE_LIMITS=false turns them and the upload limit off (a benchmark, say); with DEBUG off they
# must count in a cache all web processes share (scoring.checks).
RATE_LIMITS = env.bool("RATE_LIMITS", default=True)
RATELIMIT_ENABLE = RATE_LIMITS
ACCOUNT_RATE_LIMITS = (
    {"login_failed": "10/m/ip,5/5m/key", "signup": "20/h/ip", "login": "30/m/ip"} if RATE_LIMITS else False
)

EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Beauty Evaluator <noreply@localhost>")
# Where people write about their account or photos (shown on About and the account mail pages); unset: not shown.
CONTACT_EMAIL = env("CONTACT_EMAIL", default="")

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# Django's locmem and Redis backends, counting gets, hits and misses for /metrics.
CACHES["default"]["BACKEND"] = {
    "django.core.cache.backends.locmem.LocMemCache": "operations.cache.LocMemCache",
    "django.core.cache.backends.redis.RedisCache": "operations.cache.RedisCache",
}.get(CACHES["default"]["BACKEND"], CACHES["default"]["BACKEND"])

# English by default; Simplified Chinese for browsers that ask for it (zh-CN, zh-SG, zh-Hans)
# or people who pick it. The names are each language's own, as a language switch shows them.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
# Our catalogues: locale/zh_Hans holds the site's Chinese (allauth's pages keep allauth's own
# zh_Hans catalogue); locale/en puts allauth's words in the site's sentence case.
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates as the pages write them, per language (beautysite/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["beautysite.formats"]
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # a visitor's choice outlives the browser session
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# The images collect theirs at build time, outside BEAUTY_VAR_DIR (a volume there would hide them).
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Media is never served by URL directly: views check ownership first.
MEDIA_URL = "/private-media/"

# Storage: a local folder unless an S3 bucket is configured.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    from botocore.config import Config as S3ClientConfig

    PHOTO_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
            "file_overwrite": False,
            # botocore waits 60 s to connect and 60 s for an answer, 5 times over: an upload
            # meeting an S3 outage would outlast the web worker's timeout instead of answering
            # 503 (operations.outages). Short waits, few tries; the worker retries later anyway.
            "client_config": S3ClientConfig(
                connect_timeout=env.float("AWS_S3_CONNECT_TIMEOUT", default=5.0),
                read_timeout=env.float("AWS_S3_READ_TIMEOUT", default=30.0),
                retries={"mode": "standard", "max_attempts": env.int("AWS_S3_MAX_ATTEMPTS", default=3)},
            ),
        },
    }
else:
    PHOTO_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": MEDIA_ROOT}}
STORAGES = {
    "default": PHOTO_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}


def _bucket_origins() -> list[str]:
    """Where the browser fetches photos from on S3: the endpoint's origin, or AWS's names for the bucket."""
    if not AWS_STORAGE_BUCKET_NAME:
        return []
    endpoint = env("AWS_S3_ENDPOINT_URL", default="")
    if endpoint:
        scheme, _, rest = endpoint.partition("://")
        return [f"{scheme}://{rest.split('/', 1)[0]}"]
    region = env("AWS_S3_REGION_NAME", default="")
    origins = [f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"]
    if region:
        origins.append(f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{region}.amazonaws.com")
    return origins


# Browsers run only our own static scripts and styles (no inline code) and show images from
# here and, on S3, from the bucket's signed URLs. The API docs view adds data: images (beautysite.urls).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", *_bucket_origins()],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Uploads.
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=10 * 1024 * 1024)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=40_000_000)
PHOTO_MAX_FILES_PER_UPLOAD = 10
PHOTO_UPLOAD_RATE = env("PHOTO_UPLOAD_RATE", default="100/h")  # photos per user
DATA_UPLOAD_MAX_MEMORY_SIZE = PHOTO_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = PHOTO_MAX_BYTES + 1024 * 1024

# Celery: Redis when REDIS_URL is set, else kombu's filesystem transport (no server).
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A message unacknowledged this long is handed to another worker (its worker died): it
    # must stay above the hard time limit, or a slow but live task would be delivered twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("REDIS_VISIBILITY_TIMEOUT", default=3600)}
else:
    BROKER_DIR = VAR_DIR / "broker"
    for sub in ("queue", "staging", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost/"  # a host named: kombu warns on every start without one
    # kombu's filesystem transport, but a message is renamed into the queue once written
    # (see beautysite/broker.py: a worker could read a half-written one and stop).
    CELERY_BROKER_TRANSPORT = "beautysite.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "staging_folder": str(BROKER_DIR / "staging"),
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),  # else kombu writes ./control
        "store_processed": False,
        # kombu sleeps this long whenever one of the worker's queues is empty (1 s by default):
        # each message of a photo already scored in a batch waited that long. A directory
        # listing every 50 ms costs nothing measurable.
        "polling_interval": env.float("FILESYSTEM_BROKER_POLL_SECONDS", default=0.05),
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True  # job state lives in the Photo row
# Scoring jobs have their own queue; name a dedicated one (e.g. `scoring-gpu`) on the web and
# beat processes to send every job to the GPU workers that listen on it.
SCORING_QUEUE = env("SCORING_QUEUE", default="scoring")
CELERY_TASK_ROUTES = {"scoring.tasks.score_photo": {"queue": SCORING_QUEUE}}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A claim older than the hard limit belongs to a dead worker and may be taken over.
CELERY_TASK_TIME_LIMIT = env.int("SCORING_TIME_LIMIT", default=180)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT * 2 // 3
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True
SCORING_MAX_ATTEMPTS = env.int("SCORING_MAX_ATTEMPTS", default=3)
SCORING_REQUEUE_AFTER_MINUTES = env.float("SCORING_REQUEUE_AFTER_MINUTES", default=10)
CELERY_BEAT_SCHEDULE = {
    "requeue-stale-photos": {
        "task": "scoring.tasks.requeue_stale_photos",
        # It also frees the jobs of a worker host that vanished (claims older than the hard
        # limit): such a photo waits at most SCORING_TIME_LIMIT plus this period.
        "schedule": env.float("SCORING_REQUEUE_EVERY_SECONDS", default=60.0),
    },
}
SCORING_DEVICE = env("SCORING_DEVICE", default="auto")
# Photos waiting in the queue are scored together, their faces in one forward pass.
SCORING_BATCH_SIZE = env.int("SCORING_BATCH_SIZE", default=8)
# Torch threads per worker process; 0: the machine's cores divided among the pool's processes.
SCORING_TORCH_THREADS = env.int("SCORING_TORCH_THREADS", default=0)
# Pool processes load the model as they start (not on their first photo); that takes a
# few seconds on a busy machine, longer than Celery's default wait for a new process.
SCORING_PRELOAD_MODEL = env.bool("SCORING_PRELOAD_MODEL", default=True)
CELERY_WORKER_PROC_ALIVE_TIMEOUT = 60
# SIGTERM is Celery's warm shutdown (the running batch finishes); a cold shutdown (SIGQUIT, or
# SIGTERM with REMAP_SIGTERM=SIGQUIT) first gives the batch this many seconds (soft shutdown),
# then stops and late acks re-queue what was left. Keep the deploy's kill grace period above it.
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.float("CELERY_SOFT_SHUTDOWN_SECONDS", default=60.0)
# Long-lived torch processes grow; a pool process is replaced after this many tasks, or once it
# holds more than this many KiB after a task (0: never).
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_MAX_TASKS_PER_CHILD", default=1000) or None
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_MAX_MEMORY_PER_CHILD_KB", default=4_000_000) or None

# GET /metrics answers only `Authorization: Bearer <this>`; unset, the route does not exist.
# A worker serves its own /metrics on WORKER_METRICS_PORT (operations.worker_metrics).
METRICS_TOKEN = env("METRICS_TOKEN", default="")

# Error reports go to Sentry only when SENTRY_DSN is set; nothing is sent or loaded without it.
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        send_default_pii=False,  # no user names, e-mails or addresses leave with a report
    )

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "scoring.authentication.ApiKeyAuthentication",  # Token <key>, or Bearer <key>
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "scoring.errors.api_exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Beauty Evaluator API",
    # 1.1: a file a photo never got is null (was ""); uploads answer `url`. 1.2: `opened_by_staff`; `band`
    # on the score's 1-5 scale (was 1-10), `score` rounded to 2 decimals as every page prints it (was 3).
    # 1.3: `band` rounded to one decimal as the pages print it (was 2).
    "VERSION": "1.3.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request bodies get their own components: the upload's file is documented as binary.
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema's own route is no operation of the API: listed, it promised a `lang` enum
    # that drf-spectacular never enforces (?lang=AAA answered 200), as schemathesis found.
    "SERVE_INCLUDE_SCHEMA": False,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "scoring.api_links.add_photo_links"],
}

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}
