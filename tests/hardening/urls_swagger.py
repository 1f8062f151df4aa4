"""The API docs as config/api_urls.py should mount them under the CSP (the API branch owns it)."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.http import HttpResponse
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

PROBE = "<!doctype html><title>before</title><script>document.title = 'inline script ran'</script>"
REDOC_CSP = {"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]}

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # Redoc styles itself with inline <style> (styled-components) and parses the schema in a
    # blob: worker: its page alone gets those two relaxations; no script is relaxed.
    path("api/redoc/", csp_update(REDOC_CSP)(SpectacularRedocView.as_view(url_name="schema"))),
    # A page with an inline script, which the CSP must stop: proof that the check would catch one.
    path("csp-probe/", lambda request: HttpResponse(PROBE)),
    path("", include("config.urls")),
]
