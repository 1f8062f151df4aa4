"""Base viewsets: JSON errors even for CSV requests, CSV columns, ETag and If-Match."""

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, viewsets
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from config.api.exceptions import PreconditionFailed, django_error_detail
from mergers.services import StaleVersion
from reports import readcache

MSG_BAD_IF_MATCH = _('Tiêu đề If-Match phải là một phiên bản, ví dụ "3".')


class JSONErrorsMixin:
    """Errors are JSON even when the client asked for CSV."""

    def finalize_response(self, request, response, *args, **kwargs):
        if response.status_code >= 400 and not isinstance(getattr(request, "accepted_renderer", None), JSONRenderer):
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class CSVHeaderMixin:
    """CSV columns follow the serializer's field order; the file downloads as mergers.csv, agencies-7.csv ..."""

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        renderer = getattr(request, "accepted_renderer", None)
        if response.status_code < 300 and getattr(renderer, "format", None) == "csv":
            name = "-".join(request.path.strip("/").split("/")[2:])  # "mergers", "agencies-7"
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response

    def get_renderer_context(self):
        context = super().get_renderer_context()
        if getattr(self, "action", None) in ("list", "retrieve"):
            context["header"] = list(self.get_serializer().fields)
        return context


def etag(obj) -> str:
    return f'"{obj.version}"'


def if_match_version(request) -> int | None:
    """The version the client last saw, from If-Match ("3", W/"3"); None when absent or "*"."""
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise exceptions.ValidationError({"If-Match": [str(MSG_BAD_IF_MATCH)]})
    return int(value)


class VersionedMixin:
    """Detail responses carry an ETag with the row's `version`; writes honour If-Match.

    A write whose If-Match names an older version fails with 412 and changes nothing.
    """

    etag_object = None

    def call_versioned(self, service, **kwargs):
        expected = if_match_version(self.request)
        try:
            return service(expected_version=expected, **kwargs)
        except StaleVersion as exc:
            raise PreconditionFailed(django_error_detail(exc)) from exc

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(self.etag_object, "version", None) is not None and response.status_code < 300:
            response["ETag"] = etag(self.etag_object)
        return response

    def retrieve(self, request, *args, **kwargs):
        self.etag_object = self.get_object()
        return Response(self.get_serializer(self.etag_object).data)


# Headers a cached response keeps; the rest (Vary, Allow, Content-Disposition ...) are set again on each request.
CACHED_HEADERS = ("Content-Type", "ETag")


class CachedReadMixin:
    """GET responses come from the read cache (reports.readcache) while the data is unchanged.

    Authentication, permissions and content negotiation still run on every request: the
    cache only skips the queries and the rendering. The key is the absolute URL (pagination
    links are absolute) and the negotiated media type, under the current data stamp, day and
    language; no response depends on who asks once they may read it. Only 200s are kept.
    """

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.read_cache_key = None
        if request.method != "GET":
            return
        cache_key = readcache.key("api", request.build_absolute_uri(), request.accepted_media_type)
        hit = readcache.get(cache_key)
        if hit is None:
            self.read_cache_key = cache_key
            return
        status_code, headers, content = hit
        response = HttpResponse(content, status=status_code)
        for name, value in headers:
            response[name] = value
        # DRF's dispatch looks the handler up after initial(): answer with the stored response.
        self.get = lambda *args, **kwargs: response

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        cache_key = getattr(self, "read_cache_key", None)
        if cache_key is not None and response.status_code == 200 and isinstance(response, Response):

            def store(rendered):
                headers = [(name, rendered[name]) for name in CACHED_HEADERS if rendered.has_header(name)]
                readcache.put(cache_key, (rendered.status_code, headers, rendered.content))

            response.add_post_render_callback(store)
        return response


class ReadOnlyViewSet(CachedReadMixin, JSONErrorsMixin, CSVHeaderMixin, VersionedMixin, viewsets.ReadOnlyModelViewSet):
    """List and detail, with the project's permissions, filters, pagination, CSV and ETags."""
