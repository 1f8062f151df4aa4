"""FilterSets of the register, used by the HTML lists and the API alike.

Parameters follow one pattern: `district` by GSO code, `programme` and `agency_type` by
code, `q` for free text, `*_after`/`*_before` for date ranges, `active_on` for a date.
"""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q, Value
from django.db.models.functions import Concat, Replace
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters.fields import ModelChoiceField
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from core import readcache
from core.api.compiled import compiled_get
from core.filtersets import FilterSet
from districts.filtersets import ActiveOnFilterMixin, SearchFilterMixin
from districts.models import District
from districts.text import search_key
from mergers.choices import DecisionIssuer, DecisionKind, MergerStatus, Sector, SourceKind
from mergers.models import Agency, AgencyType, Decision, HeadcountRecord, Merger, Programme

MSG_NO_DISTRICT = _("Không có đơn vị cấp huyện có mã GSO “%(value)s”.")
MSG_NO_PROGRAMME = _("Không có đề án có mã “%(value)s”.")
MSG_NO_AGENCY_TYPE = _("Không có loại cơ quan có mã “%(value)s”.")


class DistrictCodeField(ModelChoiceField):
    """The district of a code, read by SQL compiled once (core.api.compiled; prepared on
    PostgreSQL) and kept under the shared stamp (core.readcache.layout_memo): every list
    filtered by district reads it, and compiling the lookup cost as much as running it
    (issue 17). The same district, and the same refusal, as the ORM's."""

    def to_python(self, value):
        if value in self.empty_values or not isinstance(value, str):
            return super().to_python(value)
        self.validate_no_null_characters(value)
        try:
            return readcache.layout_memo(
                "district-by-code",
                value,
                lambda: compiled_get(self.queryset, "code", value, key=(DistrictCodeField,)),
            )
        except Http404:
            raise ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
            ) from None


class DistrictCodeFilter(django_filters.ModelChoiceFilter):
    """A district chosen by its GSO code ("193"), shown by name in forms; an unknown code is
    refused naming it (`?district=Hạ Long`)."""

    def __init__(self, *args, **kwargs):
        if "queryset" not in kwargs:  # the compiled lookup is of this queryset alone
            self.field_class = DistrictCodeField
        kwargs.setdefault("queryset", District.objects.order_by("code"))
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("label", _("Đơn vị"))
        kwargs.setdefault("error_messages", {"invalid_choice": MSG_NO_DISTRICT})
        super().__init__(*args, **kwargs)


# A row id, as the database stores it: 64-bit. A larger number (9223372036854775808, 1e20) is a
# 400 naming the filter, where it reached SQLite as an OverflowError, a 500.
MAX_ID = 2**63 - 1


@extend_schema_field(OpenApiTypes.INT64)
class IdFilter(django_filters.NumberFilter):
    """An id: a whole number within the database's 64-bit range (`agency=1.5` is a 400, and the
    schema says integer, not number)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", -MAX_ID - 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class AgencyTypeFilterSet(SearchFilterMixin, FilterSet):
    sector = django_filters.ChoiceFilter(choices=Sector.choices, label=_("Khối"))
    q = django_filters.CharFilter(method="filter_q", label=_("Tìm kiếm"))

    class Meta:
        model = AgencyType
        fields = ["sector", "q"]


class AgencyFilterSet(SearchFilterMixin, ActiveOnFilterMixin, FilterSet):
    district = DistrictCodeFilter(field_name="district")
    agency_type = django_filters.ModelChoiceFilter(
        queryset=AgencyType.objects.all(),
        to_field_name="code",
        label=_("Loại cơ quan"),
        error_messages={"invalid_choice": MSG_NO_AGENCY_TYPE},
    )
    sector = django_filters.ChoiceFilter(field_name="agency_type__sector", choices=Sector.choices, label=_("Khối"))
    active_on = django_filters.DateFilter(method="filter_active_on", label=_("Hoạt động vào ngày"))
    q = django_filters.CharFilter(method="filter_q", label=_("Tìm kiếm"))

    class Meta:
        model = Agency
        fields = ["district", "agency_type", "sector", "active_on", "q"]


class ProgrammeFilterSet(SearchFilterMixin, FilterSet):
    """`q`: the programme's name (with or without diacritics) or its code."""

    q = django_filters.CharFilter(method="filter_q", label=_("Tìm kiếm"))

    def filter_q(self, queryset, name, value):
        key = search_key(value)
        return queryset.filter(Q(search_name__contains=key) | Q(code__icontains=key)) if key else queryset

    class Meta:
        model = Programme
        fields = ["q"]


