"""Strongroom settings: one module, driven by the environment.

Two runtime modes share this file (see README "Runtime modes"):

* embedded default (``make demo``): SQLite under ``var/``, Celery tasks run
  in-process, secrets generated into ``var/`` at set-up;
* production and CI: ``DATABASE_URL`` points at PostgreSQL as the
  *application* role (never the table owner, so row-level security applies),
  ``DATABASE_OWNER_URL`` at the owner role that runs migrations, and
  ``CELERY_BROKER_URL`` at Redis.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("STRONGROOM_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

# "production" turns on every hardening default; "staging" is production in every setting (the same
# hardening and checks, HMRC's test service) except that drills and chaos experiments run weekly there;
# "development" is the demo; "test" is set by the test suite.
STRONGROOM_ENV = env.str("STRONGROOM_ENV", default="test" if "pytest" in sys.modules else "development")
if STRONGROOM_ENV not in {"development", "test", "staging", "production"}:
    raise ImproperlyConfigured(f"STRONGROOM_ENV={STRONGROOM_ENV!r} is not development, test, staging or production")
IS_STAGING = STRONGROOM_ENV == "staging"
IS_PRODUCTION = STRONGROOM_ENV in {"production", "staging"}
if not IS_PRODUCTION:
    # The demo's SQLite files, keystore and media live here; nothing else is guaranteed to create it first.
    VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)


# --- Secrets provider (issue #15, helper "secrets"; docs/decisions/0022-secrets-provider.md) -------------------
# SECRETS_BACKEND: local (the embedded default: an AES-GCM keystore in var/, its key outside the repository),
# vault (OpenBao/Vault KV v2 via AppRole), aws (Secrets Manager) or env (STRONGROOM_SECRET_<NAME>; production's
# default until a backend is chosen). Boot-time values (SECRET_KEY, the database password) are read once here;
# integrations read theirs through apps.security_center.secrets.get_secret (TTL cache, stale grace, fail closed).
from datetime import timedelta as _timedelta  # noqa: E402

from apps.security_center.secrets import bootstrap as _secrets_bootstrap  # noqa: E402

SECRETS_TTL_SECONDS = env.float("SECRETS_TTL_SECONDS", default=300.0)
SECRETS_GRACE_SECONDS = env.float("SECRETS_GRACE_SECONDS", default=900.0)
# How long a retired SECRET_KEY stays a fallback: the longest session or reset-token lifetime (two weeks).
SECRETS_KEY_FALLBACK_MAX_AGE_SECONDS = env.int("SECRETS_KEY_FALLBACK_MAX_AGE_SECONDS", default=14 * 24 * 3600)
# secrets.age (security center): WARN past the first figure, FAIL past the second; per-name overrides allowed.
SECRETS_MAX_AGE_DAYS = env.int("SECRETS_MAX_AGE_DAYS", default=90)
SECRETS_MAX_AGE_DAYS_BY_NAME: dict[str, int] = {}
_secrets_provider = _secrets_bootstrap.boot(
    strongroom_env=STRONGROOM_ENV,
    var_dir=VAR_DIR,
    base_dir=BASE_DIR,
    ttl=SECRETS_TTL_SECONDS,
    grace=SECRETS_GRACE_SECONDS,
)
SECRETS_BACKEND = _secrets_provider.backend.kind
if env.str("SECRET_KEY", default=""):
    # An explicitly injected SECRET_KEY still wins (platforms that inject it as a variable).
    SECRET_KEY = env.str("SECRET_KEY")
    SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
else:
    SECRET_KEY, SECRET_KEY_FALLBACKS = _secrets_bootstrap.secret_key_from(
        _secrets_provider, max_fallback_age=_timedelta(seconds=SECRETS_KEY_FALLBACK_MAX_AGE_SECONDS)
    )
    SECRET_KEY_FALLBACKS += env.list("SECRET_KEY_FALLBACKS", default=[])
# --- end secrets provider ------------------------------------------------------------------------------------

# Field encryption (apps/security_center/crypto, docs/decisions/0004): per-tenant data keys wrapped by a KEK.
# "local" reads FIELD_ENCRYPTION_KEKS ("1:<base64 32 bytes>,2:<base64>", highest = current) from the
# environment; a dotted path selects another KekProvider (Vault Transit, AWS KMS).
FIELD_ENCRYPTION_KEK_PROVIDER = env.str("FIELD_ENCRYPTION_KEK_PROVIDER", default="local")
# Seconds an unwrapped data key stays cached in a process: how late another process's rotation or shred is seen.
FIELD_ENCRYPTION_KEY_CACHE_SECONDS = env.float("FIELD_ENCRYPTION_KEY_CACHE_SECONDS", default=300.0)
if FIELD_ENCRYPTION_KEK_PROVIDER == "local" and not env.str("FIELD_ENCRYPTION_KEKS", default=""):
    if IS_PRODUCTION:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEKS must be provided in production (or a KMS provider)")
    if STRONGROOM_ENV == "test":
        # Derived from this process's random SECRET_KEY and exported, so Celery workers started by tests decrypt too.
        from apps.security_center.crypto.kek import derived_keks_spec

        os.environ["FIELD_ENCRYPTION_KEKS"] = derived_keks_spec(SECRET_KEY)

# --- KEK providers and key rotation (issue #15, helper "keks"; decision 0023) ------------------
# FIELD_ENCRYPTION_KEK_PROVIDER="vault-transit": a Transit key created with derived=true (auth: VAULT_* settings,
# the shared apps.security_center.vault session). "aws-kms": FIELD_ENCRYPTION_AWS_KMS_KEYS = "1:<key id/ARN>,2:..."
# (highest = current; credentials from the standard AWS_* environment or the instance role, never in settings).
# The Vault session (apps.security_center.vault, shared with the secrets provider; keep one copy at merge):
# AppRole in production, a token only against a development server. Never logged.
VAULT_ADDR = env.str("VAULT_ADDR", default="")
VAULT_ROLE_ID = env.str("VAULT_ROLE_ID", default="")
VAULT_SECRET_ID = env.str("VAULT_SECRET_ID", default="")
VAULT_TOKEN = env.str("VAULT_TOKEN", default="")
VAULT_TIMEOUT = env.float("VAULT_TIMEOUT", default=5.0)
FIELD_ENCRYPTION_VAULT_TRANSIT_MOUNT = env.str("FIELD_ENCRYPTION_VAULT_TRANSIT_MOUNT", default="transit")
FIELD_ENCRYPTION_VAULT_TRANSIT_KEY = env.str("FIELD_ENCRYPTION_VAULT_TRANSIT_KEY", default="strongroom-kek")
FIELD_ENCRYPTION_AWS_KMS_KEYS = env.str("FIELD_ENCRYPTION_AWS_KMS_KEYS", default="")
FIELD_ENCRYPTION_AWS_KMS_ENDPOINT_URL = env.str("FIELD_ENCRYPTION_AWS_KMS_ENDPOINT_URL", default="")  # moto in tests
FIELD_ENCRYPTION_AWS_KMS_REGION = env.str("FIELD_ENCRYPTION_AWS_KMS_REGION", default="eu-west-2")
# Policy maxima the security center's encryption.rotation check compares the last rotations with.
FIELD_ENCRYPTION_KEK_MAX_AGE_DAYS = env.int("FIELD_ENCRYPTION_KEK_MAX_AGE_DAYS", default=365)
FIELD_ENCRYPTION_DEK_MAX_AGE_DAYS = env.int("FIELD_ENCRYPTION_DEK_MAX_AGE_DAYS", default=365)
FIELD_ENCRYPTION_SWEEP_BATCH_SIZE = env.int("FIELD_ENCRYPTION_SWEEP_BATCH_SIZE", default=200)
# --- end KEK providers and key rotation ---

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if IS_PRODUCTION else ["localhost", "127.0.0.1", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Our apps first so that their templates and commands take precedence.
    "apps.tenancy",
    "apps.accounts",
    "apps.audit",
    "apps.permissions",
    "apps.portal",
    "apps.observability",
    "apps.documents",
    "apps.security_center",
    "apps.ledger",
    "apps.integrations",
    "apps.sandbox",
    "apps.filing",
    "apps.onboarding",
    "apps.staff_console",  # the top layer: every staff page
    "apps.devtools",  # not part of the product: dev and deploy commands
    "apps.monitors",
    "apps.backups",  # backups, PITR, restore drills (issue #16)
    "apps.outbox",  # the transactional outbox (issue #17)
    "apps.privacy",  # retention, erasure, access requests (issue #15, decision 0026)
    "apps.reports",  # reports and exports (issue #13, decision 0041)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "django_scopes",
    "rules.apps.AutodiscoverRulesConfig",
    "waffle",
    "django_celery_beat",
    "django_htmx",
    "csp",
    "rest_framework",
    "drf_spectacular",
    "django_prometheus",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "apps.observability.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "apps.tenancy.guard.RequestGuardMiddleware",  # hostile text is a 400; private answers are no-store
    "apps.observability.middleware.LogContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "apps.accounts.middleware.MethodNotAllowedPage",  # a page for 405, like the 404's
    "apps.accounts.middleware.Require2FAMiddleware",
    "apps.tenancy.middleware.TenantMiddleware",
    "apps.accounts.middleware.ApplicationErrorPage",  # a view's ApplicationError -> its error page (rolled back)
    "axes.middleware.AxesMiddleware",  # last of ours: django-axes wants to see every earlier answer
    "django_prometheus.middleware.PrometheusAfterMiddleware",
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
                "csp.context_processors.nonce",
                "apps.tenancy.context_processors.tenancy",
                "apps.monitors.banners.context_processor",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# DATABASE_URL is the application role. On PostgreSQL, DATABASE_OWNER_URL is
# the role that owns the tables: migrations and test-database creation use the
# "owner" alias; every request and task uses "default", which row-level
# security applies to. See docs/postgres-roles.md.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'strongroom.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (decision 0035): a new PostgreSQL connection costs a few ms of every request. Safe with
# RLS because the tenant is a transaction-local setting (set_config(..., true)), gone at every COMMIT/ROLLBACK,
# so a reused connection starts each request with no tenant (tests/tenancy/test_persistent_connections.py).
# Production and staging keep a connection 60 s; elsewhere each request opens its own (the demo's threaded server).
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60 if IS_PRODUCTION else 0))
# Outbox (issue #17): a connection that died with a PostgreSQL restart is replaced, not reused, by workers.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
IS_POSTGRES = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
if IS_POSTGRES:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    owner_url = env.str("DATABASE_OWNER_URL", default="")
    if owner_url:
        owner = env.db_url_config(owner_url)
        # In tests the owner creates and migrates the test database and
        # "default" mirrors it: same database, but still the application's
        # login role, so row-level security applies to every test query.
        DATABASES["default"]["TEST"] = {"MIRROR": "owner"}
        DATABASES["owner"] = owner
if STRONGROOM_ENV == "development" and not IS_POSTGRES:
    # The embedded demo keeps the sandbox's tables in their own SQLite file, so that a portal request holding a
    # write transaction can call the sandbox over HTTP without "database is locked" (apps/sandbox/routers.py).
    DATABASES["sandbox"] = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(VAR_DIR / "sandbox.sqlite3")}
DATABASE_ROUTERS = ["apps.sandbox.routers.SandboxRouter"]
# django-prometheus's wrappers count queries, errors and connections per alias (vendor is unchanged,
# so `connection.vendor == "postgresql"` checks and the RLS code behave the same).
_PROMETHEUS_ENGINES = {
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}
for _db in DATABASES.values():
    if _db["ENGINE"] == "django.db.backends.sqlite3":
        # Tests on SQLite use Django's in-memory database, said explicitly: pytest-xdist would otherwise name
        # each worker's test database after the wrapped engine's file path ("test_/…/strongroom.sqlite3_gw0").
        _db.setdefault("TEST", {}).setdefault("NAME", ":memory:")
    _db["ENGINE"] = _PROMETHEUS_ENGINES.get(_db["ENGINE"], _db["ENGINE"])
# The login role of the application; post_migrate grants it exactly what it needs.
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default=DATABASES["default"].get("USER") or "strongroom_app")
# Secrets provider (issue #15, helper "secrets"): the database login, when the backend holds one, read at boot;
# "database_credentials" ({user, password}: one of two overlapping login roles in the DATABASE_APP_ROLE group,
# rotated by rotate_secret) or just "database_password". Requests switch new connections after a rotation.
if IS_POSTGRES:
    from apps.security_center.secrets.database import apply_login as _apply_db_login
    from apps.security_center.secrets.database import current_login as _current_db_login

    _db_password = _secrets_provider.get_optional("database_password")
    if _db_password:
        DATABASES["default"]["PASSWORD"] = _db_password
    _apply_db_login(DATABASES["default"], _current_db_login(_secrets_provider))
# Rotation of database_credentials: an admin connection (superuser or CREATEROLE) and the login roles' prefix.
DATABASE_ROTATION_ADMIN_URL = env.str("DATABASE_ROTATION_ADMIN_URL", default="")
DATABASE_LOGIN_ROLE_PREFIX = env.str("DATABASE_LOGIN_ROLE_PREFIX", default=f"{DATABASE_APP_ROLE}_login")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Cache ----------------------------------------------------------------
def _per_test_worker(name: str) -> str:
    """Parallel tests (pytest-xdist worker gwN, N >= 1) move a Redis URL's database down by 4N (mod 16).

    Tests flush their cache and broker databases; two workers sharing one would flush each other's state. CI's
    suites run one after another, so the databases below the configured ones are free while the unit tier runs.
    The moved URL is written back to the environment with a marker, so the processes a test starts (workers,
    servers) inherit it once, whether they take the environment or this setting, and never move it again.
    """
    url = env.str(name, default="")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    parts = urlsplit(url)
    if (
        not worker.startswith("gw")
        or worker == "gw0"
        or not parts.scheme.startswith("redis")
        or os.environ.get(f"STRONGROOM_{name}_MOVED") == worker
    ):
        return url
    number = int(parts.path.strip("/") or 0)
    moved = parts._replace(path=f"/{(number - 4 * int(worker[2:])) % 16}").geturl()
    os.environ[name], os.environ[f"STRONGROOM_{name}_MOVED"] = moved, worker
    return moved


CACHE_URL = _per_test_worker("CACHE_URL")
CACHES = {
    "default": env.cache_url_config(CACHE_URL)
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "strongroom"}
}
# Outbox (issue #17): a Redis that is down costs a request seconds, never an unbounded wait.
if CACHES["default"]["BACKEND"].endswith(".RedisCache"):
    CACHES["default"].setdefault("OPTIONS", {}).update({
        "socket_connect_timeout": env.float("CACHE_CONNECT_TIMEOUT", default=1.0),
        "socket_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=2.0),
    })  # fmt: skip

# --- Authentication -------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Business permissions are not a backend: apps/permissions/policy.py decides them alone (decision 0012), so
# no backend's grant can be OR-ed past one of its conditions. ModelBackend answers the admin's model permissions.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if STRONGROOM_ENV == "test":
    # Argon2 is deliberately slow; tests create hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal-home"
LOGOUT_REDIRECT_URL = "accounts:login"

OTP_TOTP_ISSUER = "Strongroom"
OTP_TOTP_THROTTLE_FACTOR = 1

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "email"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# --- Sessions, cookies, headers -------------------------------------------
SECURE_COOKIES = env.bool("SECURE_COOKIES", default=IS_PRODUCTION)
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_NAME = "__Host-sessionid" if SECURE_COOKIES else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if SECURE_COOKIES else "csrftoken"
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600  # idle timeout, renewed on every request
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_FAILURE_VIEW = "apps.accounts.views.csrf_failure"

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=IS_PRODUCTION)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=63072000 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = IS_PRODUCTION
SECURE_HSTS_PRELOAD = IS_PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind the TLS proxy (deploy/nginx): trust its X-Forwarded-Proto (it overwrites the client's).
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files (served by whitenoise; no CDN: the CSP forbids it) ------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
MEDIA_ROOT = Path(env.str("STRONGROOM_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Outside production, serve straight from the source folders too (no collectstatic needed).
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
# Documents: the filesystem under MEDIA_ROOT, or an S3-compatible bucket when DOCUMENT_S3_BUCKET is set
# (credentials from the standard AWS_* environment or the instance role; never in settings).
DOCUMENT_S3_BUCKET = env.str("DOCUMENT_S3_BUCKET", default="")
_document_storage = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": DOCUMENT_S3_BUCKET,
            "endpoint_url": env.str("DOCUMENT_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("DOCUMENT_S3_REGION", default="eu-west-2"),
            "file_overwrite": True,  # names are content hashes: the same name is the same bytes
            "default_acl": None,
            "querystring_auth": True,
            "object_parameters": {"ServerSideEncryption": "AES256"},
        },
    }
    if DOCUMENT_S3_BUCKET
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
)
STORAGES = {
    "default": _document_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if IS_PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Email ----------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Strongroom <no-reply@strongroom.invalid>")

# --- Celery ---------------------------------------------------------------
# No broker configured means the embedded mode: tasks run in-process.
CELERY_BROKER_URL = _per_test_worker("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# No result backend unless one is asked for: nothing reads task results, and Redis's result backend kept a
# request waiting in its reconnect loop while Redis was down (issue #17). Tests that read results set it.
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_IGNORE_RESULT = not CELERY_RESULT_BACKEND
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A pool child that grows past this (KiB) is replaced after its task: OCR of large scans leaks nothing for long.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=400_000)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
# Longer than the longest task plus its longest retry countdown (docs/contracts/task-delivery.md).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * 3600,
    # Outbox (issue #17): bounded waits on a Redis that is down; the outbox relay, not the message, guarantees delivery.
    "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=2.0),
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=5.0),
    "retry_on_timeout": False,
    # kombu's reconnect loop when publishing: once, at once (the outbox relay is the retry).
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_DEFAULT_QUEUE = "default"
# Document processing is routed per tenant (a burst goes to the bulk OCR queues: apps/documents/queueing.py);
# the rest by name.
CELERY_TASK_ROUTES = (
    "apps.documents.queueing.route_task",
    {
        "documents.*": {"queue": "ocr"},
        "filing.*": {"queue": "filing"},
        "integrations.*": {"queue": "integrations"},
        "maintenance.*": {"queue": "maintenance"},
        "audit.*": {"queue": "maintenance"},
    },
)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "reconcile-documents": {"task": "maintenance.reconcile_documents", "schedule": 600.0},
    **{
        f"synthetic-{check}": {
            "task": "maintenance.synthetic_check",
            "schedule": 60.0,
            "kwargs": {"check": check},
            "options": {"expires": 55},  # a run that waited a minute is worthless: the next one is due
        }
        for check in ("health", "login", "upload", "filing")
    },
    "resume-vat-submissions": {"task": "maintenance.resume_vat_submissions", "schedule": 60.0},
    "sync-vat-obligations": {"task": "maintenance.sync_all_vat_obligations", "schedule": 6 * 3600.0},
    "purge-oauth-states": {"task": "maintenance.purge_oauth_states", "schedule": 24 * 3600.0},
    "sync-bank-feeds": {"task": "maintenance.sync_all_bank_feeds", "schedule": 3 * 3600.0},
    "expire-elevations": {"task": "maintenance.expire_elevations", "schedule": 60.0},
    "open-access-review": {"task": "maintenance.open_access_review", "schedule": 24 * 3600.0},
    # H1 (issue #17): breaker banners follow the shared breaker state even if a transition's listener was lost.
    "sync-breaker-banners": {"task": "maintenance.sync_breaker_banners", "schedule": 60.0, "options": {"expires": 55}},
    # Outbox (issue #17): send what is due and again what was lost, within a minute.
    "outbox-relay": {
        "task": "maintenance.outbox_relay",
        "schedule": env.float("OUTBOX_RELAY_SECONDS", default=15.0),
        "options": {"expires": 14},
    },
    "outbox-purge": {"task": "maintenance.outbox_purge", "schedule": 24 * 3600.0},
    # Key rotation (issue #15, helper "keks"): move values sealed under older data keys onto the active one.
    "reencrypt-sweep": {"task": "maintenance.reencrypt_sweep", "schedule": 24 * 3600.0},
}
# The full chaos set weekly, on staging only (a stack of its own on ports 57400-57499; manage.py chaos; the host
# needs the PostgreSQL and Redis server binaries and chaostoolkit from requirements-dev.txt).
if IS_STAGING:
    CELERY_BEAT_SCHEDULE["chaos-weekly"] = {"task": "maintenance.run_chaos_experiments", "schedule": 7 * 24 * 3600.0}
CELERY_TIMEZONE = TIME_ZONE

# --- Outbox (apps/outbox; decision 0017) -----------------------------------
# A sent message not started within this is sent again (doubling per send up to the max): lost messages come back.
OUTBOX_DISPATCH_LEASE_SECONDS = env.float("OUTBOX_DISPATCH_LEASE_SECONDS", default=40.0)
OUTBOX_DISPATCH_LEASE_MAX_SECONDS = env.float("OUTBOX_DISPATCH_LEASE_MAX_SECONDS", default=1800.0)
# After a task starts, its row is sent again only past the task's hard time limit plus this (the worker died)...
OUTBOX_RUN_LEASE_MARGIN_SECONDS = env.float("OUTBOX_RUN_LEASE_MARGIN_SECONDS", default=90.0)
# ...unless a worker renews the lease every this many seconds while the task runs (a lease of three beats): a
# worker killed outright then has its work sent again within about a minute, not after the time limit.
OUTBOX_HEARTBEAT_SECONDS = env.float("OUTBOX_HEARTBEAT_SECONDS", default=15.0)
# The relay leaves a fresh row alone this long, so the after-commit fast send is not doubled.
OUTBOX_FAST_SEND_GRACE_SECONDS = env.float("OUTBOX_FAST_SEND_GRACE_SECONDS", default=10.0)
OUTBOX_MAX_SENDS = env.int("OUTBOX_MAX_SENDS", default=8)
# The fast send after a request's commit first checks the broker accepts a TCP connection within this; a refusal
# is remembered this long, so requests during a Redis outage wait on nothing (their rows wait for the relay).
OUTBOX_FAST_SEND_CONNECT_TIMEOUT = env.float("OUTBOX_FAST_SEND_CONNECT_TIMEOUT", default=0.5)
OUTBOX_BROKER_DOWN_MEMORY_SECONDS = env.float("OUTBOX_BROKER_DOWN_MEMORY_SECONDS", default=5.0)
OUTBOX_RELAY_BATCH = env.int("OUTBOX_RELAY_BATCH", default=500)
OUTBOX_KEEP_DONE_DAYS = env.int("OUTBOX_KEEP_DONE_DAYS", default=14)
OUTBOX_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1.0}
# Database errors in a worker: retried with jittered exponential backoff, bounded (issue #17, item 5).
TASK_DATABASE_RETRIES = env.int("TASK_DATABASE_RETRIES", default=6)
TASK_DATABASE_RETRY_BASE_SECONDS = env.float("TASK_DATABASE_RETRY_BASE_SECONDS", default=2.0)
TASK_DATABASE_RETRY_MAX_SECONDS = env.float("TASK_DATABASE_RETRY_MAX_SECONDS", default=60.0)

# --- Logging --------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_JSON = env.bool("LOG_JSON", default=IS_PRODUCTION)
from apps.observability.logging import configure_structlog, logging_config  # noqa: E402

LOGGING = logging_config(level=LOG_LEVEL, json=LOG_JSON)
configure_structlog()

# --- Strongroom -----------------------------------------------------------
# Elevated access (apps/permissions): the longest a staff member may ask for, and break-glass's fixed length.
ELEVATION_MAX_MINUTES = env.int("ELEVATION_MAX_MINUTES", default=240)
BREAK_GLASS_MINUTES = env.int("BREAK_GLASS_MINUTES", default=30)
# Days a quarterly access review has before it shows as overdue in the staff console.
ACCESS_REVIEW_DAYS = env.int("ACCESS_REVIEW_DAYS", default=14)
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)
# Sign-ups one client address may make per hour (apps/onboarding/signup_views.py).
SIGNUP_RATE_LIMIT_PER_HOUR = env.int("SIGNUP_RATE_LIMIT_PER_HOUR", default=20)

# --- External APIs and their local sandboxes -----------------------------
# The sandbox app (local HMRC, Companies House and bank feed) is mounted at
# /sandbox/ unless this is production. Clients only ever see a base URL.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=not IS_PRODUCTION)
if SANDBOX_ENABLED and IS_PRODUCTION:
    raise ImproperlyConfigured("SANDBOX_ENABLED must be off in production")
# Seconds each process caches the sandbox's fault switches; 0 in tests, so a rolled-back fault never lingers.
SANDBOX_FAULT_CACHE_SECONDS = env.float("SANDBOX_FAULT_CACHE_SECONDS", default=0.0 if STRONGROOM_ENV == "test" else 2.0)
# Where this site is reachable by the browser and by its own workers (OAuth redirect URIs, sandbox URLs).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
_sandbox = f"{SITE_URL}/sandbox"
HMRC_API_BASE_URL = env.str("HMRC_API_BASE_URL", default=f"{_sandbox}/hmrc" if SANDBOX_ENABLED else "").rstrip("/")
HMRC_AUTHORIZE_URL = env.str(
    "HMRC_AUTHORIZE_URL", default=f"{_sandbox}/hmrc/oauth/authorize" if SANDBOX_ENABLED else ""
)
HMRC_CLIENT_ID = env.str("HMRC_CLIENT_ID", default="strongroom-sandbox" if SANDBOX_ENABLED else "")


def _release_version() -> str:
    """The release version, from pyproject.toml's [project] version: its one source of truth."""
    with open(BASE_DIR / "pyproject.toml", "rb") as f:
        return str(tomllib.load(f)["project"]["version"])


