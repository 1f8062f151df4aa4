"""Base viewsets: strict parameters, NetBox-style representations, complete CSV, JSON errors
even for CSV requests, CSV columns, ETag and If-Match."""

import csv
import datetime
import functools
import hashlib
import logging

import django_filters
from django.conf import settings
from django.db.models import Model
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import quote_etag
from django.utils.translation import gettext_lazy as _
from django_filters import utils
from django_filters.constants import EMPTY_VALUES
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, viewsets
from rest_framework.filters import OrderingFilter
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core import auth, fastread, readcache
from core.api.compiled import compiled_get, compiled_objects
from core.api.exceptions import PreconditionFailed, django_error_detail
from core.api.filters import ALWAYS_ALLOWED, check_query
from core.api.renderers import BOM, CSVRenderer
from core.api.representations import check_representation_params, keep_fields, wants_brief
from core.errors import MSG_STALE_VERSION, StaleVersion
from core.filtersets import FilterSet

MSG_BAD_IF_MATCH = _('Tiêu đề If-Match phải là một ETag đã nhận, trong ngoặc kép, hoặc một phiên bản, ví dụ "3".')
MSG_CSV_TOO_MANY = _(
    "CSV có tối đa %(limit)s dòng; danh sách đã lọc có %(count)s dòng. Hãy lọc thêm hoặc đọc JSON theo trang."
)
CSV_CHUNK = 500

logger = logging.getLogger(__name__)


class StrictQueryMixin:
    """Unknown or repeated query parameters, a bad `brief` or unknown `fields`: a 400 naming them
    (core.api.filters), checked after authentication and before any work."""

    def allowed_query_params(self) -> set[str]:
        allowed = set(ALWAYS_ALLOWED)
        if getattr(self, "action", None) == "list" and getattr(self, "filterset_class", None) is not None:
            allowed |= set(self.filterset_class.base_filters)
        return allowed

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            check_query(request.query_params, self.allowed_query_params())
            self.requested_fields = check_representation_params(request.query_params, self.representation_fields)
        else:
            self.requested_fields = None

    def representation_fields(self) -> list[str]:
        if getattr(self, "action", None) not in ("list", "retrieve"):
            return []
        return [name for name, field in self.representation_class()().fields.items() if not field.write_only]

    def representation_class(self):
        brief = getattr(self, "brief_serializer_class", None)
        if brief is not None and wants_brief(self.request.query_params):
            return brief
        return self.get_serializer_class()

    def get_serializer(self, *args, **kwargs):
        if getattr(self, "action", None) not in ("list", "retrieve") or self.request.method not in ("GET", "HEAD"):
            return super().get_serializer(*args, **kwargs)
        kwargs.setdefault("context", self.get_serializer_context())
        serializer = self.representation_class()(*args, **kwargs)
        fields = getattr(self, "requested_fields", None)
        if fields:
            keep_fields(serializer, fields)
        return serializer


class CompleteCSVMixin:
    """`?format=csv` on a list: every filtered row, streamed, not one page.

    At most API_CSV_MAX_ROWS rows (counted first: more is a 400 naming the bound); rows are read
    in chunks of CSV_CHUNK with their prefetches, so memory stays flat however long the list.
    """

    def list(self, request, *args, **kwargs):
        if getattr(request.accepted_renderer, "format", None) != "csv":
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        limit = settings.API_CSV_MAX_ROWS
        count = queryset.count()
        if count > limit:
            raise exceptions.ValidationError({"format": [str(MSG_CSV_TOO_MANY % {"limit": limit, "count": count})]})
        header = self.get_renderer_context()["header"]
        renderer = CSVRenderer()

        def lines():
            buffer = _Echo()
            writer = csv.writer(buffer)
            yield BOM + writer.writerow(header)
            chunk = []
            for obj in queryset.iterator(chunk_size=CSV_CHUNK):
                chunk.append(obj)
                if len(chunk) == CSV_CHUNK:
                    yield from self._csv_rows(chunk, header, renderer, writer)
                    chunk = []
            if chunk:
                yield from self._csv_rows(chunk, header, renderer, writer)

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["X-Total-Count"] = str(count)
        return response

    def _csv_rows(self, objects, header, renderer, writer):
        for item in self.get_serializer(objects, many=True).data:
            flat = renderer.flatten_item(item)
            yield writer.writerow([flat.get(name, "") for name in header])


