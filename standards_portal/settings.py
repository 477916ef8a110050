"""Settings for Standards Portal, read from the environment.

Every value has a safe development default; production sets DEBUG=false and the
values listed in `.env.example`. A malformed value stops start-up with a message
naming the variable.
"""

import os
import sys
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in env_str(name, default).split(",") if part.strip()]


DEBUG = env_bool("DEBUG", True)
TESTING = "pytest" in sys.modules or env_bool("TESTING", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = "development-only-key-never-use-in-production-0123456789abcdef"
elif not DEBUG and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")


def development_site_url(host: str, port: int) -> str:
    """The address `make run` serves on, as a link: a wildcard bind is reached on loopback."""
    host = host.strip() or "127.0.0.1"
    if host in {"0.0.0.0", "::", "[::]"}:  # noqa: S104 — a bind address, turned into a link
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


# The public address in links that leave the page: emails, the certificate's QR code and
# "Verify at" line. In development it follows HOST and PORT (which `make run` passes on),
# so the links point at the server that is running; production, or any server behind a
# proxy, sets SITE_URL to the address people use.
SITE_URL = env_str("SITE_URL").rstrip("/")
if not SITE_URL:
    if DEBUG:
        SITE_URL = development_site_url(env_str("HOST"), env_int("PORT", 8000, minimum=1))
    else:
        SITE_URL = "http://127.0.0.1:8000"
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL must start with http:// or https://, not {SITE_URL!r}.")

INSTALLED_APPS = [
    "accounts.apps.PortalAdminConfig",  # django.contrib.admin, audited
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks_db",
    "phonenumber_field",
    # The portal's own apps, bottom floor first (docs/architecture.md).
    "core",
    "accounts",
    "sso",
    "pledges",
    "signing",
    "education",
    "assessments",
    "reports",
    "records",
    "front",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "core.middleware.PrintableUserAgentMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.i18n.UserLanguageMiddleware",
    "core.middleware.FormCharsetMiddleware",
    "core.middleware.PrivateCacheMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.MfaRequiredMiddleware",
]

ROOT_URLCONF = "standards_portal.urls"
WSGI_APPLICATION = "standards_portal.wsgi.application"

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
                "django.template.context_processors.csp",
                "core.context_processors.portal",
            ],
        },
    },
]

# Database: SQLite (WAL, immediate transactions) unless DATABASE_URL is set.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    import dj_database_url

    try:
        _db = dj_database_url.parse(DATABASE_URL)
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {error}") from None
    if _db["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://…).")
    # Short waits, so that while PostgreSQL is away a request gives up in seconds (and
    # core.outage answers the next ones at once) instead of holding a worker.
    _db["OPTIONS"] = {"connect_timeout": env_int("DATABASE_CONNECT_TIMEOUT", 2, minimum=1)}
    if env_bool("DATABASE_POOL", True):
        from core.outage import check_connection

        _db["OPTIONS"]["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 1, minimum=0),
            "max_size": env_int("DATABASE_POOL_MAX", 8, minimum=1),
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 2, minimum=1),
            # The pool's own retries back off exponentially (1, 2, 4, 8 s...): stop them
            # after a second, so that the first request after an outage connects afresh
            # at once instead of waiting for the next retry.
            "reconnect_timeout": 1,
            # Test each connection as it leaves the pool, so connections broken by a
            # database restart are replaced instead of failing the next request (and,
            # while the server is away, so that the request fails at once).
            "check": check_connection,
        }
    else:
        _db["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
        _db["CONN_HEALTH_CHECKS"] = True
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000"
                ),
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Cache: the database by default so every server process shares rate limits;
# Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
        }
    }
