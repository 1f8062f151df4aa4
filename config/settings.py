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
    cache_config,
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
    "core",  # what every app uses (the bottom layer: see pyproject.toml's import contract)
    "districts",
    "mergers",  # the domain: models, choices and the services every write goes through
    "figures",  # the figures engine and the reads the pages and the API show
    "registry",  # the register's pages, forms, admin, API and spreadsheet import
    "reports",
    "datasets",  # the Quảng Ninh data and the synthetic national data, built through the services
    "config.apps.ProjectConfig",  # the project's own system checks (config/checks.py)
]

MIDDLEWARE = [
    # First: an API answer the read cache gave this client is given again before any other
    # middleware runs, while its data stamps, the token's user and permissions are unchanged
    # (core/fastread.py; the whole stack below answers everything else).
    "core.fastread.FastReadMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # A strong ETag from the bytes of every GET answer (pages and API, each format and
    # language apart), and 304 for a matching If-None-Match. Before anything that changes the body.
    "django.middleware.http.ConditionalGetMiddleware",
    "config.middleware.RefuseNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.VietnameseFirstLocaleMiddleware",
    "config.middleware.RateLimitHeadersMiddleware",
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
        "core.auth.CachedTokenAuthentication",
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
    # ASCII: client generators derive package and module names from the title.
    "TITLE": "Quang Ninh Merger Tracker API",
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
    # WeasyPrint (the printed report's PDF) warns about every SVG property in the shared print stylesheet.
    "loggers": {"weasyprint": {"level": "ERROR"}},
}

# --- web pages ---------------------------------------------------------------------------
# Dates shown and typed as dd/mm/yyyy (yyyy-mm-dd accepted too), numbers with the
# language's separators (1.234 in Vietnamese, 1,234 in English).
FORMAT_MODULE_PATH = ["config.formats"]
USE_THOUSAND_SEPARATOR = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]

# --- REST API (/api/v1/) -----------------------------------------------------------------


def throttle_rate(name: str, default: str) -> str | None:
    """A DRF rate such as "1200/minute"; "off" switches that throttle off (benchmarks only:
    DRF keeps every request time of the window, so a huge rate makes each request slower)."""
    value = env_str(name, default)
    return None if value.strip().lower() == "off" else value


REST_FRAMEWORK.update(
    {
        # Reading needs the model's view permission; anonymous requests get 401 (Token first,
        # so that the 401 carries WWW-Authenticate).
        "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.ModelPermissions"],
        "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
        "PAGE_SIZE": 50,
        # No browsable API: every answer under /api/ is JSON (or CSV when asked for).
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer", "core.api.renderers.CSVRenderer"],
        # DRF's choice of renderer, kept per format, Accept header and renderers (core/api/negotiation.py).
        "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.api.negotiation.ContentNegotiation",
        # JSON bodies only (a client generator would offer form and multipart variants it cannot
        # build), with a size, depth and text check (no 500 from a crafted body).
        "DEFAULT_PARSER_CLASSES": ["core.api.parsers.JSONParser"],
        # Each throttle records its budget for the RateLimit-* headers (core.api.throttles).
        "DEFAULT_THROTTLE_CLASSES": [
            "core.api.throttles.AnonRateThrottle",
            "core.api.throttles.UserRateThrottle",
        ],
        # One budget per purpose: data reads (anon, user), token attempts (token) and
        # the schema and its docs (schema), so that 60 schema downloads do not lock out logins.
        "DEFAULT_THROTTLE_RATES": {
            "anon": throttle_rate("API_THROTTLE_ANON", "60/minute"),
            "user": throttle_rate("API_THROTTLE_USER", "1200/minute"),
            "token": throttle_rate("API_THROTTLE_TOKEN", "60/minute"),
            "schema": throttle_rate("API_THROTTLE_SCHEMA", "60/minute"),
        },
        "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
        "DEFAULT_SCHEMA_CLASS": "core.api.schema.APIAutoSchema",
        "DEFAULT_FILTER_BACKENDS": [
            "django_filters.rest_framework.DjangoFilterBackend",
            "core.api.filters.StrictOrderingFilter",
        ],
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
            "MeasureEnum": "figures.engine.MEASURES",
        },
        # ASCII names for the enums of query parameters, CSV answers as text, JSON-only bodies,
        # the token endpoint anonymous (core/api/schema.py).
        "POSTPROCESSING_HOOKS": [
            "drf_spectacular.hooks.postprocess_schema_enums",
            "core.api.schema.postprocess_schema",
        ],
    }
)
# --- CSV lists: every filtered row, streamed, up to this many (else a 400).
API_CSV_MAX_ROWS = env_int("API_CSV_MAX_ROWS", 100_000)

# --- production security, CSP, login brute-force protection ------------------------------
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
MIDDLEWARE += ["config.middleware.CSPMiddleware", "axes.middleware.AxesMiddleware"]

# Axes first: it refuses a locked-out username+IP before any password is checked. It needs
# the request: authenticate(request, username=..., password=...) (Django's login view, the
# admin and DRF's ObtainAuthToken all pass it).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend, with the permissions kept in the read cache (core/auth.py).
    "core.auth.CachedPermissionsBackend",
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