class _Echo:
    """A file-like object whose write() returns the line: csv.writer for a streamed answer."""

    def write(self, value):
        return value


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
        # Only CSV reads the header: a JSON answer builds no serializer for it.
        renderer = getattr(self.request, "accepted_renderer", None)
        if getattr(self, "action", None) in ("list", "retrieve") and getattr(renderer, "format", None) == "csv":
            context["header"] = [name for name, f in self.get_serializer().fields.items() if not f.write_only]
        return context


def representation_etag(content: bytes) -> str:
    """The strong ETag of a representation: as Django's ConditionalGetMiddleware makes it for
    every GET (config/settings.py), so that a GET's ETag can be sent back as If-Match."""
    return quote_etag(hashlib.md5(content, usedforsecurity=False).hexdigest())


class VersionedMixin:
    """Writes honour If-Match; their answers carry the ETag of the representation they return.

    Every GET answer gets a strong ETag computed from its bytes (format and language included)
    by ConditionalGetMiddleware, which also answers a matching If-None-Match with 304. A write
    whose If-Match is not the ETag of the object's current JSON representation fails with 412
    and changes nothing. The row version ("3") is still accepted as If-Match, as before.
    """

    current_object = None

    def get_object(self):
        self.current_object = super().get_object()
        return self.current_object

    def current_etag(self) -> str:
        """The ETag a GET of the object would carry now, in JSON and the request's language."""
        data = self.get_serializer(self.current_object).data
        return representation_etag(JSONRenderer().render(data, "application/json", self.get_renderer_context()))

    def expected_version(self) -> int | None:
        """The version the client last saw, from If-Match; None when absent or "*".

        Checking the ETag here and passing the version that was rendered to the service, which
        locks the row and compares versions, leaves no window for a change in between.
        """
        header = self.request.headers.get("If-Match", "").strip()
        if not header or header == "*":
            return None
        if header.strip('"').isdigit():
            return int(header.strip('"'))
        if header.startswith("W/") or not (header.startswith('"') and header.endswith('"')):
            raise exceptions.ValidationError({"If-Match": [str(MSG_BAD_IF_MATCH)]})
        if self.current_object is None or header != self.current_etag():
            raise PreconditionFailed(django_error_detail(StaleVersion(MSG_STALE_VERSION, code="stale")))
        return self.current_object.version

    def call_versioned(self, service, **kwargs):
        try:
            return service(expected_version=self.expected_version(), **kwargs)
        except StaleVersion as exc:
            raise PreconditionFailed(django_error_detail(exc)) from exc

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if request.method not in ("GET", "HEAD") and response.status_code < 300 and isinstance(response, Response):

            def tag(rendered):
                rendered["ETag"] = representation_etag(rendered.content)

            response.add_post_render_callback(tag)
        return response


# Headers a cached response keeps; the rest (Vary, Allow, Content-Disposition ...) are set again on each request.
CACHED_HEADERS = ("Content-Type", "ETag")