# Vendor identity sent in the fraud-prevention headers (Gov-Vendor-*). VENDOR_VERSION may be set when the image is
# built (e.g. with a build number); otherwise it is the release version.
VENDOR_PRODUCT_NAME = env.str("VENDOR_PRODUCT_NAME", default="Strongroom")
VENDOR_VERSION = env.str("VENDOR_VERSION", default="").strip() or _release_version()
# Fraud-prevention headers (apps/integrations/hmrc/fraud_headers.py): how many reverse proxies in front of the
# app append to X-Forwarded-For (0: REMOTE_ADDR is the client), the header the edge proxy sets to the client's
# source port, and the public IP clients connect to (the load balancer; SITE_URL's host when that is an IP).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
CLIENT_PORT_HEADER = env.str("CLIENT_PORT_HEADER", default="X-Client-Port")
VENDOR_PUBLIC_IP = env.str("VENDOR_PUBLIC_IP", default="")
COMPANIES_HOUSE_BASE_URL = env.str(
    "COMPANIES_HOUSE_BASE_URL", default=f"{_sandbox}/companies-house" if SANDBOX_ENABLED else ""
).rstrip("/")
BANK_FEED_BASE_URL = env.str("BANK_FEED_BASE_URL", default=f"{_sandbox}/bank" if SANDBOX_ENABLED else "").rstrip("/")
# Seconds: connect and read timeouts for every external call.
EXTERNAL_CONNECT_TIMEOUT = env.float("EXTERNAL_CONNECT_TIMEOUT", default=3.05)
EXTERNAL_READ_TIMEOUT = env.float("EXTERNAL_READ_TIMEOUT", default=15.0)
# H3 (issue #17): a VAT return's POST waits longer: its reply is the only copy of the receipt. Below the filing
# task's soft time limit (90 s) with room for a read-back.
HMRC_SUBMIT_READ_TIMEOUT = env.float("HMRC_SUBMIT_READ_TIMEOUT", default=60.0)
# HMRC's budget is 3 requests a second for the whole application (apps/integrations/hmrc/rate_limit.py); tests
# keep the same code path with a budget that never makes them wait. Live reads (liabilities, payments) are cached.
HMRC_RATE_LIMIT_PER_SECOND = env.float(
    "HMRC_RATE_LIMIT_PER_SECOND", default=1000.0 if STRONGROOM_ENV == "test" else 3.0
)
HMRC_LIVE_READ_CACHE_SECONDS = env.int("HMRC_LIVE_READ_CACHE_SECONDS", default=60)
# --- Circuit breakers and retries around external calls (H1, issue #17; decision 0016) ---
# Breaker state lives in Redis (its own client: short timeouts, no retries) so every process shares it; empty
# (the embedded mode) keeps it in the process. Redis down: each process uses its own in-memory breaker for
# BREAKER_REDIS_RETRY_SECONDS, then tries Redis again. BREAKERS overrides fail_max / reset_timeout per key.
BREAKER_REDIS_URL = env.str("BREAKER_REDIS_URL", default=CACHE_URL if CACHE_URL.startswith("redis") else "")
BREAKER_REDIS_TIMEOUT = env.float("BREAKER_REDIS_TIMEOUT", default=0.25)
BREAKER_REDIS_RETRY_SECONDS = env.float("BREAKER_REDIS_RETRY_SECONDS", default=5.0)
BREAKER_KEY_PREFIX = env.str("BREAKER_KEY_PREFIX", default="strongroom:breaker:")
BREAKER_FAIL_MAX = env.int("BREAKER_FAIL_MAX", default=5)
BREAKER_RESET_TIMEOUT = env.float("BREAKER_RESET_TIMEOUT", default=60.0)
BREAKERS: dict[str, dict[str, float]] = {
    "hmrc": {"fail_max": env.int("BREAKER_HMRC_FAIL_MAX", default=5)},
    "companies_house": {},
    "bank_feed": {},
}
# A half-open trial call holds its lease this long at most (a process that died mid-trial frees it).
BREAKER_TRIAL_LEASE_SECONDS = env.float(
    "BREAKER_TRIAL_LEASE_SECONDS", default=EXTERNAL_CONNECT_TIMEOUT + EXTERNAL_READ_TIMEOUT + 5
)
# Retries of safe calls (GET; never the VAT return POST): attempts, full-jitter exponential backoff, and a deadline
# after which no attempt starts. Tests keep one attempt (the same code path; the retry tests set more).
EXTERNAL_RETRY_ATTEMPTS = env.int("EXTERNAL_RETRY_ATTEMPTS", default=1 if STRONGROOM_ENV == "test" else 3)
EXTERNAL_RETRY_BACKOFF = env.float("EXTERNAL_RETRY_BACKOFF", default=0.5)
EXTERNAL_RETRY_MAX_WAIT = env.float("EXTERNAL_RETRY_MAX_WAIT", default=4.0)
EXTERNAL_RETRY_DEADLINE = env.float("EXTERNAL_RETRY_DEADLINE", default=20.0)
# H3 (issue #17): the period page's HMRC figures are read by a worker; the page shows the last read (kept this
# long), asks for at most one refresh per period per lock period, and polls a few times while it runs.
HMRC_LIVE_KEEP_SECONDS = env.int("HMRC_LIVE_KEEP_SECONDS", default=24 * 3600)
HMRC_LIVE_REFRESH_LOCK_SECONDS = env.int("HMRC_LIVE_REFRESH_LOCK_SECONDS", default=60)
HMRC_LIVE_POLLS = env.int("HMRC_LIVE_POLLS", default=10)
# The batch-process device id (HMRC: generated once, kept on the machine that runs scheduled calls).
HMRC_BATCH_DEVICE_ID_FILE = env.str("HMRC_BATCH_DEVICE_ID_FILE", default=str(VAR_DIR / "hmrc-batch-device-id"))

