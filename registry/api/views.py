"""Endpoints for agency types, agencies, programmes, mergers and headcounts.

Thin views: a FilterSet for lists, a serializer for the shape of the input, a service
from mergers/services/ for every write, and the selector's queryset for the answer.
"""

from django.db.models import Prefetch
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.history import HistoryMixin
from core.api.ordering import AliasOrderingFilter
from core.api.pagination import KeysFirstPagination
from core.api.schema import IF_MATCH
from core.api.views import ReadOnlyViewSet
from figures.selectors import agency_list_with_lineage, decision_list, headcount_list, headcount_rows, merger_list
from mergers import services
from mergers.models import AgencyType, Merger, Programme
from registry.api.serializers import (
    MSG_CODE_FIXED,
    MSG_DISTRICT_FIXED,
    MSG_FIXED,
    AgencySerializer,
    AgencyTypeSerializer,
    BriefAgencySerializer,
    BriefAgencyTypeSerializer,
    BriefHeadcountSerializer,
    BriefMergerSerializer,
    BriefProgrammeSerializer,
    DecisionSerializer,
    HeadcountSerializer,
    MergerAdvanceSerializer,
    MergerCancelSerializer,
    MergerCompleteSerializer,
    MergerCreateSerializer,
    MergerSerializer,
    ProgrammeSerializer,
)
from registry.filtersets import (
    AgencyFilterSet,
    AgencyTypeFilterSet,
    DecisionFilterSet,
    HeadcountFilterSet,
    MergerFilterSet,
    ProgrammeFilterSet,
)

CODE_REGEX = "[-a-zA-Z0-9_]+"