# Django's own sessions: in the database, read through the shared cache when Redis is there.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if REDIS_URL
    else "django.contrib.sessions.backends.db"
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2id at OWASP's parameters (accounts.hashers); hashes from the other hashers are
# still accepted and rehashed with Argon2id at the next sign-in.
PASSWORD_HASHERS = [
    "accounts.hashers.PortalArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
if TESTING:
    # Fast for the thousands of accounts the tests make; the hashing tests put the
    # production list back.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# Django's and allauth's backends, loading the person with their membership in one query;
# Django's own stays last for sessions that name it.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.PortalModelBackend",
    "accounts.backends.PortalAuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# django-allauth: email sign-in, verified addresses, invitation-only sign-up.
# Phone numbers are kept in E.164; a number typed without "+1" is read as a US number.
PHONENUMBER_DEFAULT_REGION = "US"
PHONENUMBER_DB_FORMAT = "E164"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_ADAPTER = "accounts.adapter.PortalAccountAdapter"
USERSESSIONS_ADAPTER = "accounts.adapter.PortalUserSessionsAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Standards Portal] "
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
# Per address limits are generous (a large office signs in from behind one NAT
# address); per account ("key") limits are tight. MFA codes count as failed sign-ins
# keyed by the person. Kept in the shared cache (see CACHES).
ACCOUNT_RATE_LIMITS = {
    "login": "300/m/ip",
    "login_failed": "100/m/ip,5/5m/key",
    "reset_password": "30/m/ip,3/15m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reauthenticate": "10/m/user",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
}
# How many reverse proxies in front of the portal append to X-Forwarded-For; 0 ignores
# the header. `accounts.audit.client_ip` and allauth's rate limits both read it.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Standards Portal"
# A code typed just as the app moves on to the next one is still accepted (RFC 6238's
# allowance of one step for delay).
MFA_TOTP_TOLERANCE = 1
MFA_ADAPTER = "accounts.adapter.PortalMFAAdapter"
# Supervisors, managers, association roles and site administrators must set up a
# second step before using the portal (accounts.mfa). Off under the
# test runner, where tests sign in with force_login; the MFA tests turn it on.
MFA_REQUIRED = env_bool("MFA_REQUIRED", not TESTING)

# Single sign-on (the `sso` app, docs/sso.md): identity providers are registered per office
# or association in the portal, never here; allauth's apps are built from them
# (sso.adapter). Nobody signs up through a provider: a first sign-in links an existing
# account or accepts a pending invitation, for a verified address in the provider's domains.
SOCIALACCOUNT_ADAPTER = "sso.adapter.PortalSocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_QUERY_EMAIL = True
# SAML through allauth's own provider-class hook: the portal's subclass (sso.providers.saml)
# adds what the sign-in proved (issuer, NameID, AuthnContextClassRef) and refuses replays.
SOCIALACCOUNT_PROVIDERS = {"saml": {"provider_class": "sso.providers.saml.PortalSAMLProvider"}}
# Client secrets typed into the portal are kept encrypted with this key (a Fernet key:
# `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
# Unset, a key is derived from SECRET_KEY, so rotating SECRET_KEY then needs the secrets
# typed again. Several keys, comma-separated, decrypt; the first encrypts.
SSO_ENCRYPTION_KEYS = env_str("SSO_ENCRYPTION_KEYS", "")
# The demo identity provider started by `make run` (demo/idp.py); empty turns it off.
DEMO_IDP_URL = env_str("DEMO_IDP_URL", "http://127.0.0.1:8001" if DEBUG else "")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# A signed-out visitor's choice of language is remembered for a year in this cookie; a
# signed-in person's is saved on their account (core.i18n).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_str("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))

# Email through Django's MAILERS: the development outbox in development, SMTP when
# EMAIL_HOST is set and always in production.
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Standards Portal <no-reply@standards-portal.test>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
_email_host = env_str("EMAIL_HOST")
if _email_host or not DEBUG:
    # Production always sends through SMTP; without EMAIL_HOST, a local relay on port 25.
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host or "localhost",
                "port": env_int("EMAIL_PORT", 587 if _email_host else 25, minimum=1),
                "username": env_str("EMAIL_HOST_USER"),
                "password": env_str("EMAIL_HOST_PASSWORD"),
                "use_tls": env_bool("EMAIL_USE_TLS", bool(_email_host)),
                "timeout": 10,
            },
        }
    }
else:
    # Development: kept in the outbox folder, printed decoded on the console, and listed
    # with clickable links at /dev/outbox/ (core.outbox). Nothing is sent.
    MAILERS = {"default": {"BACKEND": "core.outbox.OutboxBackend"}}
DEV_OUTBOX_DIR = Path(env_str("DEV_OUTBOX_DIR", str(MEDIA_ROOT / "dev-outbox")))

# Background work (PDFs, email) through django.tasks and the database backend.
TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if TESTING or env_bool("TASKS_IMMEDIATE", False)
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}

