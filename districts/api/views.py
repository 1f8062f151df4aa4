"""Read-only endpoints for provinces and districts (districts change through the admin)."""

from core.api.history import HistoryMixin
from core.api.views import ReadOnlyViewSet
from districts.api.serializers import (
    BriefDistrictSerializer,
    BriefProvinceSerializer,
    DistrictSerializer,
    ProvinceSerializer,
)
from districts.filtersets import DistrictFilterSet, ProvinceFilterSet
from districts.models import Province
from districts.selectors import district_list


class ProvinceViewSet(ReadOnlyViewSet):
    read_cache_shared_only = True  # provinces' writes renew the shared stamp (core.readcache)
    compiled_detail = True
    queryset = Province.objects.order_by("code")
    serializer_class = ProvinceSerializer
    brief_serializer_class = BriefProvinceSerializer
    filterset_class = ProvinceFilterSet
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Z]+"  # GSO codes; S01, S0101: the synthetic national data
    ordering_fields = ["code", "name"]


class DistrictViewSet(HistoryMixin, ReadOnlyViewSet):
    """District-level units, looked up by GSO code: /api/v1/districts/193/."""

    read_cache_shared_only = True  # districts' writes renew the shared stamp (core.readcache)
    compiled_detail = True

    queryset = district_list().order_by("code")
    serializer_class = DistrictSerializer
    brief_serializer_class = BriefDistrictSerializer
    filterset_class = DistrictFilterSet
    lookup_field = "code"
    lookup_value_regex = "[0-9A-Z]+"  # GSO codes; S01, S0101: the synthetic national data
    ordering_fields = ["code", "name", "kind", "established_on", "dissolved_on"]
