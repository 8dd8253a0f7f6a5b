"""Settings for the Guide des acteurs de l'orientation.

Everything that differs between a laptop, CI and production is read from the
environment through the strict helpers below: a value that cannot be parsed
stops the process at start-up instead of silently falling back.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}.")


def env_int(name, default, *, minimum=None):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}.")
    return value


def env_str(name, default=""):
    raw = os.environ.get(name)
    return default if raw is None or raw.strip() == "" else raw.strip()


def env_list(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off: export SECRET_KEY=… in production; "
            "in development, run the command with DEBUG=1 (DEBUG=1 .venv/bin/python manage.py …)."
        )
    SECRET_KEY = "insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# A failed CSRF check answers the French page in the site's layout.
CSRF_FAILURE_VIEW = "guide.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "actors",
    "frontdesk",
    "simple_history",
    "partners",
    "opendata",
    "insights",
    "transit",
    # The project itself: its one migration creates the database cache's table.
    "guide",
]
# Example data (seed_demo, seed_search_demo): development, demonstrations, benchmarks.
# A production guide leaves it out (nothing else imports it).
DEMO_DATA = env_bool("DEMO_DATA", DEBUG)
if DEMO_DATA:
    INSTALLED_APPS.append("demo")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Hashed, compressed static files served by the application server itself.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # A query string of over 1,000 parameters: a French 400, never a 500 (even with DEBUG).
    "guide.middleware.QueryStringLimitMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Records the signed-in user as the author of every history row.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A database restart answers 503 with a French page, not a 500.
    "guide.middleware.DatabaseUnavailableMiddleware",
    # Last: locks out repeated failed sign-ins (admin and partner space).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "guide.urls"
WSGI_APPLICATION = "guide.wsgi.application"

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
                "actors.context_processors.site",
                "frontdesk.context_processors.selection",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite file in the project root by default, so a fresh checkout runs; PostgreSQL
# in production through DATABASE_URL=postgres://user:password@host:5432/name.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
_is_sqlite = DATABASE_URL.startswith("sqlite")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=0 if _is_sqlite else env_int("CONN_MAX_AGE", 600, minimum=0),
        conn_health_checks=not _is_sqlite,
    )
}
if _is_sqlite:
    # WAL lets readers proceed while a writer commits; IMMEDIATE avoids the
    # "database is locked" upgrade deadlock between two writing requests.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    # No JIT compilation: it pays off for long analytical queries; for a web page's
    # queries of a few milliseconds it costs more than it saves (340 ms compiling a rare
    # search's plan at a million places, measured). POSTGRES_JIT=1 turns it back on.
    if not env_bool("POSTGRES_JIT", False):
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------
# Shared by every server process (rate limits must hold across gunicorn workers):
# Django's database cache by default, Redis when REDIS_URL is set.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "guide_cache",
        }
    }
# This process's memory: where the error-report limit and the geocoder pause fall back
# when the shared cache cannot be reached (Redis down); each process then counts alone.
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "local"}

# --- Auth -----------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Internationalisation -----------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FIXTURE_DIRS = [BASE_DIR / "fixtures"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))

# --- Security -----------------------------------------------------------------------
# `manage.py check --deploy` passes with DEBUG=0, a real SECRET_KEY and ALLOWED_HOSTS.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preload is opt-in: once browsers ship the domain in their preload list, leaving it
# takes months, and every subdomain must serve HTTPS for good. Off, Django's deploy
# check would warn about it (security.W021): that is the choice, so it stays quiet.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if _is_sqlite:
    # The proximity index includes the id for PostgreSQL's index-only count; SQLite's
    # indexes hold it already (the rowid), so ignoring INCLUDE there is what we want.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
# The language chosen in the footer: HTTPS only like the session, never sent cross-site.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
if env_bool("BEHIND_HTTPS_PROXY", False):
    # Only behind a proxy that always sets this header itself.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy: scripts and styles from our own files only — no
# inline script, no 'unsafe-inline'; map tiles from the configured tile server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Sign-in brute force: 5 failures for a user name from an address lock it for an hour.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = 1  # hour
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# Static files: hashed names and compression (whitenoise) outside development.
if not DEBUG:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# --- The directory ----------------------------------------------------------------------
# Walking estimates: straight-line distance × detour factor, at walking speed.
WALKING_SPEED_KMH = 4.5
WALKING_DETOUR_FACTOR = 1.3
# Public transport (transit app, from the network's GTFS feed): the stops shown for a
# place are those within this much walking, the nearest few.
TRANSIT_WALK_M = env_int("TRANSIT_WALK_M", 400, minimum=50)
TRANSIT_STOPS_PER_PLACE = 3
# A published entry not verified for this many days shows "informations à vérifier".
STALE_AFTER_DAYS = env_int("STALE_AFTER_DAYS", 180, minimum=1)

# --- JSON API ----------------------------------------------------------------------------
# Read-only and public: no authentication, JSON only (no browsable API pages).
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["actors.renderers.EscapingJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Guide des acteurs de l'orientation — API",
    "DESCRIPTION": (
        "Lecture seule. Les structures publiées, leurs besoins, publics et horaires, "
        "avec les mêmes paramètres que la recherche du site (/recherche/)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Two fields named "kind": a structure's, and a search origin's (actors.api.schema.ORIGIN).
    "ENUM_NAME_OVERRIDES": {
        "StructureKindEnum": "actors.enums.StructureKind",
        "OriginKindEnum": ["coordinates", "address", "desk", "neighbourhood"],
    },
}

# The visitor-independent part of a results page is cached this many seconds (0: never).
SEARCH_CACHE_SECONDS = env_int("SEARCH_CACHE_SECONDS", 60, minimum=0)
# How long a process keeps the needs, publics, languages and quartiers it searches by
# (actors.vocabulary); an edit in the same process is seen at once.
TAXONOMY_CACHE_SECONDS = env_int("TAXONOMY_CACHE_SECONDS", 300, minimum=0)

# The commune whose quartiers the home page shows first (its name or INSEE code), until the
# visitor picks another (actors.territories); its quartiers' names go without the commune.
DEFAULT_TERRITORY = env_str("DEFAULT_TERRITORY", "Nantes")

# --- Map --------------------------------------------------------------------------------
# Tiles of the /carte/ page (Leaflet). Empty: no background tiles (the markers and
# the quartier outline still show), e.g. for tests or an offline kiosk.
# Set but empty means "no tiles", unlike the other settings where empty means the default.
MAP_TILE_URL = os.environ.get("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_URL = MAP_TILE_URL.strip()
MAP_TILE_ATTRIBUTION = env_str(
    "MAP_TILE_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">'
    "les contributeurs d’OpenStreetMap</a>",
)

if MAP_TILE_URL.startswith(("https://", "http://")):
    _tile = MAP_TILE_URL.split("/")
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(f"{_tile[0]}//{_tile[2]}")

# --- Address geocoding (Base Adresse Nationale through geopy) -----------------------------
GEOCODER_DOMAIN = env_str("GEOCODER_DOMAIN", "api-adresse.data.gouv.fr")
GEOCODER_SCHEME = env_str("GEOCODER_SCHEME", "https")
GEOCODER_TIMEOUT = env_int("GEOCODER_TIMEOUT", 3, minimum=1)
GEOCODER_USER_AGENT = "guide-acteurs-orientation/1.0"
GEOCODER_AREA_HINT = env_str("GEOCODER_AREA_HINT", "Nantes")
GEOCODER_CACHE_DAYS = env_int("GEOCODER_CACHE_DAYS", 90, minimum=1)
# After a failure (down, timeout, error status), address searches skip the geocoder for
# this long and fall back at once (0: try it on every search).
GEOCODER_PAUSE_SECONDS = env_int("GEOCODER_PAUSE_SECONDS", 30, minimum=0)


# --- Partners: moderation, e-mail, error reports, reminders (partners app) ----------------
# E-mail: printed on the console unless EMAIL_HOST is set, then sent through SMTP.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Guide des acteurs de l'orientation <ne-pas-repondre@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in e-mails (reminders, decisions): the public address of the site.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# Partners sign in on their own page; they never enter the admin.
LOGIN_URL = "partners:login"
LOGIN_REDIRECT_URL = "partners:home"
# Password links (partners.accounts): a reset link lives this many hours, an agent's
# invitation this many days; both die once the password is set.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_HOURS", 24, minimum=1) * 3600
PARTNER_INVITATION_DAYS = env_int("PARTNER_INVITATION_DAYS", 7, minimum=1)
# The guide's team, named on the sign-in page for whoever has no account yet.
GUIDE_TEAM_EMAIL = env_str("GUIDE_TEAM_EMAIL", "equipe-guide@example.org")
# A stale structure's partners are reminded at most once per this many days.
REMINDER_INTERVAL_DAYS = env_int("REMINDER_INTERVAL_DAYS", 30, minimum=1)
# "Signaler une erreur": at most this many reports per client per hour, counted in
# the shared cache above (so the limit holds across server processes).
ERROR_REPORTS_PER_HOUR = env_int("ERROR_REPORTS_PER_HOUR", 5, minimum=1)


def client_address_settings(trusted_proxy_count, header):
    """django-ipware's settings (read through django-axes) for where the client address is.

    Without a proxy: REMOTE_ADDR. Behind `trusted_proxy_count` reverse proxies that
    each append the address they were reached from to X-Forwarded-For (nginx's
    $proxy_add_x_forwarded_for), the client is the entry our first proxy appended:
    that many from the right, which no client can forge; entries further left, a
    client's own, are ignored. `header` names another one (HTTP_X_REAL_IP) that the
    proxy overwrites. ipware counts the proxies before the last one, hence the - 1.
    """
    header = header or ("HTTP_X_FORWARDED_FOR" if trusted_proxy_count else "")
    if not header:
        return {
            "AXES_IPWARE_META_PRECEDENCE_ORDER": ("REMOTE_ADDR",),
            "AXES_IPWARE_PROXY_COUNT": None,
            "IPWARE_STRICT": True,
        }
    return {
        "AXES_IPWARE_META_PRECEDENCE_ORDER": (header, "REMOTE_ADDR"),
        "AXES_IPWARE_PROXY_COUNT": max(trusted_proxy_count - 1, 0),
        # A longer chain than expected (a client's own X-Forwarded-For) is not refused:
        # the entry our proxy appended is still read from the right.
        "IPWARE_STRICT": False,
    }


# The client address, read once (django-axes through django-ipware) for the sign-in
# lockout and the error-report rate limit alike (partners.ratelimit asks axes for it).
# Behind a proxy, without these every client has the proxy's address: anyone could lock
# any account, and the limits would count everyone together.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
CLIENT_IP_HEADER = env_str("CLIENT_IP_HEADER")
_client_address = client_address_settings(TRUSTED_PROXY_COUNT, CLIENT_IP_HEADER)
AXES_IPWARE_META_PRECEDENCE_ORDER = _client_address["AXES_IPWARE_META_PRECEDENCE_ORDER"]
AXES_IPWARE_PROXY_COUNT = _client_address["AXES_IPWARE_PROXY_COUNT"]
IPWARE_STRICT = _client_address["IPWARE_STRICT"]
# --- End of partners settings ---------------------------------------------------------------


# --- Open data: imports and exports (opendata app) ------------------------------------------
# Producer id of our data·inclusion exports (their `source` field); ask data·inclusion for one.
DATA_INCLUSION_SOURCE = env_str("DATA_INCLUSION_SOURCE", "guide-orientation-nantes")
# Files uploaded in the admin wait here between the dry run and the confirmation
# (empty: a folder in the system's temporary directory).
OPENDATA_UPLOAD_DIR = env_str("OPENDATA_UPLOAD_DIR")
# Largest file accepted by the admin upload (MB); bigger ones go through the command.
OPENDATA_UPLOAD_MAX_MB = env_int("OPENDATA_UPLOAD_MAX_MB", 50, minimum=1)
# Background jobs (the admin's imports): django-tasks — the API Django 6 ships as
# django.tasks — on its database backend, run by `manage.py db_worker` (`make run` starts
# one). The worker and the web server share the database and OPENDATA_UPLOAD_DIR.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# --- End of open data settings -----------------------------------------------------------------


# --- Search statistics: the dashboard of unmet demand (insights app) ---------------------------
# One anonymous row per search (see /a-propos/donnees/); SEARCH_ANALYTICS_ENABLED=0 records none.
SEARCH_ANALYTICS_ENABLED = env_bool("SEARCH_ANALYTICS_ENABLED", True)
# Searches counted in the last minute, as keyed hashes (insights/recording.py): Redis when
# REDIS_URL is set, so every process sees them; otherwise this process's memory, never the
# database cache (its queries would cost the search more than the recording itself).
CACHES["insights"] = (
    {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "insights",
    }
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "insights"}
)
# --- End of search statistics settings -----------------------------------------------------------
