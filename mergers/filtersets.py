"""FilterSets of the mergers app, used by the HTML lists and the API alike.

Parameters follow one pattern: `district` by GSO code, `programme` and `agency_type` by
code, `q` for free text, `*_after`/`*_before` for date ranges, `active_on` for a date.
"""

import django_filters
from django.utils.translation import gettext_lazy as _

from districts.filtersets import ActiveOnFilterMixin, SearchFilterMixin
from districts.models import District
from mergers.choices import MergerStatus, Sector, SourceKind
from mergers.models import Agency, AgencyType, HeadcountRecord, Merger, Programme


class DistrictCodeFilter(django_filters.ModelChoiceFilter):
    """A district chosen by its GSO code ("193"), shown by name in forms."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", District.objects.order_by("code"))
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("label", _("Đơn vị"))
        super().__init__(*args, **kwargs)


class AgencyTypeFilterSet(django_filters.FilterSet):
    sector = django_filters.ChoiceFilter(choices=Sector.choices, label=_("Khối"))

    class Meta:
        model = AgencyType
        fields = ["sector"]


class AgencyFilterSet(SearchFilterMixin, ActiveOnFilterMixin, django_filters.FilterSet):
    district = DistrictCodeFilter(field_name="district")
    agency_type = django_filters.ModelChoiceFilter(
        queryset=AgencyType.objects.all(), to_field_name="code", label=_("Loại cơ quan")
    )
    sector = django_filters.ChoiceFilter(field_name="agency_type__sector", choices=Sector.choices, label=_("Khối"))
    active_on = django_filters.DateFilter(method="filter_active_on", label=_("Hoạt động vào ngày"))
    q = django_filters.CharFilter(method="filter_q", label=_("Tìm kiếm"))

    class Meta:
        model = Agency
        fields = ["district", "agency_type", "sector", "active_on", "q"]


class ProgrammeFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Tìm kiếm"))

    class Meta:
        model = Programme
        fields = ["q"]


class MergerFilterSet(django_filters.FilterSet):
    programme = django_filters.ModelChoiceFilter(
        queryset=Programme.objects.all(), to_field_name="code", label=_("Đề án")
    )
    district = DistrictCodeFilter(field_name="district")
    status = django_filters.ChoiceFilter(choices=MergerStatus.choices, label=_("Trạng thái"))
    effective_after = django_filters.DateFilter(
        field_name="effective_on", lookup_expr="gte", label=_("Hiệu lực từ ngày")
    )
    effective_before = django_filters.DateFilter(
        field_name="effective_on", lookup_expr="lte", label=_("Hiệu lực đến ngày")
    )

    class Meta:
        model = Merger
        fields = ["programme", "district", "status", "effective_after", "effective_before"]


class HeadcountFilterSet(django_filters.FilterSet):
    agency = django_filters.NumberFilter(field_name="agency_id", label=_("Cơ quan (mã số)"))
    district = DistrictCodeFilter(field_name="agency__district")
    source_kind = django_filters.ChoiceFilter(choices=SourceKind.choices, label=_("Loại nguồn"))
    as_of_after = django_filters.DateFilter(field_name="as_of", lookup_expr="gte", label=_("Từ ngày"))
    as_of_before = django_filters.DateFilter(field_name="as_of", lookup_expr="lte", label=_("Đến ngày"))

    class Meta:
        model = HeadcountRecord
        fields = ["agency", "district", "source_kind", "as_of_after", "as_of_before"]