class MergerFilterSet(FilterSet):
    programme = django_filters.ModelChoiceFilter(
        queryset=Programme.objects.all(),
        to_field_name="code",
        label=_("Đề án"),
        error_messages={"invalid_choice": MSG_NO_PROGRAMME},
    )
    district = DistrictCodeFilter(field_name="district")
    status = django_filters.ChoiceFilter(choices=MergerStatus.choices, label=_("Trạng thái"))
    effective_after = django_filters.DateFilter(
        field_name="effective_on", lookup_expr="gte", label=_("Hiệu lực từ ngày")
    )
    effective_before = django_filters.DateFilter(
        field_name="effective_on", lookup_expr="lte", label=_("Hiệu lực đến ngày")
    )
    q = django_filters.CharFilter(method="filter_q", label=_("Tìm kiếm"))

    class Meta:
        model = Merger
        fields = ["programme", "district", "status", "effective_after", "effective_before", "q"]

    def filter_q(self, queryset, name, value):
        """The programme, the district, a source or the result agency (diacritics or not), or
        the decision number."""
        key = search_key(value)
        if not key:
            return queryset
        by_source = Merger.objects.filter(source_agencies__search_name__contains=key).values("pk")
        return queryset.filter(
            Q(programme__search_name__contains=key)
            | Q(district__search_name__contains=key)
            | Q(result_agency__search_name__contains=key)
            | Q(decision__number__icontains=value.strip())
            | Q(pk__in=by_source)
        )


class HeadcountFilterSet(FilterSet):
    agency = IdFilter(field_name="agency_id", label=_("Cơ quan (mã số)"))
    district = DistrictCodeFilter(field_name="agency__district")
    source_kind = django_filters.ChoiceFilter(choices=SourceKind.choices, label=_("Loại nguồn"))
    as_of_after = django_filters.DateFilter(field_name="as_of", lookup_expr="gte", label=_("Từ ngày"))
    as_of_before = django_filters.DateFilter(field_name="as_of", lookup_expr="lte", label=_("Đến ngày"))
    q = django_filters.CharFilter(method="filter_q", label=_("Tìm kiếm"))

    compiled_filters = ("agency", "district", "as_of_after", "as_of_before")
    validated_by_layout = True  # a district by its code; the others are checked by their form field alone

    class Meta:
        model = HeadcountRecord
        fields = ["q", "agency", "district", "source_kind", "as_of_after", "as_of_before"]

    def filter_q(self, queryset, name, value):
        """The words as typed, diacritics, case and the words of a district's kind ("huyện",
        "thành phố", "thị xã") aside, in the agency's name followed by its district's: "noi vu thu
        mot" finds Phòng Nội vụ huyện Thử Một, "co to" only Cô Tô's; or the text in the source."""
        key = _without_kind_words(search_key(value))
        if not key:
            return queryset
        text = Concat("agency__search_name", Value(" "), "agency__district__search_name")
        for word in KIND_WORDS:
            text = Replace(text, Value(word), Value(""))
        return queryset.annotate(_search_text=text).filter(
            Q(_search_text__contains=key) | Q(source__icontains=value.strip())
        )


# The kind of a district as it stands in names (search keys: no diacritics, lower case).
KIND_WORDS = ("huyen ", "thanh pho ", "thi xa ")


def _without_kind_words(key: str) -> str:
    for word in KIND_WORDS:
        key = key.replace(word, "")
    return key.strip()


class DecisionFilterSet(SearchFilterMixin, FilterSet):
    """The register: `number` exactly as written (44-QĐ/TU), `q` in the number and title with or
    without diacritics, the issuer, the kind, a date range, the issuing district."""

    number = django_filters.CharFilter(field_name="number", lookup_expr="exact", label=_("Số (chính xác)"))
    q = django_filters.CharFilter(method="filter_q", label=_("Tìm kiếm"))
    issuer = django_filters.ChoiceFilter(choices=DecisionIssuer.choices, label=_("Cơ quan ban hành"))
    kind = django_filters.ChoiceFilter(choices=DecisionKind.choices, label=_("Loại văn bản"))
    date_after = django_filters.DateFilter(field_name="date", lookup_expr="gte", label=_("Từ ngày"))
    date_before = django_filters.DateFilter(field_name="date", lookup_expr="lte", label=_("Đến ngày"))
    district = DistrictCodeFilter(field_name="district")
    source_kind = django_filters.ChoiceFilter(choices=SourceKind.choices, label=_("Loại nguồn"))

    class Meta:
        model = Decision
        fields = ["number", "q", "issuer", "kind", "date_after", "date_before", "district", "source_kind"]
