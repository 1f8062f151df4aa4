"""Root URLs. Each app adds its own pages and API routes here."""

from django.contrib import admin
from django.urls import include, path

from reports.urls import district_urlpatterns

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("", include("reports.urls")),
    path("districts/", include((district_urlpatterns, "districts"))),
    # Web pages for mergers, agencies, programmes, headcounts
    path("", include("registry.urls")),
]


def not_found(request, exception=None):
    """A URL that matches no route: JSON under /api/ (what the schema documents), the page elsewhere."""
    from django.http import JsonResponse
    from django.utils.translation import gettext
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("Không tìm thấy.")}, status=404)
    return page_not_found(request, exception)


handler404 = not_found
