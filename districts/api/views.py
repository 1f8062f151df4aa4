"""Read-only endpoints for provinces and districts (districts change through the admin)."""

from config.api.history import HistoryMixin
from config.api.views import ReadOnlyViewSet
from districts.api.serializers import DistrictSerializer, ProvinceSerializer
from districts.filtersets import DistrictFilterSet, ProvinceFilterSet
from districts.models import Province
from districts.selectors import district_list


class ProvinceViewSet(ReadOnlyViewSet):
    queryset = Province.objects.order_by("code")
    serializer_class = ProvinceSerializer
    filterset_class = ProvinceFilterSet
    lookup_field = "code"
    lookup_value_regex = "[0-9]+"
    ordering_fields = ["code", "name"]


class DistrictViewSet(HistoryMixin, ReadOnlyViewSet):
    """District-level units, looked up by GSO code: /api/v1/districts/193/."""

    queryset = district_list().order_by("code")
    serializer_class = DistrictSerializer
    filterset_class = DistrictFilterSet
    lookup_field = "code"
    lookup_value_regex = "[0-9]+"
    ordering_fields = ["code", "name", "kind", "established_on", "dissolved_on"]
