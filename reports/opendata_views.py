"""The open-data downloads: /open-data/datapackage.zip and /open-data/popolo.json.

Readers (the view permissions of the reports) get them signed in or with an API token
(`Authorization: Token KEY`); anyone does when settings.OPEN_DATA_PUBLIC is on. An anonymous
browser is sent to the login page, an anonymous or wrongly authenticated client gets 401.
"""

import json

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from core import readcache
from core.roles import REPORT_PERMISSIONS
from reports import opendata


class OpenDataAccess(BasePermission):
    def has_permission(self, request, view):
        if settings.OPEN_DATA_PUBLIC:
            return True
        return bool(request.user and request.user.is_authenticated and request.user.has_perms(REPORT_PERMISSIONS))


class OpenDataView(APIView):
    permission_classes = [OpenDataAccess]
    renderer_classes = [JSONRenderer]
    schema = None  # not an /api/ endpoint: outside the OpenAPI schema

    def handle_exception(self, exc):
        # A browser without credentials is sent to log in, like every page.
        if isinstance(exc, NotAuthenticated | AuthenticationFailed) and "HTTP_AUTHORIZATION" not in self.request.META:
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


class DataPackageView(OpenDataView):
    def get(self, request):
        body = readcache.cached(("open-data", "datapackage.zip"), lambda: opendata.datapackage_zip())
        response = HttpResponse(body, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{opendata.PACKAGE_NAME}.zip"'
        return response


class PopoloView(OpenDataView):
    def get(self, request):
        base = request.build_absolute_uri("/")
        body = readcache.cached(
            ("open-data", "popolo.json", base),
            lambda: json.dumps(opendata.popolo(base_url=base), ensure_ascii=False, indent=1),
        )
        return HttpResponse(body, content_type="application/json; charset=utf-8")