# The seal on every PDF the portal issues (core.seal, docs/records.md): a PKCS#12 file, or
# a key in an HSM through its PKCS#11 module. In development and tests a self-signed seal
# is made on first use in SEAL_DEVELOPMENT_DIR; in production, without a seal, no PDF is
# issued and `check --deploy` says so. SEAL_TSA_URL adds an RFC 3161 timestamp (B-T).
SEAL_PKCS12_PATH = env_str("SEAL_PKCS12_PATH")
SEAL_PKCS12_PASSPHRASE = env_str("SEAL_PKCS12_PASSPHRASE")
SEAL_PKCS11_MODULE = env_str("SEAL_PKCS11_MODULE")
SEAL_PKCS11_TOKEN_LABEL = env_str("SEAL_PKCS11_TOKEN_LABEL")
SEAL_PKCS11_PIN = env_str("SEAL_PKCS11_PIN")
SEAL_PKCS11_KEY_LABEL = env_str("SEAL_PKCS11_KEY_LABEL")
SEAL_PKCS11_CERT_LABEL = env_str("SEAL_PKCS11_CERT_LABEL", SEAL_PKCS11_KEY_LABEL)
if SEAL_PKCS12_PATH and SEAL_PKCS11_MODULE:
    raise ImproperlyConfigured("Set SEAL_PKCS12_PATH or SEAL_PKCS11_MODULE, not both.")
if SEAL_PKCS11_MODULE and not SEAL_PKCS11_KEY_LABEL:
    raise ImproperlyConfigured("SEAL_PKCS11_KEY_LABEL must be set with SEAL_PKCS11_MODULE.")
SEAL_DEVELOPMENT = env_bool("SEAL_DEVELOPMENT", DEBUG or TESTING)
SEAL_DEVELOPMENT_DIR = Path(env_str("SEAL_DEVELOPMENT_DIR", str(BASE_DIR / "var" / "seal")))
SEAL_TSA_URL = env_str("SEAL_TSA_URL")
SEAL_TSA_TIMEOUT = env_int("SEAL_TSA_TIMEOUT", 10, minimum=1)

