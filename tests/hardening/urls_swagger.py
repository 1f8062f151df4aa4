"""Swagger UI as /api/docs/ must be mounted (the API branch owns the real config/urls.py)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView, SpectacularSwaggerView

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # drf-spectacular's default view, with its inline start-up script: blocked by the CSP.
    path("api/docs-inline/", SpectacularSwaggerView.as_view(url_name="schema")),
    path("", include("config.urls")),
]
