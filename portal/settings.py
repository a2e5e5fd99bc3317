"""Settings for the enterprise service portal, read from the environment.

No variables means development: SQLite, the embedded Redis started by
``scripts/dev`` and DEBUG on. ``PRODUCTION=true`` is checked mode: SECRET_KEY
and ALLOWED_HOSTS are required, cookies are secure and DEBUG is off.
"""

import ipaddress
import os
from datetime import timedelta
from email.utils import getaddresses
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "")
    if raw not in ("", "true", "false"):
        raise ImproperlyConfigured(f"{name}: expected true/false, got {raw!r}")
    return default if raw == "" else raw == "true"


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "")
    try:
        value = default if raw == "" else int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}: expected a whole number, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} is {value}; it must be at least {minimum}")
    return value


def env_hours(name: str, default: str) -> tuple[int, int]:
    """``"22-7"`` → (22, 7): a window of whole hours, Asia/Shanghai; ``off`` → (0, 0), an empty window."""
    raw = os.environ.get(name, "").strip() or default
    if raw == "off":
        return (0, 0)
    start, dash, end = raw.partition("-")
    try:
        hours = (int(start), int(end))
    except ValueError:
        hours = None
    if not dash or hours is None or not all(0 <= h <= 23 for h in hours):
        raise ImproperlyConfigured(f"{name}: expected two hours like 22-7, or off; got {raw!r}")
    return hours


def parse_admins(raw: str) -> list[tuple[str, str]]:
    """``"Wang Li <wang@example.gov.cn>, ops@example.gov.cn"`` → [(name, address), ...] for ADMINS."""
    admins = []
    for name, address in getaddresses([raw]):
        if not address and not name:
            continue
        if "@" not in address:
            raise ImproperlyConfigured(f"ADMINS: {name or address!r} is not an e-mail address")
        admins.append((name, address))
    return admins


def env_networks(name: str, default: str) -> list[str]:
    entries = env_list(name, default)
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {entry!r} is not an IP address or network") from None
    return entries


PRODUCTION = env_bool("PRODUCTION", False)
DEBUG = env_bool("DEBUG", True) and not PRODUCTION
if PRODUCTION:
    try:
        SECRET_KEY = os.environ["SECRET_KEY"]
    except KeyError:
        raise ImproperlyConfigured("SECRET_KEY is required when PRODUCTION=true") from None
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS is required when PRODUCTION=true")
else:
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-never-used-in-production")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# Reverse proxies (addresses or networks) whose X-Forwarded-For / X-Real-IP is believed; the client address
# of the lockout, the audit log and rate limits comes from portal.accounts.clientip. gunicorn listens on
# loopback behind nginx, hence the default.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", "127.0.0.0/8,::1")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "template_partials",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "drf_spectacular",
    "portal.accounts",
    "portal.orgs",
    "portal.notifications",
    "portal.onboarding",
    "issues",
    "projects",
    "knowledge",
    "supervision",
    "api",
    "seeds",
    "bench",
]