class WritableViewSet(ReadOnlyViewSet):
    """Create and update through a service; no deletes (history is kept, not erased)."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def respond(self, obj, status_code=status.HTTP_200_OK):
        """The object as the list and detail show it, re-read through the selector."""
        fresh = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(fresh).data, status=status_code)

    def valid_data(self, serializer_class=None, instance=None, partial=False) -> dict:
        cls = serializer_class or self.get_serializer_class()
        serializer = cls(instance, data=self.request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def create(self, request, *args, **kwargs):
        return self.respond(self.service_create(self.valid_data()), status.HTTP_201_CREATED)

    @extend_schema(parameters=[IF_MATCH])
    def update(self, request, *args, partial=False, **kwargs):
        instance = self.get_object()
        data = self.valid_data(instance=instance, partial=partial)
        for field in self.fixed_fields:
            if field in data and data[field] != getattr(instance, field):
                raise serializers.ValidationError({field: [str(self.fixed_message)]})
        return self.respond(self.service_update(instance, data))

    @extend_schema(parameters=[IF_MATCH])
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)


class AgencyTypeViewSet(HistoryMixin, ReadOnlyViewSet):
    """The catalogue of agency types, looked up by code."""

    queryset = AgencyType.objects.order_by("sector", "code")
    serializer_class = AgencyTypeSerializer
    brief_serializer_class = BriefAgencyTypeSerializer
    filterset_class = AgencyTypeFilterSet
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    ordering_fields = ["code", "name", "sector"]


class AgencyViewSet(HistoryMixin, WritableViewSet):
    """Agencies (cơ quan). Editors create and edit them within their districts."""

    queryset = agency_list_with_lineage()
    serializer_class = AgencySerializer
    brief_serializer_class = BriefAgencySerializer
    filterset_class = AgencyFilterSet
    ordering_fields = ["id", "name", "established_on", "dissolved_on"]
    fixed_fields = ["district"]
    fixed_message = MSG_DISTRICT_FIXED

    def service_create(self, data):
        return services.agency_create(user=self.request.user, **data)

    def service_update(self, instance, data):
        return self.call_versioned(services.agency_update, agency=instance, data=data, user=self.request.user)


class ProgrammeViewSet(HistoryMixin, WritableViewSet):
    """Merger programmes (đề án), looked up by code."""

    queryset = Programme.objects.select_related("result_type", "decision").prefetch_related(
        Prefetch("source_types", queryset=AgencyType.objects.order_by("code"))
    )
    serializer_class = ProgrammeSerializer
    brief_serializer_class = BriefProgrammeSerializer
    filterset_class = ProgrammeFilterSet
    filter_backends = [DjangoFilterBackend, AliasOrderingFilter]
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    ordering_fields = ["code", "name", "decided_on"]
    ordering_aliases = {"decided_on": "decision__date"}
    fixed_fields = ["code"]
    fixed_message = MSG_CODE_FIXED

    def service_create(self, data):
        return services.programme_create(user=self.request.user, **data)

    def service_update(self, instance, data):
        return self.call_versioned(services.programme_update, programme=instance, data=data, user=self.request.user)


class HeadcountViewSet(HistoryMixin, WritableViewSet):
    """Headcount records (số liệu biên chế): one per agency and date.

    Implausible figures (actual above authorised, a change of more than half from the agency's
    neighbouring record) answer 400 with the warnings by field and a `confirm` key, unless the
    request says `confirm: true`.
    """

    read_cache_district_param = "district"  # one district's records (HeadcountFilterSet)
    compiled_list = True  # the same queryset for every GET (headcount_rows)

    queryset = headcount_list()
    serializer_class = HeadcountSerializer
    brief_serializer_class = BriefHeadcountSerializer
    filterset_class = HeadcountFilterSet
    ordering_fields = ["id", "as_of", "authorised", "actual"]
    fixed_fields = ["agency", "as_of"]
    fixed_message = MSG_FIXED

    read_queryset = headcount_rows()

    def get_queryset(self):
        # Reads: the columns the answer shows (built once: `only` cost a thirtieth of an uncached
        # page). Writes: whole rows, for the services.
        if self.request.method in ("GET", "HEAD"):
            return self.read_queryset.all()
        return super().get_queryset()

    def service_create(self, data):
        return services.headcount_record(user=self.request.user, **data)

    def service_update(self, instance, data):
        return self.call_versioned(
            services.headcount_update,
            record=instance,
            authorised=data.get("authorised", instance.authorised),
            actual=data.get("actual", instance.actual),
            source=data.get("source", instance.source),
            source_kind=data.get("source_kind", instance.source_kind),
            confirm=data.get("confirm", False),
            user=self.request.user,
        )


@extend_schema_view(
    create=extend_schema(request=MergerCreateSerializer, responses={201: MergerSerializer}),
    advance=extend_schema(request=MergerAdvanceSerializer, responses=MergerSerializer, parameters=[IF_MATCH]),
    complete=extend_schema(request=MergerCompleteSerializer, responses=MergerSerializer, parameters=[IF_MATCH]),
    cancel=extend_schema(request=MergerCancelSerializer, responses=MergerSerializer, parameters=[IF_MATCH]),
)
class MergerViewSet(HistoryMixin, WritableViewSet):
    """Mergers with their figures and stage history; created, advanced, completed or cancelled
    only through the merger operations, which answer 409 once a merger is completed or cancelled."""

    read_cache_district_param = "district"  # one district's mergers (MergerFilterSet)
    read_cache_merger_figures = True  # the others': the merger figures' stamp (core.readcache)

    http_method_names = ["get", "post", "head", "options"]
    serializer_class = MergerSerializer
    brief_serializer_class = BriefMergerSerializer
    filterset_class = MergerFilterSet
    ordering_fields = ["id", "decided_on", "effective_on", "status", "headcount_before", "reduction", "reduction_pct"]
    ordering_aliases = {"decided_on": "decision__date"}
    filter_backends = [DjangoFilterBackend, AliasOrderingFilter]
    # Completing, advancing or cancelling changes a merger: they need `change_merger`.
    action_permission_methods = {"advance": "PATCH", "complete": "PATCH", "cancel": "PATCH"}

    queryset = Merger.objects.all()  # the model, for the permissions; the answer comes from get_queryset
    pagination_class = KeysFirstPagination  # a merger's figures cost five subqueries: 50 of them, not 2,000

    def get_queryset(self):
        return merger_list(as_lists=True)

    def create(self, request, *args, **kwargs):
        data = self.valid_data(MergerCreateSerializer)
        merger = services.merger_create(user=request.user, **data)
        return self.respond(merger, status.HTTP_201_CREATED)

    def _operate(self, serializer_class, service):
        merger = self.get_object()
        data = self.valid_data(serializer_class)
        return self.respond(self.call_versioned(service, merger=merger, user=self.request.user, **data))

    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        """Move the merger forward to "titles_unified" or "approved", on a date, with a note."""
        return self._operate(MergerAdvanceSerializer, services.merger_advance)

    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Complete the merger in one atomic step: sources dissolved, result agency created, headcount recorded."""
        return self._operate(MergerCompleteSerializer, services.merger_complete)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel an open merger; its source agencies become free for another merger."""
        return self._operate(MergerCancelSerializer, services.merger_cancel)


class DecisionViewSet(HistoryMixin, ReadOnlyViewSet):
    """The decision register: each decision with every event it authorised (programmes,
    mergers, stages, districts' ends, agencies' establishment and end). Filters: `number`
    (exact, e.g. 44-QĐ/TU), `q` (number and title, with or without diacritics), `issuer`,
    `kind`, `date_after`/`date_before`, `district`, `source_kind`. Decisions are registered
    and corrected on the web pages (/decisions/) and in the admin."""

    queryset = decision_list()
    serializer_class = DecisionSerializer
    filterset_class = DecisionFilterSet
    ordering_fields = ["id", "number", "date", "issuer", "kind"]
