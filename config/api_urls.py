"""Everything under /api/: the v1 endpoints, the token, the OpenAPI schema and its docs."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.routers import APIRootView, DefaultRouter
from rest_framework.settings import api_settings

from core.api.exceptions import not_found
from core.api.schema import ERROR
from core.api.throttles import ScopedRateThrottle
from districts.api.urls import router as districts_router
from registry.api.urls import router as mergers_router


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


@extend_schema_view(
    post=extend_schema(operation_id="auth_token_create", responses={200: TokenSerializer, 400: ERROR, 429: ERROR})
)
class TokenView(ObtainAuthToken):
    """POST username and password as JSON, get {"token": KEY}; send it as `Authorization: Token KEY`.

    Anonymous (no authentication is read, so no session CSRF check either), with its own
    budget of attempts (`token` scope), apart from data reads and from the schema.
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    # ObtainAuthToken names DRF's own parsers (form, multipart, JSON): the project's JSON parser
    # with its limits, as everywhere.
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES


class PublicSchemaMixin:
    """The schema and its docs: public, with their own budget (`schema` scope)."""

    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "schema"


class SchemaView(PublicSchemaMixin, SpectacularAPIView):
    pass


class SwaggerView(PublicSchemaMixin, SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script in a separate file: no inline script (CSP)."""


class RedocView(PublicSchemaMixin, SpectacularRedocView):
    """Redoc: its script is a file, but it injects styles and starts a blob: worker."""


# Redoc cannot work without inline styles and a blob: worker: only its page relaxes the CSP.
redoc = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})(RedocView.as_view(url_name="schema"))


class RootView(APIRootView):
    """The list of endpoints, for any signed-in user."""

    permission_classes = [IsAuthenticated]


class Router(DefaultRouter):
    APIRootView = RootView


router = Router()
router.registry.extend(districts_router.registry)
router.registry.extend(mergers_router.registry)

v1 = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include("reports.api.urls")),
    path("", include(router.urls)),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("redoc/", redoc, name="api-redoc"),
    re_path(r"^.*$", not_found),
]