class CachedReadMixin:
    """GET responses come from the read cache (core.readcache) while the data is unchanged.

    Authentication, permissions and content negotiation still run on every request: the
    cache only skips the queries and the rendering. The key is the absolute URL (pagination
    links are absolute) and the negotiated media type, under the current data stamp, day and
    language; no response depends on who asks once they may read it. Only 200s are kept.
    The answer is marked on the request (`mark_cached_answer`): core.fastread may then give
    it again to the same client, for the same request, before the stack runs, while the
    stamps, the token's user and permissions it was checked with are unchanged.
    """

    # The filters (query parameters holding a province's or a district's code) that restrict
    # this view's answer to one province's data: then it is keyed on that province's stamp
    # (core.readcache), and a write in another province leaves it cached. Only for views
    # whose filtersets or parameters give these names exactly that meaning.
    read_cache_province_param: str | None = None
    read_cache_district_param: str | None = None
    read_cache_district_kwarg: str | None = None  # a detail addressed by a district's code
    # The answers show the shared data only (the districts' layout: provinces and districts,
    # whose writes renew the shared stamp): keyed on the shared stamp alone, so that no
    # headcount, agency or merger written anywhere makes them miss.
    read_cache_shared_only: bool = False
    # The national list and details are about mergers and their figures only: keyed on the
    # merger figures' stamp (core.readcache.MERGER_FIGURES), which the headcount records no
    # merger reads leave as it is.
    read_cache_merger_figures: bool = False

    def read_cache_province(self, request) -> str | None:
        """The code of the one province the answer shows; None: national (renewed by every write)."""
        codes = {}
        for name, param in (("province", self.read_cache_province_param), ("district", self.read_cache_district_param)):
            if param is not None:
                values = request.query_params.getlist(param)
                if len(values) > 1:
                    return None
                codes[name] = values[0] if values else None
        if self.read_cache_district_kwarg is not None and self.kwargs.get(self.read_cache_district_kwarg):
            if codes.get("district"):
                return None
            codes["district"] = self.kwargs[self.read_cache_district_kwarg]
        if not any(codes.values()):
            return None
        return readcache.province_of(province=codes.get("province"), district=codes.get("district"))

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.read_cache_key = None
        if request.method != "GET" or readcache.timeout() <= 0:
            return
        shared_only = self.read_cache_shared_only
        province = None if shared_only else self.read_cache_province(request)
        about_mergers = self.read_cache_merger_figures and getattr(self, "action", None) in ("list", "retrieve")
        if province is None and about_mergers:
            province = readcache.MERGER_FIGURES
        cache_key = readcache.key(
            "api", request.build_absolute_uri(), request.accepted_media_type, province=province, shared_only=shared_only
        )
        hit = readcache.get(cache_key)
        if hit is None and cache_key is not None:
            if readcache.claim(cache_key):
                self.read_cache_claimed = cache_key  # released once stored, or at once if not stored
            else:
                hit = readcache.await_entry(cache_key)  # another worker builds it: its answer is ours
        if hit is None:
            self.read_cache_key, self.read_cache_scope = cache_key, province
            return
        status_code, headers, content, *expires = hit  # (entries kept before issue 17 have no expiry)
        response = HttpResponse(content, status=status_code)
        for name, value in headers:
            response[name] = value
        if expires:
            self.mark_cached_answer(request, province, expires[0])
        # DRF's dispatch looks the handler up after initial(): answer with the stored response.
        self.get = lambda *args, **kwargs: response

    def mark_cached_answer(self, request, province, expires) -> None:
        """Tell core.fastread that this answer is the read cache's, about `province` (None:
        national), kept until `expires`, and which throttles counted the request."""
        request._request.read_cache_answer = fastread.CachedAnswer(
            province=province,
            shared_only=self.read_cache_shared_only,
            expires=expires,
            throttles=tuple(type(throttle) for throttle in self.get_throttles()),
            throttle_scope=getattr(self, "throttle_scope", None),
        )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        cache_key = getattr(self, "read_cache_key", None)
        claimed = self.__dict__.pop("read_cache_claimed", None)
        if cache_key is not None and response.status_code == 200 and isinstance(response, Response):
            province = self.read_cache_scope

            def store(rendered):
                headers = [(name, rendered[name]) for name in CACHED_HEADERS if rendered.has_header(name)]
                expires = auth.now() + readcache.timeout()
                try:
                    readcache.put(cache_key, (rendered.status_code, headers, rendered.content, expires))
                finally:
                    if claimed is not None:
                        readcache.release(claimed)
                self.mark_cached_answer(request, province, expires)

            response.add_post_render_callback(store)
        elif claimed is not None:
            readcache.release(claimed)
        return response