# --- Content Security Policy ----------------------------------------------
from csp.constants import NONCE, NONE, SELF  # noqa: E402


def _origin(url: str) -> str:
    """scheme://host[:port] of a URL ("" when it has no scheme or host): what a CSP source names."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2].lower()  # never a user:password@ part
    return f"{parts.scheme.lower()}://{host}" if parts.scheme and host else ""


def _form_action_sources() -> list[str]:
    """This site, plus exactly the origin of HMRC's sign-in page, and nothing broader.

    "Connect to HMRC" is a POST to our own view (it records the single-use
    OAuth state, so it must be a CSRF-protected POST, not a link) which answers
    with a redirect to HMRC_AUTHORIZE_URL. Chromium applies ``form-action`` to
    every redirect that follows a form submission, so with ``'self'`` alone the
    redirect to HMRC (always another origin in production) is silently blocked
    and the button does nothing. Turning the button into a plain link would dodge
    the directive but lose the POST; allowing the one origin keeps both.
    """
    authorize_origin = _origin(HMRC_AUTHORIZE_URL)
    return [SELF, authorize_origin] if authorize_origin else [SELF]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [NONE],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": _form_action_sources(),
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# --- Synthetic monitors (apps/monitors/synthetic.py) ---------------------
# The synthetic user's password; empty means generated per process and kept only hashed in the database.
SYNTHETIC_MONITOR_PASSWORD = env.str("SYNTHETIC_MONITOR_PASSWORD", default="")
SYNTHETIC_UPLOAD_TIMEOUT = env.int("SYNTHETIC_UPLOAD_TIMEOUT", default=40)  # seconds to reach "posted"
SYNTHETIC_DEGRADED_AFTER = env.int("SYNTHETIC_DEGRADED_AFTER", default=2)  # failures in a row before the banner
# Alertmanager's base URL (e.g. http://alertmanager:9093): the SLO dashboard lists its firing alerts.
ALERTMANAGER_URL = env.str("ALERTMANAGER_URL", default="")

# --- HTTP API -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"uploads": env.str("API_UPLOAD_RATE", default="120/minute")},
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",  # one JSON shape for every refusal
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Strongroom API",
    "DESCRIPTION": "Upload receipts and invoices and follow them to the ledger. Authenticate with "
    "`Authorization: Token <key>` (a key belongs to one business).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Documents ------------------------------------------------------------
# Below this confidence in supplier, date or total, a document waits for a person instead of posting.
CLASSIFICATION_CONFIDENCE_THRESHOLD = env.float("CLASSIFICATION_CONFIDENCE_THRESHOLD", default=0.80)
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=20 * 1000 * 1000)
DOCUMENT_MAX_PAGES = env.int("DOCUMENT_MAX_PAGES", default=20)
# Per page; an A3 page at 300 dpi is 17.4 megapixels.
DOCUMENT_MAX_PIXELS = env.int("DOCUMENT_MAX_PIXELS", default=40_000_000)
# A page's longest side over its shortest: a till roll is about 10; 20000 x 1 pixels is not a document.
DOCUMENT_MAX_ASPECT_RATIO = env.int("DOCUMENT_MAX_ASPECT_RATIO", default=25)
# What a PDF's page descriptions and fonts may expand to when decompressed (images are judged by pixels).
DOCUMENT_MAX_INFLATED_BYTES = env.int("DOCUMENT_MAX_INFLATED_BYTES", default=32 * 1000 * 1000)
# Worker stops after this many attempts at one document (a poison document that keeps killing workers).
DOCUMENT_MAX_ATTEMPTS = env.int("DOCUMENT_MAX_ATTEMPTS", default=3)
DOCUMENT_MAX_FILES_PER_UPLOAD = env.int("DOCUMENT_MAX_FILES_PER_UPLOAD", default=20)
# OCR is the slowest step: its own limits, inside the broker's visibility timeout.
DOCUMENT_TASK_SOFT_TIME_LIMIT = env.int("DOCUMENT_TASK_SOFT_TIME_LIMIT", default=240)
DOCUMENT_TASK_TIME_LIMIT = env.int("DOCUMENT_TASK_TIME_LIMIT", default=300)
# OCR seconds one document may use in all (both readings); past it the document fails with the reason.
DOCUMENT_OCR_BUDGET_SECONDS = env.int("DOCUMENT_OCR_BUDGET_SECONDS", default=120)
# Documents of one business read at the same time; its further tasks wait (see apps/documents/tasks.py).
DOCUMENT_OCR_PER_TENANT = env.int("DOCUMENT_OCR_PER_TENANT", default=2)
DOCUMENT_OCR_DEFER_SECONDS = env.int("DOCUMENT_OCR_DEFER_SECONDS", default=10)
# A document in progress longer than this is reported, and re-queued, by the reconciliation.
DOCUMENT_STUCK_AFTER_SECONDS = env.int("DOCUMENT_STUCK_AFTER_SECONDS", default=900)

# --- Backups and restore drills (apps/backups, issue #16; deploy/README.md "Backups") ---------------
# PostgreSQL: pgBackRest (PITR from archived WAL) run as the database's OS user; documents: restic snapshots
# taken after each database backup; SQLite (the embedded default): online-backup copies under BACKUP_DIR.
BACKUP_ENABLED = env.bool("BACKUP_ENABLED", default=STRONGROOM_ENV in {"staging", "production"})
PGBACKREST_CONFIG = env.str("PGBACKREST_CONFIG", default="/etc/pgbackrest/pgbackrest.conf")
PGBACKREST_STANZA = env.str("PGBACKREST_STANZA", default="strongroom")
PGBACKREST_REPO_PATH = env.str("PGBACKREST_REPO_PATH", default="/var/lib/pgbackrest")  # shown on the facts page
PGBACKREST_OS_USER = env.str("PGBACKREST_OS_USER", default="postgres")  # never root: see deploy/README.md
RESTIC_REPOSITORY = env.str("RESTIC_REPOSITORY", default="")  # a path, or s3:https://host/bucket
RESTIC_PASSWORD_FILE = env.str("RESTIC_PASSWORD_FILE", default="")  # 0600, outside the repository tree
RESTIC_CACHE_DIR = env.str("RESTIC_CACHE_DIR", default=str(VAR_DIR / "restic-cache"))
BACKUP_DIR = Path(env.str("BACKUP_DIR", default=str(VAR_DIR / "backups")))  # SQLite copies and media snapshots
BACKUP_SQLITE_KEEP = env.int("BACKUP_SQLITE_KEEP", default=14)
# Where a drill builds its scratch cluster: the PostgreSQL binaries and the port range it may listen on.
PG_BINDIR = env.str("PG_BINDIR", default="/usr/lib/postgresql/15/bin")
RESTORE_DRILL_PORTS = tuple(env.list("RESTORE_DRILL_PORTS", cast=int, default=[55432, 55499]))
RESTORE_DRILL_SCRATCH_DIR = env.str("RESTORE_DRILL_SCRATCH_DIR", default="")  # empty: the system temp dir
RESTORE_DRILL_SUPERUSER = env.str("RESTORE_DRILL_SUPERUSER", default="postgres")  # pg_amcheck, promotion polls
BACKUP_RTO_OBJECTIVE_SECONDS = env.int("BACKUP_RTO_OBJECTIVE_SECONDS", default=900)
BACKUP_RPO_OBJECTIVE_SECONDS = env.int("BACKUP_RPO_OBJECTIVE_SECONDS", default=60)
# Backups, verification and drills run for hours on a large database: their own Celery limits.
BACKUP_TASK_SOFT_TIME_LIMIT = env.int("BACKUP_TASK_SOFT_TIME_LIMIT", default=6 * 3600)
RESTORE_DRILL_MAX_AGE_DAYS = env.int("RESTORE_DRILL_MAX_AGE_DAYS", default=8 if IS_STAGING else 35)
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE.update(
    {
        # Incremental hourly, differential daily, full weekly (Sunday); each is followed by a documents snapshot.
        "backup-pg-incr": {
            "task": "maintenance.backup_database",
            "schedule": crontab(minute=15),
            "kwargs": {"kind": "incr"},
        },
        "backup-pg-diff": {
            "task": "maintenance.backup_database",
            "schedule": crontab(minute=45, hour=1, day_of_week="1-6"),
            "kwargs": {"kind": "diff"},
        },
        "backup-pg-full": {
            "task": "maintenance.backup_database",
            "schedule": crontab(minute=45, hour=1, day_of_week=0),
            "kwargs": {"kind": "full"},
        },
        "backup-verify": {"task": "maintenance.verify_backups", "schedule": crontab(minute=30, hour=4)},
        # Monthly by default (the 1st, 05:00); weekly (Mondays) in staging.
        "restore-drill": {
            "task": "maintenance.restore_drill",
            "schedule": crontab(minute=0, hour=5, day_of_week=1)
            if IS_STAGING
            else crontab(minute=0, hour=5, day_of_month="1"),
        },
    }
)
# H3 (issue #17): a store that looks absent is never acted on; readiness wants room to write.
# The reconciliation samples this many known files (newest first, a few per business) before it acts, and refuses
# when more than this fraction of them (and at least two) are missing.
DOCUMENT_STORE_SAMPLE_SIZE = env.int("DOCUMENT_STORE_SAMPLE_SIZE", default=50)
DOCUMENT_STORE_SAMPLE_PER_TENANT = env.int("DOCUMENT_STORE_SAMPLE_PER_TENANT", default=5)
DOCUMENT_STORE_MAX_MISSING_FRACTION = env.float("DOCUMENT_STORE_MAX_MISSING_FRACTION", default=0.5)
# Readiness fails when the document store (filesystem) has less free space than this.
DOCUMENT_STORE_MIN_FREE_BYTES = env.int("DOCUMENT_STORE_MIN_FREE_BYTES", default=512 * 1024 * 1024)

# --- Security center (issue #15, decision 0027) ------------------------------
# Every check (platform and each business) recorded hourly for the page's history and the gauges; every audit
# chain verified hourly (the AuditChainVerificationStale alert fires after 3 hours without one).
CELERY_BEAT_SCHEDULE.update(
    {
        "security-checks": {"task": "maintenance.run_security_checks", "schedule": crontab(minute=20)},
        "verify-audit-chains": {"task": "maintenance.verify_audit_chains", "schedule": crontab(minute=5)},
        # The full re-verification (every chain from its first event; decision 0037), daily at a quiet hour.
        "verify-audit-chains-full": {
            "task": "maintenance.verify_audit_chains_full",
            "schedule": crontab(hour=3, minute=35),
        },
    }
)
SECURITY_CHECK_HISTORY_DAYS = env.int("SECURITY_CHECK_HISTORY_DAYS", default=90)
AUDIT_CHAIN_MAX_AGE_HOURS = env.int("AUDIT_CHAIN_MAX_AGE_HOURS", default=3)
# --- Privacy: retention, erasure, access requests (apps/privacy, issue #15; decision 0026) ----------------------
# The retention job runs daily as a dry run (it records what it WOULD delete) until this is turned on.
PRIVACY_RETENTION_ENABLED = env.bool("PRIVACY_RETENTION_ENABLED", default=False)
PRIVACY_STATUTORY_YEARS = env.int("PRIVACY_STATUTORY_YEARS", default=6)  # never fewer than 6 (apps/privacy/policies.py)
PRIVACY_AUDIT_YEARS = env.int("PRIVACY_AUDIT_YEARS", default=7)
PRIVACY_LOG_DAYS = env.int(
    "PRIVACY_LOG_DAYS", default=30
)  # the log store's own retention (deploy), stated in the record
PRIVACY_FAILED_UPLOAD_DAYS = env.int("PRIVACY_FAILED_UPLOAD_DAYS", default=90)
PRIVACY_SYNTHETIC_DAYS = env.int("PRIVACY_SYNTHETIC_DAYS", default=7)
PRIVACY_SYNTHETIC_TENANT_SLUG = "strongroom-synthetic"  # apps/monitors/synthetic.py (a higher layer) creates it
PRIVACY_REQUEST_DEADLINE_DAYS = env.int("PRIVACY_REQUEST_DEADLINE_DAYS", default=30)  # GDPR Art. 12(3): one month
PRIVACY_EXPORT_DIR = Path(env.str("PRIVACY_EXPORT_DIR", default=str(VAR_DIR / "privacy-exports")))  # not served
PRIVACY_EXPORT_LINK_HOURS = env.int("PRIVACY_EXPORT_LINK_HOURS", default=24)
PRIVACY_EXPORT_KEEP_DAYS = env.int("PRIVACY_EXPORT_KEEP_DAYS", default=7)
# When the last backup holding erased data is expired: pgBackRest keeps this many weekly fulls
# (deploy/pgbackrest/pgbackrest.conf.example, repo1-retention-full=2), so the oldest is up to (n + 1) weeks old.
PRIVACY_BACKUP_FULL_KEEP = env.int("PRIVACY_BACKUP_FULL_KEEP", default=2)
PRIVACY_BACKUP_AGE_OUT_DAYS = env.int("PRIVACY_BACKUP_AGE_OUT_DAYS", default=7 * (PRIVACY_BACKUP_FULL_KEEP + 1))
CELERY_BEAT_SCHEDULE["privacy-retention"] = {  # daily, 03:10, after the night's backups
    "task": "maintenance.privacy_retention",
    "schedule": crontab(minute=10, hour=3),
}