MIDDLEWARE = [
    # First: the load balancer's probe is answered before host, HTTPS and session handling.
    "portal.health.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "portal.accounts.audit.AuditContextMiddleware",
    "portal.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.accounts.idle.IdleTimeoutMiddleware",
    "portal.accounts.middleware.PrivateCacheMiddleware",
    "portal.accounts.two_factor.TwoFactorMiddleware",
    "portal.accounts.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "portal.accounts.middleware.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"

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
                "portal.accounts.context_processors.portal",
                "issues.context_processors.calendar_banner",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

DATABASES = {
    # an empty DATABASE_URL (``DATABASE_URL=`` in an env file) is no URL: the SQLite database of var/
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with psycopg's compiled timestamp loader (portal/postgresql/base.py)
    DATABASES["default"]["ENGINE"] = "portal.postgresql"
    # Every query of a page is a short indexed read: compiling it just in time (PostgreSQL's jit, on by
    # default) costs more than it saves and adds tens of milliseconds to the large aggregate reads.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")

# A list page's tab counts are read on a second connection while the page reads its rows (portal/aside.py):
# each web worker holds two connections. Off: every read on the page's own connection.
READS_ASIDE = env_bool("PORTAL_READS_ASIDE", True)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "portal.accounts.backends.PhoneOrUsernameBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "portal.accounts.validators.PersonalInformationValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "portal.accounts.validators.CharacterClassValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lockout: 5 failed logins lock for 15 minutes the account, whatever it was typed as (username or phone)
# and from wherever; and, separately, the client address that fails against many accounts (password
# spraying). The address is the real client's behind the proxy, so one client cannot lock out the others.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "portal.accounts.clientip.client_ip"
AXES_HANDLER = "portal.accounts.lockout.AccountResetHandler"
AXES_USERNAME_CALLABLE = "portal.accounts.backends.account_username"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False

# Two-factor sign-in (TOTP): the staff roles that must enrol before they can use the portal. Default:
# administrators and supervisors in production, nobody in development (the demo logins). An empty
# value turns enforcement off; staff in other roles may still enrol. Enterprise users are never asked.
TWO_FACTOR_ROLES = {"commissioner", "handler", "supervisor", "administrator"}
TWO_FACTOR_REQUIRED_ROLES = env_list("TWO_FACTOR_REQUIRED_ROLES", "administrator,supervisor" if PRODUCTION else "")
if set(TWO_FACTOR_REQUIRED_ROLES) - TWO_FACTOR_ROLES:
    raise ImproperlyConfigured(
        f"TWO_FACTOR_REQUIRED_ROLES: expected some of {sorted(TWO_FACTOR_ROLES)}, got {TWO_FACTOR_REQUIRED_ROLES}"
    )
OTP_TOTP_ISSUER = os.environ.get("TWO_FACTOR_ISSUER", "潍企通")
# Each wrong code doubles the wait before the next try (1 s, 2 s, 4 s, ...).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Session: logged out after 30 minutes without activity (portal.accounts.idle; background polling
# does not count), and 12 hours after sign-in however active. The cookie lives a little longer than the
# idle timeout so the middleware can say why the user was logged out.
SESSION_IDLE_TIMEOUT = 30 * 60
SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("SESSION_ABSOLUTE_TIMEOUT", str(12 * 60 * 60)))
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_SAVE_EVERY_REQUEST = False  # saved when changed: the idle clock writes at most every 30 s
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# The application serves /static/ itself (whitenoise). In production the files carry a hash of their
# content in the name (collectstatic writes them and a manifest), so browsers may cache them forever and
# never keep a stale script. Development and tests read the files in place, without collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Uploaded attachments live outside the web root and are served only through
# views that check who may see them.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "private"))
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
MEDIA_URL = "/files/"
UPLOAD_MAX_FILES = 10
UPLOAD_MAX_BYTES = 20 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Enterprise import (.xlsx): checked from the zip directory and the raw XML before the workbook is parsed.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 20_000, minimum=1)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_MB", 50, minimum=1) * 1024 * 1024
IMPORT_MAX_MEMBER_BYTES = env_int("IMPORT_MAX_MEMBER_MB", 30, minimum=1) * 1024 * 1024
IMPORT_MAX_COMPRESSION_RATIO = env_int("IMPORT_MAX_COMPRESSION_RATIO", 100, minimum=1)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Mail goes to the SMTP relay named by EMAIL_HOST; without one it is printed to the console.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = EMAIL_HOST or "localhost"
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive: STARTTLS (587) or TLS (465)")
EMAIL_PORT = env_int("EMAIL_PORT", 465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "portal@localhost")
# Who receives error reports (500 pages), and from which address.
ADMINS = parse_admins(os.environ.get("ADMINS", ""))
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# Pluggable external channels (SMS, WeCom, DingTalk); the default writes to the log.
NOTIFICATION_CHANNEL_BACKENDS = {
    "sms": os.environ.get("SMS_BACKEND", "portal.notifications.channels.LogChannel"),
    "wecom": os.environ.get("WECOM_BACKEND", "portal.notifications.channels.LogChannel"),
    "dingtalk": os.environ.get("DINGTALK_BACKEND", "portal.notifications.channels.LogChannel"),
}
# Non-urgent SMS and messages wait until the end of this window (Asia/Shanghai hours, start-end).
NOTIFICATION_QUIET_HOURS = env_hours("NOTIFICATION_QUIET_HOURS", "22-7")
# Seconds a channel may take to accept one message; a send that takes longer is retried later.
NOTIFICATION_SEND_TIMEOUTS = {
    channel: float(os.environ.get(f"{channel.upper()}_SEND_TIMEOUT", "10"))
    for channel in ("email", "sms", "wecom", "dingtalk")
}

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6390/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "socket_connect_timeout": 2}
# Workers and beat connect within 2 s; web requests publish through portal.tasking (0.5 s, no retry).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# Beat's tasks run on the "periodic" queue, deliveries on "deliver.<channel>", the rest on "celery"
# (portal/celery.py; docs/operations.md lists the workers that consume them).
CELERY_TASK_ROUTES = ("portal.celery.route_task",)
CELERY_BEAT_SCHEDULE = {
    # API: send again the webhooks a lost broker or a dead worker left waiting (api/webhooks.py).
    "sweep-webhooks": {
        "task": "api.tasks.sweep_webhooks",
        "schedule": timedelta(minutes=2),
        "options": {"expires": 100},
    },
    # Supervision: freeze last month's ranking (一月一晒绩) just after midnight on the 1st.
    "publish-monthly-rankings": {
        "task": "portal.supervision.tasks.publish_monthly_rankings",
        "schedule": crontab(minute=10, hour=0, day_of_month=1),
    },
    # Supervision: count the working hours to dispatch/answer of requests that changed.
    "refresh-request-timings": {
        "task": "portal.supervision.tasks.refresh_timings",
        "schedule": crontab(minute="*/10"),
    },
    # Supervision: the dashboard's daily aggregate, recounted for the days whose requests changed.
    "refresh-dashboard-figures": {
        "task": "portal.supervision.tasks.refresh_stats",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 50},
    },
    # Supervision: send again the large exports whose message was lost with the broker.
    "resend-waiting-exports": {
        "task": "portal.supervision.tasks.resend_waiting_exports",
        "schedule": crontab(minute="*/5"),
    },
    # Knowledge: tell matching enterprises of recent policies whose message was lost with the broker.
    "sweep-policy-notices": {
        "task": "knowledge.tasks.sweep_policy_notices",
        "schedule": crontab(minute="*/30"),
        "options": {"expires": 1500},
    },
    "close-unevaluated-requests": {
        "task": "issues.tasks.close_unevaluated",
        "schedule": crontab(minute="*/15"),
    },
    "sweep-reminders": {
        "task": "issues.tasks.sweep_reminders",
        "schedule": timedelta(minutes=5),
        "options": {"expires": 240},
    },
    # Key projects: late half-monthly reports and missed site visits, reminded once each.
    "sweep-project-reminders": {
        "task": "projects.tasks.sweep_project_reminders",
        "schedule": timedelta(minutes=30),
        "options": {"expires": 1500},
    },
    "sweep-deliveries": {
        "task": "portal.notifications.tasks.sweep_deliveries",
        "schedule": timedelta(minutes=2),
        "options": {"expires": 100},
    },
    # Retention: exported workbooks after EXPORT_RETENTION_DAYS, audit events after AUDIT_RETENTION_DAYS.
    "expire-exports": {
        "task": "portal.supervision.tasks.expire_exports",
        "schedule": crontab(minute=20, hour=3),
    },
    "purge-audit": {
        "task": "portal.accounts.tasks.purge_audit",
        "schedule": crontab(minute=40, hour=3),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "level": "ERROR",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Unhandled errors in requests are mailed to ADMINS; the console line comes from the root logger.
        "django": {"handlers": ["mail_admins"] if ADMINS else [], "level": "INFO", "propagate": True},
    },
}

