"""Root URLs. Each app adds its own pages and API routes here."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("", include("reports.urls")),
    path("districts/", include("districts.urls")),
    # issue 4: web pages for mergers, agencies, programmes, headcounts
    path("", include("mergers.urls")),
]
