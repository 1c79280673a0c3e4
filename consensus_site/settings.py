"""The only settings module. Every knob comes from the environment; the defaults are the
embedded mode (SQLite, in-memory channel layer, in-process deliberations, offline panel).
See `.env.example` for the full list."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

# Lets admin classes and querysets be subscripted at run time, as the type stubs expect.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false, yes/no).")


def env_number[T: (int, float)](name: str, default: T, kind: type[T]) -> T:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return kind(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a valid {kind.__name__}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    if value := os.environ.get(name):
        return value
    if path := os.environ.get(f"{name}_FILE"):
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc}") from None
    return None


def _local_secret_key() -> str:
    # A random key per checkout, kept in var/ (git-ignored), so the embedded mode needs no
    # configuration and no secret is ever shipped in the code.
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "ninja",  # serves /api/docs from its own static files, not a CDN
    "django_htmx",
    "panels",
    "cases",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "consensus_site.headers.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.sessions.SessionPolicyMiddleware",
    "accounts.two_factor.RequireSecondFactorMiddleware",
    "accounts.access_audit.AccessAuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "consensus_site.urls"
ASGI_APPLICATION = "consensus_site.asgi.application"

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
                "cases.context_processors.roles",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the in-process deliberation write while pages read.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    # The test database is a file, not memory: browser tests serve it from a daphne child
    # process (channels' ChannelsLiveServerTestCase refuses in-memory databases). One file
    # per test process, so concurrent test runs never share (or clobber) a database.
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test_db_{os.getpid()}.sqlite3")}
else:
    # Django's default, spelled out: the browser tests' forked server derives its database
    # from TEST.NAME, and would otherwise prefix the already-renamed test database again.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")


def redis_channel_layer(url: str) -> dict[str, Any]:
    """The Redis channel layer on ``url``, as production runs it (tests reuse it).

    Redis pub/sub: a group message is one PUBLISH, which Redis hands once to each daphne
    process subscribed to the group, and that process's layer puts it in the queues of its
    own members of the group (one room per deliberation, cases.rooms). Nothing is kept in
    Redis: no per-channel capacity to overflow, no expiry, and a process's memberships end
    with its connection (a killed daphne leaves no channel behind). A message published while
    a process is not subscribed (a Redis restart, a reconnect) is lost; the rooms' watchdogs
    fill such gaps from the database."""
    # Pub/sub channels span every database of a Redis server: the number in the URL is part
    # of the names, so deployments on other databases of one server never hear each other.
    database = urlsplit(url).path.strip("/") or "0"
    return {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {
            "prefix": f"asgi.db{database}.",
            # No command blocks in Redis (the subscriber polls with its own 0.1 s read
            # timeout, so idle sockets are never dropped): a reply that takes 5 s means Redis
            # is stuck. Keepalive and health checks (a PING every 15 s on an idle connection)
            # notice a dead connection, which redis-py reopens, subscribing again to every
            # channel and group it had.
            "hosts": [
                {
                    "address": url,
                    "socket_timeout": 5,
                    "socket_connect_timeout": 5,
                    "socket_keepalive": True,
                    "health_check_interval": 15,
                    "retry_on_timeout": True,
                }
            ],
        },
    }


if REDIS_URL:
    CHANNEL_LAYERS = {"default": redis_channel_layer(REDIS_URL)}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

DELIBERATION_RUNNER = env_str("DELIBERATION_RUNNER", "inprocess")
if DELIBERATION_RUNNER not in {"inprocess", "celery"}:
    raise ImproperlyConfigured(
        f"DELIBERATION_RUNNER={DELIBERATION_RUNNER!r}: use 'inprocess' or 'celery'."
    )
if DELIBERATION_RUNNER == "celery" and not REDIS_URL:
    raise ImproperlyConfigured("DELIBERATION_RUNNER=celery needs REDIS_URL (broker and channels).")

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_number("CELERY_TASK_SOFT_TIME_LIMIT", 600, int)
CELERY_TASK_TIME_LIMIT = env_number("CELERY_TASK_TIME_LIMIT", 660, int)
# Redis redelivers an unacknowledged task after this long: longer than any run may last, so a
# live task is never delivered twice; a dead worker's runs are taken over sooner, by the lease.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 60,
    "socket_timeout": 5,
    "socket_connect_timeout": 2,
}
# Publishing is tried once, quickly: a case is accepted with its outbox row, and the sweeper
# relays what a broker outage kept from being sent.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Runners hold a lease on the deliberation they run, renewed every third of it; a lapsed
# lease means the runner died, and the deliberation is resumed by the next runner.
DELIBERATION_LEASE_S = env_number("DELIBERATION_LEASE_S", 30, int)
# Claims allowed per deliberation (the first run and resumptions) before it is failed.
DELIBERATION_MAX_ATTEMPTS = env_number("DELIBERATION_MAX_ATTEMPTS", 3, int)
# The sweeper: how often it runs (Celery beat, or a loop inside daphne; 0 turns the loop off),
# and how long a dispatched deliberation may stay queued before its task is sent again
# (the broker may have lost it), up to DELIBERATION_MAX_DISPATCHES times, then it is failed.
DELIBERATION_SWEEP_S = env_number("DELIBERATION_SWEEP_S", 10, int)
DELIBERATION_REQUEUE_S = env_number("DELIBERATION_REQUEUE_S", 300, int)
DELIBERATION_MAX_DISPATCHES = env_number("DELIBERATION_MAX_DISPATCHES", 6, int)
CELERY_BEAT_SCHEDULE = {
    "sweep-deliberations": {
        "task": "cases.tasks.sweep_deliberations",
        "schedule": float(max(DELIBERATION_SWEEP_S, 1)),
        "options": {"expires": float(max(DELIBERATION_SWEEP_S, 1))},
    }
}

# The offline panel's knowledge base (DDXPlus, CC BY 4.0): the copy shipped with the product,
# unless DDXPLUS_DIR points elsewhere (see panels/offline/data/ddxplus/README.md).
DDXPLUS_DIR = Path(
    env_str("DDXPLUS_DIR", str(BASE_DIR / "panels" / "offline" / "data" / "ddxplus"))
)

# The offline members' trained models and calibrators, cached on disk so a start, a test
# process or a Celery worker loads them in about a second (panels/offline/cache.py). Files
# are named by a hash of the data, the code and the library versions; "" turns it off. Only
# ever this folder is unpickled: keep it the application's own, never user-supplied.
OFFLINE_MODEL_CACHE = env_str("OFFLINE_MODEL_CACHE", str(VAR_DIR / "offline-models"))
# The ICD-10-CM lookup table, built from simple_icd_10_cm on first use (panels.icd10); empty:
# every process parses the package's XML file again (seconds).
ICD10_TABLE_DIR = env_str("ICD10_TABLE_DIR", str(VAR_DIR / "icd10-cm"))
# How long a starting server waits for the offline members to load before it serves (the
# cache loads in seconds; a cold cache trains on in the background after this).
OFFLINE_WARM_WAIT_S = env_number("OFFLINE_WARM_WAIT_S", 15.0, float)

# Token deltas: the first of a burst is written and sent at once; later ones are gathered
# for this long, every member's together in one write. 25 ms keeps p95 delivery near 50 ms
# under load (bench.streaming: 49 ms at 40 ms' 128) at <= 40 writes a second, whatever the
# panel size (a trailing 100 ms window per member cost 10 a second per member: 50 for five).
STREAM_COALESCE_MS = env_number("STREAM_COALESCE_MS", 25, int)


def _budgets() -> dict[str, float]:
    # "panel:usd,panel:usd": per-panel daily budgets overriding PANEL_DAILY_BUDGET_USD.
    budgets = {}
    for item in env_list("PANEL_DAILY_BUDGETS"):
        name, sep, amount = item.partition(":")
        try:
            budgets[name.strip()] = float(amount)
        except ValueError:
            sep = ""
        if not sep or budgets.get(name.strip(), -1) < 0:
            raise ImproperlyConfigured(
                f"PANEL_DAILY_BUDGETS item {item!r}: use panel:usd, e.g. main:25"
            )
    return budgets


# Submissions: cases per user and per panel within the window, and each panel's daily cost
# budget in USD (unset: no budget; the offline panel costs nothing anyway).
SUBMIT_RATE_WINDOW_MINUTES = env_number("SUBMIT_RATE_WINDOW_MINUTES", 10, int)
SUBMIT_RATE_PER_USER = env_number("SUBMIT_RATE_PER_USER", 30, int)
SUBMIT_RATE_PER_PANEL = env_number("SUBMIT_RATE_PER_PANEL", 300, int)
PANEL_DAILY_BUDGET_USD: float | None = (
    env_number("PANEL_DAILY_BUDGET_USD", 0.0, float) if env_str("PANEL_DAILY_BUDGET_USD") else None
)
PANEL_DAILY_BUDGETS = _budgets()

# Largest request body accepted, in bytes: bigger ones get 413 before they are read.
REQUEST_BODY_MAX_BYTES = env_number("REQUEST_BODY_MAX_BYTES", 1024 * 1024, int)

# Largest case text accepted anywhere (form, API, command line), in characters.
CASE_TEXT_MAX_CHARS = env_number("CASE_TEXT_MAX_CHARS", 20_000, int)

# Fernet keys for API keys at rest, comma-separated, newest first (MultiFernet rotation).
# Unset: one key derived from SECRET_KEY, fine for the embedded mode.
CREDENTIAL_KEYS = env_list("CREDENTIAL_KEYS")


def _local_key(name: str) -> str:
    # Like the secret key: random per checkout, kept in var/ (git-ignored), never in the code.
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _audit_keys() -> list[tuple[str, str]]:
    # "id:secret,id:secret", newest first: new events are keyed with the first, older ones
    # keep verifying with theirs (rotation). Kept out of the database on purpose.
    raw = env_secret("AUDIT_KEYS")
    if not raw:
        return [("local1", _local_key("audit_key"))]
    keys = []
    for item in raw.split(","):
        key_id, sep, secret = item.strip().partition(":")
        if not sep or not key_id or len(key_id) > 16 or len(secret) < 16:
            raise ImproperlyConfigured(
                "AUDIT_KEYS must be 'id:secret' pairs, comma-separated, newest first "
                "(ids up to 16 characters, secrets of at least 16)."
            )
        keys.append((key_id, secret))
    return keys


# The keyed audit chain (HMAC-SHA256) and where its signed checkpoints are appended.
AUDIT_KEYS = _audit_keys()
AUDIT_CHECKPOINT_FILE = Path(
    env_str("AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit_checkpoints.jsonl"))
)
# A checkpoint after every Nth event (1: every event is anchored as soon as it commits).
AUDIT_CHECKPOINT_EVERY = env_number("AUDIT_CHECKPOINT_EVERY", 1, int)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_number("PASSWORD_MIN_LENGTH", 12, int)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.RevokeTokensOnPasswordChange"},
]
# Days an API token is valid when created.
API_TOKEN_DAYS = env_number("API_TOKEN_DAYS", 90, int)
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
# Wrong passwords (login page, admin login, sign-off password, counted together per username)
# before the account is locked, within how many minutes, and for how long.
AUTH_LOCKOUT_FAILURES = env_number("AUTH_LOCKOUT_FAILURES", 5, int)
AUTH_LOCKOUT_WINDOW_MINUTES = env_number("AUTH_LOCKOUT_WINDOW_MINUTES", 15, int)
AUTH_LOCKOUT_MINUTES = env_number("AUTH_LOCKOUT_MINUTES", 15, int)
# Reviewers, administrators and staff verify each session with a TOTP code (django-otp).
OTP_REQUIRED = env_bool("OTP_REQUIRED", True)
OTP_TOTP_ISSUER = "Consensus DX"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
WHITENOISE_USE_FINDERS = True
# In development, pick up edited static files without a restart.
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
# A session ends after this many minutes without a request, and this many after sign-in.
SESSION_IDLE_MINUTES = env_number("SESSION_IDLE_MINUTES", 30, int)
SESSION_ABSOLUTE_MINUTES = env_number("SESSION_ABSOLUTE_MINUTES", 12 * 60, int)
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_MINUTES * 60
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# A strict Content-Security-Policy: scripts, styles, images and connections (websockets
# included) from this origin only; no inline script or style anywhere, no framing.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Production behind HTTPS (see README, "Production settings").
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_number("SECURE_HSTS_SECONDS", 0, int)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # Only behind a proxy that sets X-Forwarded-Proto itself and strips the client's.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The vendor SDKs' HTTP client logs every request at INFO: too chatty for a panel.
    "loggers": {"httpx": {"level": "WARNING"}},
}