# --- list filters: the empty choice of every list filter reads "Tất cả" (all), not "---------".
FILTERS_EMPTY_CHOICE_LABEL = _("Tất cả")

# --- the read cache (core/readcache.py). Pages and API responses are reused until
# the next committed write changes the data stamp in the database. The stamp keeps every
# worker's own cache right, so a per-process cache needs no shared server. 0 turns it off.
READ_CACHE_SECONDS = env_int("DJANGO_READ_CACHE_SECONDS", 300)
# Who a token is and what a user may do (core/auth.py), kept for at most 30 s under the shared
# stamp, whatever READ_CACHE_SECONDS says: a write to the data renews the answers, not anyone's
# rights, so the request that rebuilds an answer after a write finds them here. Off: read from
# the database on every request.
AUTH_CACHE = env_bool("DJANGO_AUTH_CACHE", True)
# The figures engine's compiled SQL, the stamps, and every other SELECT from its second run in a
# process, run as statements prepared once per PostgreSQL connection (core/prepared.py). Off
# behind a connection pooler in transaction mode (PgBouncer's pool_mode=transaction), where a
# connection's prepared statements are not the next transaction's.
PREPARED_STATEMENTS = env_bool("DJANGO_PREPARED_STATEMENTS", True)
# --- the cache: Redis when REDIS_URL is set (throttles, read cache, cached auth shared by every
# worker), local memory otherwise; `manage.py check --deploy` warns about the latter (config/checks.py).
CACHES = cache_config()

# --- uploads: limits on a headcount workbook (registry/imports.py), checked before
# it is parsed. A legitimate district sheet has tens of rows and 4 columns; these are generous.
# The zip limits bound what openpyxl may decompress (Python's zipfile never yields more than a
# member's declared size), so a "zip bomb" or a shared-strings bomb is refused up front.
HEADCOUNT_IMPORT_MAX_BYTES = env_int("DJANGO_IMPORT_MAX_BYTES", 5 * 1024 * 1024)
HEADCOUNT_IMPORT_MAX_MEMBER_BYTES = env_int("DJANGO_IMPORT_MAX_MEMBER_BYTES", 10 * 1024 * 1024)
HEADCOUNT_IMPORT_MAX_TOTAL_BYTES = env_int("DJANGO_IMPORT_MAX_TOTAL_BYTES", 30 * 1024 * 1024)
HEADCOUNT_IMPORT_MAX_MEMBERS = env_int("DJANGO_IMPORT_MAX_MEMBERS", 200)
HEADCOUNT_IMPORT_MAX_ROWS = env_int("DJANGO_IMPORT_MAX_ROWS", 5000)
HEADCOUNT_IMPORT_MAX_COLUMNS = env_int("DJANGO_IMPORT_MAX_COLUMNS", 30)

# Open data -------------------------------------------------------------------
# /open-data/datapackage.zip and /open-data/popolo.json: for signed-in readers and API tokens,
# and for anyone without logging in only when an administrator turns this on.
OPEN_DATA_PUBLIC = env_bool("OPEN_DATA_PUBLIC", False)

SPECTACULAR_SETTINGS[
    "DESCRIPTION"
] = f"""Sáp nhập các cơ quan cấp huyện của tỉnh Quảng Ninh, 2015-2025 (District-level agency mergers
in Quảng Ninh province).

- Xác thực: `POST /api/v1/auth/token/` với `{{"username": ..., "password": ...}}` (JSON), rồi gửi
  tiêu đề `Authorization: Token KEY`.
- Ngôn ngữ: tiếng Việt mặc định; tiêu đề `Accept-Language: en` cho thông báo tiếng Anh.
- Danh sách: `page`, `page_size` (tối đa 500), `ordering`, `q` (tìm không dấu), các bộ lọc của
  từng danh sách. Tham số không được hỗ trợ, tham số lặp lại hoặc `ordering` sai: 400 nêu tên tham số.
- `?format=csv`: mọi dòng đã lọc (không phân trang), tối đa {API_CSV_MAX_ROWS} dòng; nhiều hơn: 400.
- `?brief=1`: chỉ `id`, `url`, `display` và khóa tự nhiên; `?fields=a,b`: chỉ các trường này.
- Giới hạn tần suất: tiêu đề `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`; 429 có `Retry-After`.
"""
# --- the decision register's scanned copies -----------------------------------------------
# Stored through Django's storage API (STORAGES["default"]) under MEDIA_ROOT/decisions/, never
# served as static files: /decisions/<id>/scan/ hands them to signed-in users with the view
# permission only (no MEDIA_URL route exists). PDF, PNG or JPEG, at most this many bytes.
MEDIA_ROOT = env_str("DJANGO_MEDIA_ROOT", str(BASE_DIR / "media"))
DECISION_SCAN_MAX_BYTES = env_int("DJANGO_DECISION_SCAN_MAX_BYTES", 10 * 1024 * 1024)
