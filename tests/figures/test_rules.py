"""Each rule that the engine writes twice, once in Python and once in SQL, gives the same
answer both ways (STYLE.md: a faster second copy is checked against the first)."""

import datetime

import pytest
from django.db import transaction
from django.db.models import Count, IntegerField, Sum, Value
from hypothesis import given, settings
from hypothesis import strategies as st

from districts.models import District
from districts.validity import is_valid_on, valid_on_q
from figures.engine import _demo_kind_q, complete_sum, complete_sum_sql, is_official, pct, sum_or_missing
from mergers.choices import SourceKind
from mergers.models import Agency, HeadcountRecord
from tests.factories import AgencyFactory, DistrictFactory, HeadcountFactory

D = datetime.date
DAYS = [D(2015, 1, 1), D(2016, 1, 1), D(2017, 1, 1), D(2018, 1, 1)]
dates = st.one_of(st.none(), st.sampled_from(DAYS))


@pytest.mark.django_db
def test_valid_on_a_day_in_python_and_in_sql():
    """Every combination of start, end and day: the Q filter selects exactly what is_valid_on says."""
    district = DistrictFactory()
    expected = {}
    for established_on in [D(2000, 1, 1), *DAYS]:  # an agency's establishment date is required
        for dissolved_on in [None, *DAYS]:
            if dissolved_on and dissolved_on <= established_on:
                continue
            agency = AgencyFactory(district=district, established_on=established_on, dissolved_on=dissolved_on)
            expected[agency.pk] = (established_on, dissolved_on)
    for day in [D(2014, 6, 1), *DAYS, D(2019, 1, 1)]:
        in_sql = set(Agency.objects.filter(valid_on_q(day), pk__in=expected).values_list("pk", flat=True))
        in_python = {pk for pk, (start, end) in expected.items() if is_valid_on(start, end, day)}
        assert in_sql == in_python, day
    # Districts read the same rule, through the model; theirs may be open at the start.
    assert is_valid_on(None, None, D(2016, 1, 1)) is True
    assert District.objects.filter(valid_on_q(D(2016, 1, 1)), pk=district.pk).exists() == district.is_active_on(
        D(2016, 1, 1)
    )


def test_is_valid_on_at_the_edges():
    # Established on the day: active; dissolved on the day: no longer.
    assert is_valid_on(D(2016, 1, 1), None, D(2016, 1, 1)) is True
    assert is_valid_on(None, D(2016, 1, 1), D(2016, 1, 1)) is False
    assert is_valid_on(None, D(2016, 1, 1), D(2015, 12, 31)) is True
    assert is_valid_on(None, None, D(1900, 1, 1)) is True


@pytest.mark.django_db
def test_demo_attribution_in_python_and_in_sql():
    agency = AgencyFactory()
    for i, kind in enumerate(SourceKind.values):
        HeadcountFactory(agency=agency, as_of=D(2015, 1, 1 + i), source_kind=kind)
    flagged = set(HeadcountRecord.objects.filter(_demo_kind_q("source_kind")).values_list("source_kind", flat=True))
    assert flagged == {kind for kind in SourceKind.values if not is_official(kind)}
    assert flagged == {"demo", "synthetic"}  # published (the articles' figures) is real, not demo
    assert is_official(None) is False


@pytest.mark.django_db
@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.integers(0, 500)), max_size=5))
def test_a_sum_with_missing_parts_in_python_and_in_sql(values):
    """complete_sum over SQL aggregates equals sum_or_missing over the values themselves."""
    with transaction.atomic():
        district = DistrictFactory()
        for value in values:
            agency = AgencyFactory(district=district)
            if value is not None:
                HeadcountFactory(agency=agency, as_of=D(2015, 1, 1), authorised=value)
        rows = (
            Agency.objects.filter(district=district)
            .annotate(_hc=Sum("headcounts__authorised"))
            .aggregate(total=Sum("_hc"), parts=Count("pk"), known=Count("_hc"))
        )
        in_sql = (
            District.objects.filter(pk=district.pk)
            .annotate(
                _total=Value(rows["total"], output_field=IntegerField()),
                _parts=Value(rows["parts"], output_field=IntegerField()),
                _known=Value(rows["known"], output_field=IntegerField()),
            )
            .annotate(_value=complete_sum_sql("_total", "_parts", "_known"))
            .values_list("_value", flat=True)
            .get()
        )
        expected = sum_or_missing(values)
        assert complete_sum(rows["total"], rows["parts"], rows["known"]) == expected
        assert in_sql == expected
        # Missing is never zero: nothing to sum, or one part missing, is None.
        assert (expected is None) == (not values or None in values)
        transaction.set_rollback(True)


def test_percentages_divide_and_round_to_two_decimals():
    assert pct(-94, 700) == -13.43
    assert pct(35, 279) == 12.54
    assert (pct(1, 0), pct(None, 5), pct(5, None)) == (None, None, None)
