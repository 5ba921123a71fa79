"""Settings, all read from the environment (RENRAKU_*), with defaults that run the demo.

RENRAKU_DATABASE_URL  default: SQLite file var/renraku.sqlite3 in WAL mode
RENRAKU_REDIS_URL     optional: Huey on Redis instead of its embedded SQLite storage
RENRAKU_SECRET_KEY    default: generated once into var/secret_key
RENRAKU_PORT          default: 8000 (used by `renraku serve`)
RENRAKU_TASK_WORKERS  default: 2 task worker processes (one per core)
RENRAKU_VAR_DIR       default: ./var (databases, keys, uploads)
RENRAKU_ALLOWED_HOSTS comma-separated, default: 127.0.0.1,localhost
RENRAKU_HTTPS         "1" behind TLS: secure cookies, HSTS
RENRAKU_DEBUG         "1" for Django's debug pages (never in production)
RENRAKU_TRUSTED_PROXIES  comma-separated IPs/networks whose X-Real-IP is believed
RENRAKU_AUDIT_KEY     the audit chain's HMAC key; default: generated once into var/audit.key
"""

import datetime as dt
import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
if "pytest" in sys.modules and "RENRAKU_VAR_DIR" not in os.environ:
    # Each test run has a var/ of its own (test database, queue, cache, keys), so that two
    # runs side by side never empty each other's database; the servers and workers a test
    # starts inherit it through the environment.
    os.environ["RENRAKU_VAR_DIR"] = str(BASE_DIR / "var" / "test-runs" / str(os.getpid()))
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _XDIST_WORKER and not os.environ.get("RENRAKU_VAR_DIR", "").endswith(_XDIST_WORKER):
    # … and so has each of its parallel workers (pytest-xdist's gw0, gw1 …).
    _run_dir = os.environ.get("RENRAKU_VAR_DIR") or str(BASE_DIR / "var")
    os.environ["RENRAKU_VAR_DIR"] = str(Path(_run_dir) / _XDIST_WORKER)
