"""core.filtersets.FilterSet (issue 17): each filter copied shallowly, the form class built once,
and every list filtered exactly as django-filter's own FilterSet filters it."""

import django_filters
import pytest
from django.http import QueryDict
from django.utils import translation

from core.filtersets import FilterSet
from districts.filtersets import DistrictFilterSet, ProvinceFilterSet
from registry.filtersets import (
    AgencyFilterSet,
    AgencyTypeFilterSet,
    DecisionFilterSet,
    HeadcountFilterSet,
    MergerFilterSet,
    ProgrammeFilterSet,
)

pytestmark = pytest.mark.django_db

# Each FilterSet with queries that filter, that combine filters, and that are refused.
QUERIES = {
    ProvinceFilterSet: ["", "q=quang ninh", "q=ha"],
    DistrictFilterSet: ["", "q=ha long", "kind=huyen", "active_on=2021-01-01", "active_on=2019-05-01&kind=tp",
                        "kind=nope", "active_on=2019-13-01"],
    AgencyTypeFilterSet: ["", "sector=mttq", "q=ban", "sector=zzz"],
    AgencyFilterSet: ["", "district=193", "district=193&q=noi vu", "sector=mttq&active_on=2019-01-01",
                      "district=Hạ Long", "agency_type=ban-to-chuc", "agency_type=nope"],
    ProgrammeFilterSet: ["", "q=mttq"],
    MergerFilterSet: ["", "district=193", "status=completed", "q=ha long", "status=planned&district=205",
                      "status=done", "effective_after=2018-01-01&effective_before=2019-12-31"],
    HeadcountFilterSet: ["", "district=193", "district=193&source_kind=official", "q=noi vu thu mot",
                         "as_of_after=2017-01-01&as_of_before=2018-12-31", "agency=7", "agency=1.5",
                         "district=999", "source_kind=guess"],
    DecisionFilterSet: ["", "q=44-qd", "issuer=tu", "kind=nope", "district=207"],
}  # fmt: skip


def library(cls, data, queryset):
    """The same FilterSet as django-filter makes it: filters deep-copied, a form class per instance."""
    made = cls.__new__(cls)
    django_filters.FilterSet.__init__(made, data, queryset)
    made.get_form_class = lambda: django_filters.FilterSet.get_form_class(made)
    return made


def outcome(filterset):
    valid = filterset.is_valid()
    errors = {name: [str(e) for e in errs] for name, errs in filterset.errors.items()}
    rows = sorted(filterset.qs.values_list("pk", flat=True)) if valid else None
    return valid, errors, rows


@pytest.mark.parametrize("cls", list(QUERIES))
def test_every_query_is_filtered_as_django_filter_filters_it(quang_ninh, cls):
    assert issubclass(cls, FilterSet)
    queryset = cls._meta.model._default_manager.all()
    filtered = 0
    for query in QUERIES[cls]:
        data = QueryDict(query)
        ours = outcome(cls(data, queryset))
        assert ours == outcome(library(cls, data, queryset)), query
        filtered += ours[2] is not None and len(ours[2]) < queryset.count()
    assert filtered >= 1  # the queries do filter


def test_two_at_once_each_with_its_own_values(quang_ninh):
    """Each copy's `method=` filter (q) runs on its own FilterSet, made in any order."""
    queryset = HeadcountFilterSet._meta.model._default_manager.all()
    first = HeadcountFilterSet(QueryDict("q=co to"), queryset)
    second = HeadcountFilterSet(QueryDict("q=ha long"), queryset)
    assert first.filters["q"].parent is first and second.filters["q"].parent is second
    assert first.filters["q"] is not HeadcountFilterSet.base_filters["q"]
    assert second.qs.count() == library(HeadcountFilterSet, QueryDict("q=ha long"), queryset).qs.count() > 0
    assert first.qs.count() == library(HeadcountFilterSet, QueryDict("q=co to"), queryset).qs.count() > 0
    assert set(first.qs.values_list("pk", flat=True)).isdisjoint(second.qs.values_list("pk", flat=True))


def test_one_form_class_its_fields_copied_for_each_form_and_labels_in_the_language_of_the_request(quang_ninh):
    one, two = HeadcountFilterSet(QueryDict("district=193")), HeadcountFilterSet(QueryDict("district=207"))
    assert type(one.form) is type(two.form)
    assert one.form.fields["district"] is not two.form.fields["district"]
    assert (one.form.is_valid(), two.form.is_valid()) == (True, True)
    assert (one.form.cleaned_data["district"].name, two.form.cleaned_data["district"].name) == ("Hạ Long", "Cô Tô")
    with translation.override("en"):
        assert str(HeadcountFilterSet().form.fields["as_of_after"].label) == "From"
        assert str(HeadcountFilterSet().form.fields["source_kind"].choices[1][1]) == "Official"
    assert str(HeadcountFilterSet().form.fields["as_of_after"].label) == "Từ ngày"
