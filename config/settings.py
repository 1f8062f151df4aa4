"""Django settings for the Quảng Ninh merger tracker.

Everything that varies by deployment comes from the environment through config.env.
"""

import datetime

from csp.constants import NONE as CSP_NONE
from csp.constants import SELF as CSP_SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import (
    BASE_DIR,
    INSECURE_DEFAULT_SECRET_KEY,
    database_config,
    env_bool,
    env_int,
    env_list,
    env_proxy_ssl_header,
    env_str,
    secret_key_is_weak,
)

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
if not DEBUG and SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a strong secret when DJANGO_DEBUG is off.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "districts",
    "mergers",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"

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
                "config.context_processors.roles",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# Vietnamese first, English second.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Whitenoise reads files as they are asked for in development (pytest-django turns DEBUG off at
# run time, so its default would look for collected files that development never makes).
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "config.auth.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.DjangoModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Quảng Ninh merger tracker API",
    "DESCRIPTION": "District-level agency mergers in Quảng Ninh province, 2015-2020.",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
}

# --- issue 4: web pages -------------------------------------------------------------------
# Dates shown and typed as dd/mm/yyyy (yyyy-mm-dd accepted too), numbers with the
# language's separators (1.234 in Vietnamese, 1,234 in English).
FORMAT_MODULE_PATH = ["config.formats"]
USE_THOUSAND_SEPARATOR = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]

# --- issue 3: REST API (/api/v1/) ---------------------------------------------------------


def throttle_rate(name: str, default: str) -> str | None:
    """A DRF rate such as "1200/minute"; "off" switches that throttle off (benchmarks only:
    DRF keeps every request time of the window, so a huge rate makes each request slower)."""
    value = env_str(name, default)
    return None if value.strip().lower() == "off" else value


REST_FRAMEWORK.update(
    {
        # Reading needs the model's view permission; anonymous requests get 401 (Token first,
        # so that the 401 carries WWW-Authenticate).
        "DEFAULT_PERMISSION_CLASSES": ["config.api.permissions.ModelPermissions"],
        "DEFAULT_PAGINATION_CLASS": "config.api.pagination.Pagination",
        "PAGE_SIZE": 50,
        # No browsable API: every answer under /api/ is JSON (or CSV when asked for).
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "config.api.renderers.CSVRenderer"],
        "DEFAULT_THROTTLE_CLASSES": [
            "rest_framework.throttling.AnonRateThrottle",
            "rest_framework.throttling.UserRateThrottle",
        ],
        "DEFAULT_THROTTLE_RATES": {
            "anon": throttle_rate("API_THROTTLE_ANON", "60/minute"),
            "user": throttle_rate("API_THROTTLE_USER", "1200/minute"),
        },
        "EXCEPTION_HANDLER": "config.api.exceptions.exception_handler",
        "DEFAULT_SCHEMA_CLASS": "config.api.schema.APIAutoSchema",
        "TEST_REQUEST_DEFAULT_FORMAT": "json",
    }
)
SPECTACULAR_SETTINGS.update(
    {
        "COMPONENT_SPLIT_REQUEST": True,
        "SCHEMA_PATH_PREFIX": "/api/v1/",
        "SERVE_INCLUDE_SCHEMA": False,
        "ENUM_NAME_OVERRIDES": {
            "SourceKindEnum": "mergers.choices.SourceKind",
            "MergerStatusEnum": "mergers.choices.MergerStatus",
            "SectorEnum": "mergers.choices.Sector",
            "DistrictKindEnum": "districts.choices.DistrictKind",
        },
    }
)

# --- issue 7 (hardening): production security, CSP, login brute-force protection -------
# `manage.py check --deploy --fail-level WARNING` passes with DJANGO_DEBUG=0 (tested in
# tests/hardening/test_settings.py). Everything below that only makes sense over HTTPS is
# switched on only when DEBUG is off, so `make run` keeps working on plain http.

if not DEBUG and secret_key_is_weak(SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too weak for production: use at least 50 random characters "
        "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )

INSTALLED_APPS += ["csp", "axes"]
# Axes last, as its documentation asks: it turns a lockout flagged during the request into
# the lockout page.
MIDDLEWARE += ["csp.middleware.CSPMiddleware", "axes.middleware.AxesMiddleware"]

# Axes first: it refuses a locked-out username+IP before any password is checked. It needs
# the request: authenticate(request, username=..., password=...) (Django's login view, the
# admin and DRF's ObtainAuthToken all pass it).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, with the permissions kept in the read cache (config/auth.py).
    "config.auth.CachedPermissionsBackend",
]
AXES_FAILURE_LIMIT = env_int("DJANGO_AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("DJANGO_AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_LOCKOUT_CALLABLE = "config.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True

# Every page: no framing, no referrer outside the site, and a CSP without inline code.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [CSP_SELF],
        "script-src": [CSP_SELF],
        "style-src": [CSP_SELF],
        "img-src": [CSP_SELF, "data:"],
        "font-src": [CSP_SELF],
        "connect-src": [CSP_SELF],
        "object-src": [CSP_NONE],
        "base-uri": [CSP_SELF],
        "form-action": [CSP_SELF],
        "frame-ancestors": [CSP_NONE],
    },
}
# Swagger UI at /api/docs/ must be drf-spectacular's SpectacularSwaggerSplitView: it serves
# its start-up script as a separate same-origin request instead of an inline <script>, and
# templates/drf_spectacular/swagger_ui.html moves its inline <style> to a static file.
# No validator badge: it would load an image from validator.swagger.io.
SPECTACULAR_SETTINGS["SWAGGER_UI_SETTINGS"] = {
    "deepLinking": True,
    "validatorUrl": None,
    **SPECTACULAR_SETTINGS.get("SWAGGER_UI_SETTINGS", {}),
}

# Where collectstatic writes (hashed, compressed names when DEBUG is off) and whitenoise serves from.
STATIC_ROOT = env_str("DJANGO_STATIC_ROOT", str(STATIC_ROOT))

# Sessions end after a working day, and (by default) when the browser closes.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("DJANGO_SESSION_EXPIRE_AT_BROWSER_CLOSE", True)
SESSION_COOKIE_HTTPONLY = True

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    # Behind a TLS-terminating proxy: DJANGO_SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto=https.
    SECURE_PROXY_SSL_HEADER = env_proxy_ssl_header("DJANGO_SECURE_PROXY_SSL_HEADER")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    if not SECURE_SSL_REDIRECT:
        # The operator says the proxy redirects http to https itself.
        SILENCED_SYSTEM_CHECKS = ["security.W008"]
    CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# --- issue polish: the empty choice of every list filter reads "Tất cả" (all), not "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("Tất cả")

# --- issue 6: the read cache (reports/readcache.py). Pages and API responses are reused until
# the next committed write changes the data stamp in the database. The stamp keeps every
# worker's own cache right, so a per-process cache needs no shared server. 0 turns it off.
READ_CACHE_SECONDS = env_int("DJANGO_READ_CACHE_SECONDS", 300)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    # A national staffing report is about 300 kB: 400 entries bound a worker's memory.
    "reads": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "reads",
        "OPTIONS": {"MAX_ENTRIES": 400},
    },
}
