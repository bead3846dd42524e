"""Practica settings: the only real settings module, configured from the environment.

Every variable is documented in `.env.example`. Development defaults live there; a
`.env` file next to `manage.py` is read when present, real environment variables win.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.logs import logging_config

from .sso import oidc_apps, provider_origins, socialaccount_providers, sso_only_domains

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(a long random string) before starting Practica with DEBUG off."
        )
    # Only with DEBUG on: without a key, start-up above fails in production.
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"  # nosec B105
# Rotating SECRET_KEY: put the old key here while the new one takes over, so sessions,
# password-reset links and unsubscribe links signed with it stay valid.
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "taggit",
    "django_celery_beat",
    "django_htmx",
    "template_partials",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "members",
    "communities",
    "communities.meetings",
    "communities.webhooks",
    "practices",
    "practices.playbook",
    "config.apps.OpsConfig",
    # Demo data last: it may import every app, and nothing imports it.
    "demo",
]

MIDDLEWARE = [
    # First: probes answer before the HTTPS redirect and the host check (config/middleware.py).
    "config.middleware.HealthCheckMiddleware",
    "config.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.request_guard.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "members.middleware.MemberPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "members.middleware.StaffMFASessionMiddleware",
    "members.middleware.StaffAdminRequiresMFAMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "config.context_processors.site",
                "members.context_processors.notifications",
            ],
        },
    },
]

# Database: PostgreSQL only, with psycopg's connection pool.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/practica"),
}
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("Practica runs on PostgreSQL only: DATABASE_URL must be postgres://")
DATABASES["default"].setdefault("OPTIONS", {})
if env.str("DATABASE_TEST_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("DATABASE_TEST_NAME")}
if env.bool("DATABASE_POOL", default=True):
    DATABASES["default"]["OPTIONS"]["pool"] = {"min_size": 1, "max_size": 10, "timeout": 10}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 60
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.str("CACHE_URL", default=REDIS_URL.rsplit("/", 1)[0] + "/1"),
        "KEY_PREFIX": "practica",
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
}

# Pages of communities that signed-out visitors read come from the cache for this many
# seconds at most (any change to what they show replaces them at once); 0 turns it off.
ANONYMOUS_PAGE_CACHE_SECONDS = env.int("ANONYMOUS_PAGE_CACHE_SECONDS", default=300)

AUTH_USER_MODEL = "members.User"
# Django's and allauth's backends, loading the member with their unread notification
# count (members/backends.py).
AUTHENTICATION_BACKENDS = [
    "members.backends.ModelBackend",
    "members.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login, verification is mandatory.
ACCOUNT_ADAPTER = "members.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Practica] "
# Keys that name passwords hold rates and form classes, not passwords (bandit B105).
ACCOUNT_RATE_LIMITS = {  # nosec B105
    # allauth's defaults, stated here so they are visibly on.
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_FORMS = {  # nosec B105
    "login": "members.account_forms.LoginForm",
    "signup": "members.account_forms.PasswordSignupForm",
    "reset_password": "members.account_forms.ResetPasswordForm",
    "reset_password_from_key": "members.account_forms.ResetPasswordKeyForm",
}
MFA_ADAPTER = "members.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Practica"

# Single sign-on through OpenID Connect (config/sso.py, members/sso.py). No providers:
# no buttons, and accounts work exactly as without it.
SOCIALACCOUNT_ADAPTER = "members.adapters.SocialAccountAdapter"
OIDC_APPS = oidc_apps(env.str("OIDC_PROVIDERS", default=""))
SOCIALACCOUNT_PROVIDERS = socialaccount_providers(OIDC_APPS)
# An address the provider vouches for (`email_verified`, or the provider's
# `verified_email` domains) signs in to the member who verified that same address
# here, and connects the provider to that account; never to an unverified address
# (members.adapters.SocialAccountAdapter.authenticate_by_email).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_QUERY_EMAIL = True
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = 10
# Addresses at these domains sign in only through single sign-on: password sign-in,
# sign-up and reset are refused with a pointer to the provider's button.
SSO_ONLY_DOMAINS = sso_only_domains(env.list("SSO_ONLY_DOMAINS", default=[]))

# Email: console in development, SMTP (or anything django-environ parses) in production.
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
globals().update(EMAIL_CONFIG)  # EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, ...
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=EMAIL_CONFIG.get("EMAIL_FILE_PATH") or "")
# Per-account limits on writing, across all communities (communities/moderation.py).
# Each community adds its own, stricter limits for new members.
POSTS_PER_DAY_LIMIT = env.int("POSTS_PER_DAY_LIMIT", default=20)
COMMENTS_PER_DAY_LIMIT = env.int("COMMENTS_PER_DAY_LIMIT", default=100)
INVITATIONS_PER_DAY_LIMIT = env.int("INVITATIONS_PER_DAY_LIMIT", default=200)
# Invitations are email from our address with the sender's words in it: trust earns more.
# Accounts younger than INVITATIONS_NEW_ACCOUNT_DAYS, and communities not yet launched,
# get a handful a day; one address gets at most INVITATIONS_PER_RECIPIENT_PER_WEEK
# invitations a week from all senders together, and each invitation is resent at most
# once a day.
INVITATIONS_NEW_ACCOUNT_DAYS = env.int("INVITATIONS_NEW_ACCOUNT_DAYS", default=7)
INVITATIONS_PER_DAY_NEW_ACCOUNT = env.int("INVITATIONS_PER_DAY_NEW_ACCOUNT", default=5)
INVITATIONS_PER_DAY_PLANNING = env.int("INVITATIONS_PER_DAY_PLANNING", default=10)
INVITATIONS_PER_RECIPIENT_PER_WEEK = env.int("INVITATIONS_PER_RECIPIENT_PER_WEEK", default=3)

DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Practica <hello@practica.localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
EMAIL_TIMEOUT = 20
# SMTP connections one delivery task sends a batch over at once (digests go in batches).
EMAIL_DELIVERY_CONNECTIONS = env.int("EMAIL_DELIVERY_CONNECTIONS", default=4)

# Internationalisation: English source strings and a complete German translation
# (locale/, terms in locale/GLOSSARY.md). Dates use the formats in config/formats/.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "UTC"
TAGGIT_CASE_INSENSITIVE = True
TAGGIT_TAGS_FROM_STRING = "practices.tags.parse_tags"
USE_TZ = True

# Static files: vendored, served by WhiteNoise.
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]


def _default_storage() -> dict:
    """Uploads on the local disk (MEDIA_ROOT), or in S3-compatible object storage with
    STORAGE_BACKEND=s3 (README, "Storing uploads in object storage")."""
    backend = env.str("STORAGE_BACKEND", default="filesystem")
    if backend == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if backend != "s3":
        raise ImproperlyConfigured(
            f"STORAGE_BACKEND is {backend!r}; use 'filesystem' (the default) or 's3'."
        )
    try:
        import storages.backends.s3  # noqa: F401
    except ImportError:
        raise ImproperlyConfigured(
            "STORAGE_BACKEND=s3 needs the django-storages and boto3 packages; install "
            "them (pip install 'django-storages[s3]') or unset STORAGE_BACKEND."
        ) from None
    bucket = env.str("AWS_STORAGE_BUCKET_NAME", default="")
    if not bucket:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME.")
    options = {
        "bucket_name": bucket,
        # Every file is served through a view that checks who may see it: the bucket
        # stays private and no public address is ever handed out.
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
        "location": env.str("AWS_LOCATION", default=""),
        # A file being served is read from the bucket into a temporary file first:
        # past this size it goes to disk rather than memory.
        "max_memory_size": 2 * 1024 * 1024,
    }
    for option, name in (
        ("endpoint_url", "AWS_S3_ENDPOINT_URL"),
        ("region_name", "AWS_S3_REGION_NAME"),
        ("access_key", "AWS_ACCESS_KEY_ID"),
        ("secret_key", "AWS_SECRET_ACCESS_KEY"),
        # "path" (bucket in the address's path) for MinIO and most self-hosted services;
        # "virtual" (bucket in the host name); unset: boto3 decides.
        ("addressing_style", "AWS_S3_ADDRESSING_STYLE"),
    ):
        value = env.str(name, default="")
        if value:
            options[option] = value
    if options.get("addressing_style") not in (None, "path", "virtual"):
        raise ImproperlyConfigured(
            f"AWS_S3_ADDRESSING_STYLE is {options['addressing_style']!r}; use 'path' or "
            "'virtual', or leave it unset."
        )
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": _default_storage(),
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "/media/"
# Uploaded images (covers, avatars) are re-encoded and served through views that check
# who may see them (config/uploads.py); never served from MEDIA_URL. The cap per file:
UPLOAD_IMAGE_MAX_BYTES = env.int("UPLOAD_IMAGE_MAX_BYTES", default=5 * 1024 * 1024)
# Attachments on posts and comments (practices.attachments): the cap per file, and per
# post (or comment) the number of files and their total size. Pending uploads (sent
# with a form that came back with a problem, never sent again) are deleted after
# ATTACHMENT_PENDING_HOURS.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
ATTACHMENT_MAX_FILES = env.int("ATTACHMENT_MAX_FILES", default=10)
ATTACHMENT_MAX_TOTAL_BYTES = env.int("ATTACHMENT_MAX_TOTAL_BYTES", default=50 * 1024 * 1024)
ATTACHMENT_PENDING_HOURS = env.int("ATTACHMENT_PENDING_HOURS", default=24)
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))

# Security headers, in every environment.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        # Signing in with a provider posts here, then redirects there.
        "form-action": ["'self'", *provider_origins(OIDC_APPS)],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Prometheus scrapes the web process directly, inside the network.
    SECURE_REDIRECT_EXEMPT = [r"^metrics$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Celery: Redis broker, late acknowledgement, JSON only, one message at a time.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="practica")
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a request when Redis is away: the outbox sweep resends.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 60 * 60,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The worker logs through LOGGING below (structured lines), not Celery's own handlers.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# On SIGTERM a worker stops taking tasks and finishes the ones it runs (warm shutdown);
# unfinished messages go back to the queue (late acks). Give it longer than
# CELERY_TASK_TIME_LIMIT before a SIGKILL (systemd TimeoutStopSec, compose
# stop_grace_period).
# How long an immediate notification email waits: read on the site meanwhile, it is
# not sent; several events on one post in that time become one email.
NOTIFICATION_EMAIL_DELAY = timedelta(minutes=5)
CELERY_BEAT_SCHEDULE = {
    "send-pending-emails": {
        "task": "members.sweep_outbox",
        "schedule": crontab(minute="*"),
    },
    "purge-email-bodies": {
        "task": "members.purge_email_bodies",
        "schedule": crontab(hour=4, minute=23),
    },
    "send-notification-emails": {
        "task": "members.send_notification_emails",
        "schedule": crontab(minute="*"),
    },
    "send-onboarding-reminders": {
        "task": "communities.send_onboarding_reminders",
        "schedule": crontab(minute=17),
    },
    "dispatch-digests": {
        "task": "members.dispatch_digests",
        "schedule": crontab(minute="*/15"),
    },
    "dispatch-meeting-reminders": {
        "task": "meetings.dispatch_reminders",
        "schedule": crontab(minute="*/5"),
    },
    "extend-meeting-series": {
        "task": "meetings.extend_series",
        "schedule": crontab(hour=3, minute=41),
    },
    "sweep-webhook-deliveries": {
        "task": "webhooks.sweep_deliveries",
        "schedule": crontab(minute="*"),
    },
    "remove-orphaned-attachments": {
        "task": "practices.remove_orphaned_attachments",
        "schedule": crontab(minute=37),
    },
}
# Days the outbox keeps the bodies of sent emails (for support questions); then only
# subject, address and dates stay. Account emails keep no body once sent.
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=30)
# Digest emails go out at this hour of each member's morning, in their time zone.
DIGEST_SEND_HOUR = env.int("DIGEST_SEND_HOUR", default=7)
# Members per `members.send_digest_batch` task.
DIGEST_BATCH_SIZE = env.int("DIGEST_BATCH_SIZE", default=200)
# Seconds after which an unfinished digest claim counts as abandoned by a dead worker
# and is finished by the next attempt. Keep it well above a batch's run time.
DIGEST_CLAIM_TIMEOUT = env.int("DIGEST_CLAIM_TIMEOUT", default=10 * 60)

# Logs: one JSON object per line (`json`, the default with DEBUG off) or readable lines
# (`console`, the default in development); every line carries the request or task id.
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
LOGGING = logging_config(log_format=LOG_FORMAT, level=env.str("LOG_LEVEL", default="INFO"))

# Health (`/healthz`, `/readyz`, `manage.py healthcheck`): thresholds for a warning.
HEALTH_OUTBOX_MAX_BACKLOG = env.int("HEALTH_OUTBOX_MAX_BACKLOG", default=1000)
HEALTH_OUTBOX_MAX_AGE = env.int("HEALTH_OUTBOX_MAX_AGE", default=15 * 60)
HEALTH_BEAT_MAX_AGE = env.int("HEALTH_BEAT_MAX_AGE", default=10 * 60)

# Metrics: `/metrics` answers scrapers sending `Authorization: Bearer <METRICS_TOKEN>`;
# without a token it exists only with DEBUG on. Database numbers are re-read at most
# every METRICS_DATABASE_CACHE_SECONDS. A worker serves its own metrics on
# CELERY_METRICS_PORT when set.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_DATABASE_CACHE_SECONDS = env.int("METRICS_DATABASE_CACHE_SECONDS", default=30)
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=0) or None
CELERY_METRICS_ADDRESS = env.str("CELERY_METRICS_ADDRESS", default="127.0.0.1")

# Backups (`manage.py backup` / `restore`): where archives go by default.
BACKUP_DIR = env.path("BACKUP_DIR", default=str(BASE_DIR / "backups"))

# The REST API under /api/v1/ (README, "API"): personal access tokens or the session.
# Rates are per token (or per member signed in, or per address signed out), as
# "<requests>/<second|minute|hour|day>". A token lives at most API_TOKEN_MAX_LIFETIME_DAYS.
API_TOKEN_MAX_LIFETIME_DAYS = env.int("API_TOKEN_MAX_LIFETIME_DAYS", default=365)
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=20)

# Outgoing webhooks (README, "Webhooks"). Targets must be https:// addresses on the
# public internet: plain http only when WEBHOOKS_ALLOW_HTTP (development), private,
# loopback and link-local addresses only when WEBHOOKS_ALLOW_PRIVATE_TARGETS.
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=DEBUG)
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)
# Seconds to wait for a receiver to accept the connection, and then for each read.
WEBHOOKS_CONNECT_TIMEOUT = env.float("WEBHOOKS_CONNECT_TIMEOUT", default=5.0)
WEBHOOKS_READ_TIMEOUT = env.float("WEBHOOKS_READ_TIMEOUT", default=10.0)
# Seconds between a failed attempt and the next one (each with up to 10 % jitter);
# after the last one the delivery has failed.
WEBHOOKS_RETRY_SCHEDULE = [
    int(n) for n in env.list("WEBHOOKS_RETRY_SCHEDULE", default=[5, 300, 1800, 7200, 18000, 36000])
]
# An endpoint is switched off when this many deliveries in a row failed all their
# attempts, or when it has failed without a single success for this many hours.
WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES = env.int(
    "WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES", default=5
)
WEBHOOKS_DISABLE_AFTER_HOURS = env.int("WEBHOOKS_DISABLE_AFTER_HOURS", default=24)
# Seconds a worker holds a delivery it is sending; after that a worker that died is
# assumed and the sweep sends it again. Keep it above the two timeouts together.
WEBHOOKS_CLAIM_TIMEOUT = env.int("WEBHOOKS_CLAIM_TIMEOUT", default=60)
# Endpoints per community.
WEBHOOKS_MAX_ENDPOINTS = env.int("WEBHOOKS_MAX_ENDPOINTS", default=10)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "members.api.authentication.ApiTokenAuthentication",
        "members.api.authentication.SiteSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["config.api.TokenScopePermission"],
    "DEFAULT_THROTTLE_CLASSES": ["config.api.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_RATE_TOKEN", default="600/hour"),
        "member": env.str("API_RATE_SESSION", default="1200/hour"),
        "anonymous": env.str("API_RATE_ANONYMOUS", default="120/hour"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "config.api_views.ApiSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Practica API",
    "DESCRIPTION": (
        "Communities, posts, comments, reactions, search, notifications and meetings. "
        "Authenticate with `Authorization: Bearer <personal access token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "PostKindEnum": "practices.models.Post.Kind",
        "PostStatusEnum": "practices.models.Post.Status",
        "CommunityKindEnum": "communities.models.Community.Kind",
        "MeetingStatusEnum": "communities.meetings.models.Meeting.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api_views.no_nul_in_parameters",
    ],
}

# Error reporting: Sentry when SENTRY_DSN is set (no personal data is sent).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="development" if DEBUG else "production"),
        release=env.str("SENTRY_RELEASE", default="") or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
    )