# Error reports to the city's own Sentry server. Personal data (users, addresses, cookies, form
# bodies) is never sent.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN:
    import sentry_sdk

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production" if PRODUCTION else "development"),
        send_default_pii=False,
        traces_sample_rate=0.0,
    )

# The health endpoint (/healthz) fails when the last finished reminder sweep is older than this.
HEALTH_SWEEP_MAX_AGE = timedelta(minutes=env_int("HEALTH_SWEEP_MAX_AGE_MINUTES", 15))

# Retention: exported workbooks hold personal data and are deleted after EXPORT_RETENTION_DAYS; audit events
# are kept AUDIT_RETENTION_DAYS, never fewer than 180 (network logs are kept at least six months).
EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 7, minimum=1)
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 180, minimum=180)

# The hotline API (api/, docs/api.md): key authentication only (so no session, no CSRF, no cookie),
# JSON in and out, error bodies {"errors": [{"field", "code", "message"}]}, a per-key rate limit.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.auth.KeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_THROTTLE_CLASSES": ["api.auth.KeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Enterprise Service Portal — hotline API",
    "OAS_VERSION": "3.1.0",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "APPEND_COMPONENTS": {"securitySchemes": {"ApiKey": {"type": "http", "scheme": "bearer"}}},
    "SECURITY": [{"ApiKey": []}],
    "AUTHENTICATION_WHITELIST": [],
}