class CompiledListMixin:
    """A JSON list page read by SQL compiled once per shape (issue 17): the page's query of one
    district's 15 headcount records cost 0.6 ms to compile, twice what it costs to run.

    The shape is the view, every parameter but the FilterSet's filters and `page` (ordering,
    fields, page size ...), which filters have a value, and the page's bounds; the values are
    those of the FilterSet's `compiled_filters` (core.filtersets), whose SQL does not change
    with them. The FilterSet still validates every request's parameters (an unknown district is a
    400 naming the filter; the values of a FilterSet `validated_by_layout` are kept while the
    districts' layout is unchanged: core.filtersets), and so does the ordering backend; the page
    query is built by the same filters and ordering, once per shape, with stand-ins for the values
    (core.api.compiled.compiled_objects).
    The filtered queryset itself is built only when the list is counted (a full first page, a
    later page: `CompiledList`). A page filtered by any other filter, or a CSV, is read by the ORM
    as before. Only for views whose GET queryset is the same for every request and user
    (`compiled_list`). tests/api/test_compiled_list.py holds the pages to the ORM's.
    """

    compiled_list = False

    def filter_queryset(self, queryset):
        if self.compiled_list and getattr(self, "action", None) == "list" and self.request.method in ("GET", "HEAD"):
            validated = self.validate_filters(queryset)
            if validated is not None:
                page_rows = self.compiled_page_rows(validated)
                if page_rows is not None:
                    return CompiledList(page_rows, lambda: validated.build())
                return validated.build()
        return super().filter_queryset(queryset)

    def validate_filters(self, queryset):
        """The request's filters and ordering checked as the backends check them (a 400 naming a
        bad one), without building the filtered queryset: a `ValidatedFilters`. None when a backend
        is neither django-filter's, with the project's FilterSet (core.filtersets), nor an
        ordering (then GenericAPIView's way)."""
        filterset, cleaned, others = None, None, []
        for backend_class in self.filter_backends:
            backend = backend_class()
            if isinstance(backend, DjangoFilterBackend):
                filterset = backend.get_filterset(self.request, queryset, self)
                if not isinstance(filterset, FilterSet) or not backend.raise_exception:
                    return None
                cleaned = filterset.cleaned()  # kept while the layout is unchanged (validated_by_layout)
                if cleaned is None:
                    raise utils.translate_validation(filterset.errors)
            elif isinstance(backend, OrderingFilter):
                backend.get_ordering(self.request, queryset, self)  # a bad `ordering` is a 400 here
                others.append(backend)
            else:
                return None
        return ValidatedFilters(self, queryset, filterset, cleaned, others)

    def compiled_page_rows(self, validated):
        """The function of (bottom, top) that reads those rows of the filtered and sorted list by
        SQL compiled once; None when the request's filters are not all compiled ones."""
        if getattr(self.request, "accepted_renderer", None) is None or self.request.accepted_renderer.format != "json":
            return None
        filterset, cleaned = validated.filterset, validated.cleaned
        if filterset is None or type(filterset).filter_queryset is not django_filters.FilterSet.filter_queryset:
            return None  # (`ValidatedFilters.build` with stand-ins is django-filter's own filter_queryset)
        values, filters = {}, []
        for name, value in cleaned.items():
            if value in EMPTY_VALUES:
                filters.append((name, repr(value)))
                continue
            if name not in filterset.compiled_filters:
                return None
            parameter = value.pk if isinstance(value, Model) else value
            if type(parameter) not in (int, datetime.date):  # not bool, not datetime
                return None
            values[name] = parameter
            filters.append((name, "="))
        others = tuple(sorted((k, v) for k, v in self.request.query_params.items() if k not in cleaned and k != "page"))
        key = ("list", (type(self).__module__, type(self).__qualname__), others, tuple(filters))

        def page_rows(bottom, top):
            shape = (*key, bottom, top)
            try:
                return compiled_objects(shape, lambda **stand_ins: validated.build(**stand_ins)[bottom:top], **values)
            except ValueError:  # a filter declared compiled whose value is not a parameter: a bug
                logger.exception("list page not compiled: %s", shape)
                return None

        return page_rows


