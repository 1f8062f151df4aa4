"""FilterSets of the districts app, used by the HTML lists and the API alike."""

import django_filters
from django.utils.translation import gettext_lazy as _

from core.filtersets import FilterSet
from districts.choices import DistrictKind
from districts.models import District, Province
from districts.selectors import active_on_q
from districts.text import search_key


class SearchFilterMixin:
    """`q`: free text over `search_name`, with or without Vietnamese diacritics."""

    def filter_q(self, queryset, name, value):
        key = search_key(value)
        return queryset.filter(search_name__contains=key) if key else queryset


class ActiveOnFilterMixin:
    """`active_on`: valid on that date."""

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(active_on_q(value)) if value else queryset


class ProvinceFilterSet(SearchFilterMixin, FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Tìm kiếm"))

    class Meta:
        model = Province
        fields = ["q"]


class DistrictFilterSet(SearchFilterMixin, ActiveOnFilterMixin, FilterSet):
    province = django_filters.CharFilter(field_name="province__code", label=_("Tỉnh (mã GSO)"))
    kind = django_filters.ChoiceFilter(choices=DistrictKind.choices, label=_("Loại"))
    active_on = django_filters.DateFilter(method="filter_active_on", label=_("Hoạt động vào ngày"))
    q = django_filters.CharFilter(method="filter_q", label=_("Tìm kiếm"))

    class Meta:
        model = District
        fields = ["province", "kind", "active_on", "q"]