VAR_DIR = Path(os.environ.get("RENRAKU_VAR_DIR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The key from the environment, else one generated on first run and kept in var/.

    Keeping it matters: a new key on every start would sign everyone out and void
    every one-tap link already sent.
    """
    if key := os.environ.get("RENRAKU_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("RENRAKU_DEBUG") == "1"
HTTPS = os.environ.get("RENRAKU_HTTPS") == "1"
PORT = int(os.environ.get("RENRAKU_PORT", "8000"))
ALLOWED_HOSTS = os.environ.get("RENRAKU_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
WARD_NAME = os.environ.get("RENRAKU_WARD_NAME", "世田谷区")


def _codes(name: str, default: str) -> list[str]:
    return [c.strip() for c in os.environ.get(name, default).split(",") if c.strip()]


# --- JMA feeds ----------------------------------------------------------------------------
# The ward in JMA's codes: 市町村等 (warnings, city intensity), 地震情報／細分区域 (area
# intensity where the city is not given), 津波予報区 (Setagaya is inland: Tokyo Bay's inner
# coast is where its staff may be), the wider weather areas used by messages that do not
# name cities (record rain), and the codes a CAP alert may use for it.
WARD_CODE = os.environ.get("RENRAKU_WARD_CODE", "1311200")
WARD_SEISMIC_AREA = os.environ.get("RENRAKU_WARD_SEISMIC_AREA", "350")
WARD_TSUNAMI_AREAS = _codes("RENRAKU_WARD_TSUNAMI_AREAS", "312")
WARD_WEATHER_AREAS = _codes("RENRAKU_WARD_WEATHER_AREAS", "130011,130010,130000")
WARD_CAP_CODES = _codes("RENRAKU_WARD_CAP_CODES", "131121,1311200")
# 訓練 (drill) messages start a drill only when the ward takes part.
JMA_ACCEPT_DRILLS = os.environ.get("RENRAKU_JMA_ACCEPT_DRILLS", "") == "1"
# Hours after an earthquake alert in which others send only if stronger (aftershocks).
JMA_AFTERSHOCK_HOURS = float(os.environ.get("RENRAKU_JMA_AFTERSHOCK_HOURS", "6"))
# The Atom feeds to poll, comma-separated. None by default: nothing reaches out to the
# internet until the operator says so. JMA's are .../developer/xml/feed/extra.xml and
# eqvol.xml (high-frequency) and extra_l.xml, eqvol_l.xml (long-term) on
# https://www.data.jma.go.jp (see docs/configuration.md).
JMA_FEEDS = _codes("RENRAKU_JMA_FEEDS", "")
# Entries older than this when first seen are recorded, not acted on: a poller starting
# after a day off must not send yesterday's earthquake.
JMA_MAX_AGE_MINUTES = int(os.environ.get("RENRAKU_JMA_MAX_AGE_MINUTES", "30"))
# Hosts (host or host:port) an entry's link may point at besides the feed's own.
JMA_ENTRY_HOSTS = _codes("RENRAKU_JMA_ENTRY_HOSTS", "")
# The address people reach this server at: answer links in e-mails and SMS point here.
BASE_URL = os.environ.get("RENRAKU_BASE_URL", f"http://127.0.0.1:{PORT}").rstrip("/")
# Web push: the VAPID key is made on first run; the subject tells push services whom to
# contact about our traffic. Only these push services are accepted as subscription
# endpoints, so a forged subscription cannot make the server post to an internal address.
VAPID_PRIVATE_KEY_FILE = Path(os.environ.get("RENRAKU_VAPID_KEY_FILE", VAR_DIR / "vapid.pem"))
VAPID_SUBJECT = os.environ.get("RENRAKU_VAPID_SUBJECT", "mailto:renraku@localhost")
PUSH_SERVICE_HOSTS = os.environ.get(
    "RENRAKU_PUSH_HOSTS",
    "fcm.googleapis.com,updates.push.services.mozilla.com,web.push.apple.com,"
    ".notify.windows.com,.push.apple.com",
).split(",")
# SMS through a Twilio-compatible REST API; disabled until these are set.
TWILIO_URL = os.environ.get("RENRAKU_TWILIO_URL", "https://api.twilio.com").rstrip("/")
TWILIO_SID = os.environ.get("RENRAKU_TWILIO_SID", "")
TWILIO_TOKEN = os.environ.get("RENRAKU_TWILIO_TOKEN", "")
SMS_FROM = os.environ.get("RENRAKU_SMS_FROM", "")
# LINE WORKS (its Bot API 2.0, with a service account's JWT); disabled until the app's
# client id and secret, service account, private key file and bot id are all given.
LINE_WORKS_CLIENT_ID = os.environ.get("RENRAKU_LINE_WORKS_CLIENT_ID", "")
LINE_WORKS_CLIENT_SECRET = os.environ.get("RENRAKU_LINE_WORKS_CLIENT_SECRET", "")
LINE_WORKS_SERVICE_ACCOUNT = os.environ.get("RENRAKU_LINE_WORKS_SERVICE_ACCOUNT", "")
LINE_WORKS_PRIVATE_KEY_FILE = os.environ.get("RENRAKU_LINE_WORKS_PRIVATE_KEY_FILE", "")
LINE_WORKS_BOT_ID = os.environ.get("RENRAKU_LINE_WORKS_BOT_ID", "")
LINE_WORKS_API_URL = os.environ.get(
    "RENRAKU_LINE_WORKS_API_URL", "https://www.worksapis.com/v1.0"
).rstrip("/")
LINE_WORKS_AUTH_URL = os.environ.get(
    "RENRAKU_LINE_WORKS_AUTH_URL", "https://auth.worksmobile.com/oauth2/v2.0"
).rstrip("/")
# A delivery claimed longer ago than this belongs to a worker that died: send it again.
DELIVERY_STALE_CLAIM_SECONDS = int(os.environ.get("RENRAKU_STALE_CLAIM_SECONDS", "120"))
# An alert's push the push service accepted but the device has not said it showed by then
# moves the person, once, to the alert's next channel (notices.planning.fall_back_unshown).
PUSH_SHOWN_WITHIN_SECONDS = int(os.environ.get("RENRAKU_PUSH_SHOWN_WITHIN_SECONDS", "180"))
# How long a one-tap answer link works: long enough for a weekend, not for ever.
# The bulletin's one reminder is delivered only in these hours (Tokyo, weekdays).
BULLETIN_WORKING_HOURS = tuple(
    dt.time.fromisoformat(t)
    for t in os.environ.get("RENRAKU_BULLETIN_WORKING_HOURS", "09:00-17:30").split("-")
)
# The largest video a post may carry (a recorded study session is hundreds of MB).
BULLETIN_MAX_VIDEO_MB = int(os.environ.get("RENRAKU_BULLETIN_MAX_VIDEO_MB", "1024"))
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default; files go to disk past it
ANSWER_LINK_MAX_AGE = int(os.environ.get("RENRAKU_ANSWER_LINK_DAYS", "7")) * 24 * 60 * 60
# Live figures (dashboards, the headquarters' view, the wall) are shared by every screen
# of a web process for this long (renraku/broadcast/live.py).
LIVE_FIGURES_SECONDS = int(os.environ.get("RENRAKU_LIVE_FIGURES_SECONDS", "2"))
# Files under var/, so that the web processes of one server share them (each process
# counting for itself made twice the work when twenty screens watch).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(VAR_DIR / "cache"),
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
    # Parts of pages read thousands of times between changes (a post's text, attachments
    # and comments), per process; their keys carry the post's last change.
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 500},
        "TIMEOUT": 600,
    },
}
IMPORT_MAX_LEAVERS_PERCENT = int(os.environ.get("RENRAKU_IMPORT_MAX_LEAVERS_PERCENT", "10"))
# Requests one API token may make a minute (more get 429 with Retry-After).
API_RATE_PER_MINUTE = int(os.environ.get("RENRAKU_API_RATE_PER_MINUTE", "60"))

INSTALLED_APPS = [
    "renraku.web.apps.RenrakuAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_htmx",
    "huey.contrib.djhuey",
    "renraku.directory",
    "renraku.accounts",
    "renraku.audit",
    "renraku.notices",
    "renraku.broadcast",
    "renraku.mobilise",
    "renraku.drills",
    "renraku.readiness",
    "renraku.bulletin",
    "renraku.dialogues",
    "renraku.feeds",
    "renraku.channels",
    "renraku.monitoring",
    "renraku.web",
    "ninja",  # its Swagger UI files, served from here (/api/v1/docs), not from a CDN
    "renraku.api",
    "renraku.demo",  # above every app it seeds
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "renraku.web.nul.RefuseNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "renraku.accounts.middleware.ApiTokenMiddleware",
    "renraku.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "renraku.urls"
WSGI_APPLICATION = "renraku.wsgi.application"

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
                "renraku.web.context_processors.ward",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("RENRAKU_DATABASE_URL") or f"sqlite:///{VAR_DIR / 'renraku.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Connections stay open (conn_max_age above): closing the last connection to a WAL
    # database checkpoints and deletes the WAL, a flush to disk on every request.
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue instead of failing with "database is locked" midway.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # Tests run on a file like production, not in memory: WAL, locking and concurrent
    # writers then behave as they will for real.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Task queue ---------------------------------------------------------------------------
REDIS_URL = os.environ.get("RENRAKU_REDIS_URL", "")
HUEY = (
    {
        "huey_class": "huey.RedisHuey",
        # The test suite's queue has a name of its own (its worker processes are given it in
        # RENRAKU_HUEY_NAME), so a test that empties it never empties the server's.
        "name": os.environ.get("RENRAKU_HUEY_NAME")
        or (f"renraku-test{_XDIST_WORKER}" if "pytest" in sys.modules else "renraku"),
        "url": REDIS_URL,
    }
    if REDIS_URL
    else {
        "huey_class": "huey.SqliteHuey",
        "name": "renraku",
        # The test suite's queue is its own file, so tests never leave work for the demo's
        # worker (and a test's worker process finds it through RENRAKU_HUEY_FILE).
        "filename": os.environ.get("RENRAKU_HUEY_FILE")
        or str(VAR_DIR / ("huey-test.sqlite3" if "pytest" in sys.modules else "huey.sqlite3")),
    }
)
HUEY["immediate"] = False
# An idle consumer polling SQLite would otherwise back off to 10 s between looks: an alert
# must not wait that long to start: a look every 0.1 s costs nothing. (On Redis, workers
# block on the queue instead.)
HUEY["consumer"] = {
    # Processes, not threads: encrypting pushes is CPU work, and threads of one process
    # share one core. RENRAKU_TASK_WORKERS: one per core is right for a fan-out.
    "workers": int(os.environ.get("RENRAKU_TASK_WORKERS", "2")),
    "worker_type": "process",
    "initial_delay": 0.05,
    "backoff": 1.15,
    "max_delay": 0.1,
}

# --- Accounts -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["renraku.accounts.backends.EmployeeNumberOrEmailBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in failures allowed per account and per address before further tries are refused.
SIGN_IN_FAILURE_LIMIT = 10
SIGN_IN_FAILURE_WINDOW_MINUTES = 15
OTP_TOTP_ISSUER = "renraku"
# Only these (IPs or CIDR networks) may tell us the client's address in X-Real-IP; from
# anyone else it would be a forged address in the audit log and a dodge of the limits.
TRUSTED_PROXIES = _codes("RENRAKU_TRUSTED_PROXIES", "")
# /metrics answers a bearer token or these networks (CIDRs); with neither it is a 404.
METRICS_TOKEN = os.environ.get("RENRAKU_METRICS_TOKEN", "")
METRICS_ALLOW = _codes("RENRAKU_METRICS_ALLOW", "")
# The audit chain is an HMAC keyed with a secret kept outside the database (made on first
# use, see audit.keys), and its head is checkpointed to a file outside it too.
AUDIT_KEY = os.environ.get("RENRAKU_AUDIT_KEY", "")
AUDIT_KEY_FILE = Path(os.environ.get("RENRAKU_AUDIT_KEY_FILE", VAR_DIR / "audit.key"))
AUDIT_CHECKPOINT_FILE = Path(
    os.environ.get("RENRAKU_AUDIT_CHECKPOINT_FILE", VAR_DIR / "audit-checkpoints.jsonl")
)

SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# A failed CSRF check (an expired page, cookies blocked) gets the site's Japanese page.
CSRF_FAILURE_VIEW = "renraku.web.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Only our own files may run or style a page: an injected <script>, onclick= or style=
# does nothing, and no other site may frame a page (a tap on "無事" must be the person's).
# Pages keep no inline script or style for this (renraku.js, renraku.css); htmx is told not
# to add its indicator <style> (base.html). data: images can show but not run anything.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if HTTPS:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Language and time --------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "renraku" / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# RENRAKU_SMTP_URL: smtp://user:password@host:587 (STARTTLS) or smtps://… (TLS); without
# it, e-mails are printed on the console (the demo).
SMTP_URL = os.environ.get("RENRAKU_SMTP_URL", "")
if SMTP_URL:
    from urllib.parse import unquote, urlsplit

    _smtp = urlsplit(SMTP_URL)
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _smtp.hostname
    EMAIL_PORT = _smtp.port or (465 if _smtp.scheme == "smtps" else 25)
    EMAIL_HOST_USER = unquote(_smtp.username or "")
    EMAIL_HOST_PASSWORD = unquote(_smtp.password or "")
    EMAIL_USE_SSL = _smtp.scheme == "smtps"
    EMAIL_USE_TLS = _smtp.scheme == "smtp" and _smtp.port == 587
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("RENRAKU_FROM_EMAIL", "renraku@localhost")
EMAIL_TIMEOUT = 10

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # One-tap links' tokens never reach a log line (renraku/web/accesslog.py).
    "filters": {"tokens": {"()": "renraku.web.accesslog.RedactTokens"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["tokens"]}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "huey": {"level": "INFO", "propagate": False},  # the consumer logs on its own
    },
}