class ValidatedFilters:
    """A list request's FilterSet and ordering backends, validated (CompiledListMixin.validate_filters)."""

    def __init__(self, view, queryset, filterset, cleaned, others):
        self.view, self.queryset, self.others = view, queryset, others
        self.filterset, self.cleaned = filterset, cleaned  # the FilterSet and its values

    def build(self, **stand_ins):
        """The filtered and sorted queryset, as GenericAPIView.filter_queryset and
        FilterSet.filter_queryset build it; `stand_ins` in place of some filters' values."""
        queryset = self.queryset
        if self.filterset is not None and not stand_ins:
            queryset = self.filterset.qs
        elif self.filterset is not None:  # FilterSet.qs and filter_queryset, with the stand-ins
            queryset = queryset.all()
            for name, value in self.cleaned.items():
                queryset = self.filterset.filters[name].filter(queryset, stand_ins.get(name, value))
        for backend in self.others:
            queryset = backend.filter_queryset(self.view.request, queryset, self.view)
        return queryset


class CompiledList:
    """A filtered and sorted list as the paginator reads it (core.api.pagination.ShortListPaginator):
    its rows by SQL compiled once (`compiled_page_rows`), its queryset built only to count it or,
    should the compiled read fail, to read the rows."""

    def __init__(self, page_rows, build):
        self.compiled_page_rows = page_rows
        self._build = build

    @functools.cached_property
    def queryset(self):
        return self._build()

    def count(self) -> int:
        return self.queryset.count()

    def __getitem__(self, item):
        return self.queryset[item]

    def __iter__(self):
        return iter(self.queryset)

    def __len__(self) -> int:
        return len(self.queryset)


class ReadOnlyViewSet(
    CompiledListMixin,
    CachedReadMixin,
    StrictQueryMixin,
    JSONErrorsMixin,
    CSVHeaderMixin,
    CompleteCSVMixin,
    VersionedMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """List and detail, with the project's permissions, strict parameters, filters, pagination,
    NetBox-style representations (`brief_serializer_class` for `?brief=1`), CSV and ETags."""

    brief_serializer_class = None
    # A detail asked for without any parameter reads its object by SQL compiled once
    # (core.api.compiled): for views whose queryset is the same on every request, looked up by
    # a text field (a GSO code). The layout's (read_cache_shared_only: provinces, districts) are
    # kept in the process under the shared stamp (core.readcache.layout_memo).
    compiled_detail = False

    def get_object(self):
        if self.compiled_detail and getattr(self, "action", None) == "retrieve" and not self.request.query_params:
            value = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
            view = (type(self).__module__, type(self).__qualname__)

            def load():
                return compiled_get(self.get_queryset(), self.lookup_field, value, key=view)

            # The districts' layout (read_cache_shared_only): kept under the shared stamp.
            obj = readcache.layout_memo(view, value, load) if self.read_cache_shared_only else load()
            self.check_object_permissions(self.request, obj)
            self.current_object = obj
            return obj
        return super().get_object()

    def filter_queryset(self, queryset):
        # A detail asked for without any parameter: the FilterSet would validate an empty form
        # and filter nothing, and no ordering changes which one object is found. With any
        # parameter (q, ordering ...) the filters run, as they always did.
        if getattr(self, "action", None) == "retrieve" and not self.request.query_params:
            return queryset
        return super().filter_queryset(queryset)