# Security. Production (DEBUG=false) is strict; the proxy sets X-Forwarded-Proto.
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
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Signed out after this many seconds without a request (SESSION_COOKIE_AGE is the
# absolute limit); both are enforced by accounts.middleware.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=60)
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "core.views.csrf_failure"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", SITE_URL)

DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
ROSTER_MAX_BYTES = env_int("ROSTER_MAX_BYTES", 1_048_576, minimum=1024)
ROSTER_MAX_ROWS = env_int("ROSTER_MAX_ROWS", 2_000, minimum=1)
INVITATION_DAYS = env_int("INVITATION_DAYS", 14, minimum=1)
SMALL_CELL_MINIMUM = 5

ADMINS = [("Site administrators", a) for a in env_list("ADMIN_EMAILS", "")]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's default config gives "django" a console handler of its own; it also
        # propagates to the root's, so every django.* line (the task worker's among them)
        # was printed twice. Here it keeps only the administrators' email.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.db.backends": {"level": "INFO"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Pledges: public verification lookups allowed per client address per window (seconds),
# and how many days before a cycle closes `send_pledge_reminders` reminds the unsigned.
PLEDGE_VERIFY_RATE_LIMIT = env_int("PLEDGE_VERIFY_RATE_LIMIT", 30, minimum=1)
PLEDGE_VERIFY_RATE_WINDOW = env_int("PLEDGE_VERIFY_RATE_WINDOW", 600, minimum=1)
PLEDGE_REMINDER_DAYS_BEFORE_CLOSE = env_int("PLEDGE_REMINDER_DAYS_BEFORE_CLOSE", 14, minimum=0)

# The public log of pledges (pledges.transparency, docs/records.md). Checkpoints are signed
# with an Ed25519 key: LOG_SIGNING_KEY (PEM, or the 32-byte private key in base64) or the
# PEM file LOG_SIGNING_KEY_FILE. In development and tests the file is made on first use
# under var/log-key/; in production a missing key is an error. LOG_ORIGIN names the log
# (default: SITE_URL's host + "/log") and must never change. A checkpoint is signed
# LOG_CHECKPOINT_DELAY seconds after a signature (one for every signature in between).
LOG_SIGNING_KEY = env_str("LOG_SIGNING_KEY")
LOG_SIGNING_KEY_DEVELOPMENT = env_bool("LOG_SIGNING_KEY_DEVELOPMENT", DEBUG or TESTING)
LOG_SIGNING_KEY_FILE = env_str(
    "LOG_SIGNING_KEY_FILE",
    str(BASE_DIR / "var" / "log-key" / "ed25519.pem") if LOG_SIGNING_KEY_DEVELOPMENT else "",
)
LOG_ORIGIN = env_str("LOG_ORIGIN")
LOG_CHECKPOINT_DELAY = env_int("LOG_CHECKPOINT_DELAY", 60, minimum=0)
LOG_RATE_LIMIT = env_int("LOG_RATE_LIMIT", 600, minimum=1)
LOG_RATE_WINDOW = env_int("LOG_RATE_WINDOW", 600, minimum=1)

# Reports: a background PDF still pending this many seconds after it was queued is taken
# to have lost its worker; the page then shows it as failed and offers to try again.
REPORT_FILE_TIMEOUT = env_int("REPORT_FILE_TIMEOUT", 600, minimum=30)

# Records-request bundles: a prepared ZIP is kept this many days, then its file is deleted.
RECORDS_BUNDLE_DAYS = env_int("RECORDS_BUNDLE_DAYS", 7, minimum=1)

# Signing sessions (signing app, docs/sessions.md). Join and code requests allowed per client
# address per window (a training room shares one address: generous); a one-time code's
# life; how long a person who joined by code stays signed in; a kiosk's idle lock and the
# time a signer has at the kiosk before it resets.
SIGNING_RATE_LIMIT = env_int("SIGNING_RATE_LIMIT", 600, minimum=1)
SIGNING_RATE_WINDOW = env_int("SIGNING_RATE_WINDOW", 600, minimum=1)
SIGNING_CODE_MINUTES = env_int("SIGNING_CODE_MINUTES", 10, minimum=1)
SIGNING_CODE_SESSION_SECONDS = env_int("SIGNING_CODE_SESSION_SECONDS", 1800, minimum=300)
KIOSK_IDLE_LOCK_SECONDS = env_int("KIOSK_IDLE_LOCK_SECONDS", 900, minimum=60)
KIOSK_SIGNER_SECONDS = env_int("KIOSK_SIGNER_SECONDS", 180, minimum=30)
# Text messages (core.sms): the console in development (written to the log), kept in
# memory under tests; production names a backend class of its own (docs/sessions.md).
SMS_BACKEND = env_str(
    "SMS_BACKEND", "core.sms.LocmemBackend" if TESTING else "core.sms.ConsoleBackend"
)

# Certification programs (education app, docs/education.md): how many days before a
# person's current period ends, unmet, `send_lapse_reminders` writes to them (once per
# period) and their office's page shows "lapses soon".
EDUCATION_LAPSE_REMINDER_DAYS = env_int("EDUCATION_LAPSE_REMINDER_DAYS", 60, minimum=1)

# Courses (education app, docs/education.md): `send_course_reminders` (in the daily jobs)
# reminds people registered for a course date this many days before it starts, once.
COURSE_REMINDER_DAYS_BEFORE = env_int("COURSE_REMINDER_DAYS_BEFORE", 2, minimum=0)
# Course CSV imports: the largest file accepted.
COURSE_IMPORT_MAX_BYTES = env_int("COURSE_IMPORT_MAX_BYTES", 1_048_576, minimum=1024)

# Self-reported training (education app, docs/education.md): the evidence files people
# upload are kept in this private folder, outside MEDIA_ROOT and never served by the web
# server (downloaded only through a view that checks who asks), each at most this size.
# Tests keep theirs in the system's temporary folder, never in the working copy.
PRIVATE_MEDIA_DEFAULT = BASE_DIR / "var" / "private"
PRIVATE_MEDIA_ROOT = Path(
    env_str(
        "PRIVATE_MEDIA_ROOT",
        str(
            Path(tempfile.gettempdir()) / "standards-portal-tests" / "private"
            if TESTING
            else PRIVATE_MEDIA_DEFAULT
        ),
    )
)
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 5 * 1_048_576, minimum=65_536)
