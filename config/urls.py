"""Root URLs. The apps add their own pages and API routes here."""

from django.contrib import admin
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
]
