"""A list page filtered by compiled filters alone is read by SQL compiled once per shape
(core.api.views.CompiledListMixin, issue 17): the same page, byte for byte, as the ORM's, for
every combination of those filters, orderings and pages; anything else is read by the ORM."""

import datetime
import itertools

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.api import compiled
from districts.models import District
from mergers.models import Agency, HeadcountRecord
from registry.api.views import HeadcountViewSet
from registry.filtersets import HeadcountFilterSet
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

LIST = "/api/v1/headcounts/"


def list_shapes() -> set:
    return {k for k in compiled._SHAPES if k[2][:2] == ("list", ("registry.api.views", "HeadcountViewSet"))}


def orm_answer(client, url, monkeypatch):
    """The answer with the page read by the ORM, as before the compiled pages."""
    with monkeypatch.context() as m:
        m.setattr(HeadcountViewSet, "compiled_list", False)
        return client.get(url)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def compare(client, url, monkeypatch):
    """The compiled answer and the ORM's: the same status and bytes."""
    got = client.get(url)
    got_body = body(got)
    expected = orm_answer(client, url, monkeypatch)
    assert (got.status_code, got_body) == (expected.status_code, body(expected)), url
    return got


@pytest.fixture
def client(analyst):
    return token_client(analyst)


def test_one_district_s_records_are_the_orm_s_and_compiled_once(quang_ninh, client, monkeypatch):
    for key in list_shapes():
        del compiled._SHAPES[key]
    ha_long = District.objects.get(name="Hạ Long")
    expected = list(
        HeadcountRecord.objects.filter(agency__district=ha_long)
        .order_by("agency__district__code", "agency__agency_type__sector", "agency__name", "-as_of")
        .values_list("id", flat=True)
    )
    got = compare(client, f"{LIST}?district={ha_long.code}", monkeypatch)
    assert [row["id"] for row in got.json()["results"]] == expected
    assert got.json()["count"] == len(expected) == 15
    assert len(list_shapes()) == 1

    def not_again(*args):
        raise AssertionError("compiled again")

    # Another district: the same shape, its own values, nothing compiled.
    monkeypatch.setattr(compiled, "_compile_shape", not_again)
    co_to = District.objects.get(name="Cô Tô")
    answer = client.get(f"{LIST}?district={co_to.code}").json()
    assert {row["district"]["code"] for row in answer["results"]} == {co_to.code}
    assert answer["count"] == HeadcountRecord.objects.filter(agency__district=co_to).count()
    assert len(list_shapes()) == 1


@pytest.mark.parametrize("ordering", [None, "-actual", "as_of,-id", "authorised"])
def test_every_combination_of_the_compiled_filters(quang_ninh, client, monkeypatch, ordering):
    """16 combinations of the four filters, each with and without a second page: the ORM's bytes."""
    agency = Agency.objects.filter(district__name="Hạ Long").order_by("id").first()
    values = {
        "district": agency.district.code,
        "agency": str(agency.pk),
        "as_of_after": "2016-01-01",
        "as_of_before": "2019-12-31",
    }
    for n in range(len(values) + 1):
        for names in itertools.combinations(sorted(values), n):
            query = "&".join(f"{name}={values[name]}" for name in names)
            if ordering:
                query += f"&ordering={ordering}"
            compare(client, f"{LIST}?{query}&page_size=3", monkeypatch)
            compare(client, f"{LIST}?{query}&page_size=3&page=2", monkeypatch)


def test_other_filters_csv_and_errors_are_the_orm_s(quang_ninh, client, monkeypatch):
    """A text search or a kind of source: read by the ORM, no shape compiled; CSV and a 400 as
    before."""
    for key in list_shapes():
        del compiled._SHAPES[key]
    for url in (
        f"{LIST}?district=193&q=noi vu",
        f"{LIST}?district=193&source_kind=official",
        f"{LIST}?district=193&format=csv",
        f"{LIST}?district=193&page_size=3&format=csv",
    ):
        compare(client, url, monkeypatch)
    assert list_shapes() == set()
    refused = compare(client, f"{LIST}?district=19x", monkeypatch)
    assert refused.status_code == 400
    assert set(refused.json()) == {"district"}


def test_a_filter_declared_compiled_whose_sql_changes_with_its_value_is_read_by_the_orm(
    quang_ninh, client, monkeypatch, caplog
):
    """A text value is never a compiled one; an id that is not a parameter of the SQL (a filter
    wrongly declared) is logged and the page read by the ORM: the right rows either way."""
    for key in list_shapes():
        del compiled._SHAPES[key]
    monkeypatch.setattr(HeadcountFilterSet, "compiled_filters", ("q", "agency"))
    compare(client, f"{LIST}?q=noi vu", monkeypatch)
    assert list_shapes() == set()

    agency_filter = HeadcountFilterSet.base_filters["agency"]

    def branching(self, qs, value):  # the SQL depends on the value: no parameter for it
        return qs.filter(agency_id__gt=0) if value else qs

    monkeypatch.setattr(type(agency_filter), "filter", branching)
    with caplog.at_level("ERROR", logger="core.api.views"):
        got = compare(client, f"{LIST}?agency=5&page_size=3", monkeypatch)  # the ORM's bytes
    assert got.json()["count"] == HeadcountRecord.objects.count()  # the branch taken: every record
    assert "list page not compiled" in caplog.text


DAYS = st.dates(min_value=datetime.date(2014, 1, 1), max_value=datetime.date(2026, 12, 31))


@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    district=st.sampled_from([None, "193", "195", "202", "205"]),
    agency_index=st.one_of(st.none(), st.integers(min_value=0, max_value=200)),
    after=st.one_of(st.none(), DAYS),
    before=st.one_of(st.none(), DAYS),
    page=st.integers(min_value=1, max_value=3),
    page_size=st.sampled_from([1, 2, 5, 50]),
    ordering=st.sampled_from([None, "-as_of", "actual,id", "-authorised,-id"]),
)
@example(district="193", agency_index=None, after=None, before=None, page=1, page_size=50, ordering=None)
@example(
    district="193",
    agency_index=None,
    after=datetime.date(2015, 11, 30),
    before=datetime.date(2015, 11, 30),
    page=1,
    page_size=50,
    ordering=None,
)
def test_any_values_give_the_orm_s_page(
    quang_ninh, client, monkeypatch, district, agency_index, after, before, page, page_size, ordering
):
    """Any district, agency (or an id no agency has), days and page: the ORM's bytes."""
    params = {"district": district, "as_of_after": after, "as_of_before": before, "ordering": ordering}
    if agency_index is not None:
        ids = sorted(Agency.objects.values_list("id", flat=True))
        params["agency"] = ids[agency_index] if agency_index < len(ids) else max(ids) + agency_index
    query = "&".join(f"{name}={value}" for name, value in params.items() if value is not None)
    compare(client, f"{LIST}?{query}&page={page}&page_size={page_size}", monkeypatch)


def test_the_shapes_asked_for_least_recently_are_forgotten_first(quang_ninh, client, monkeypatch):
    """Shapes hold parameters a client chooses: a run of page sizes asked for once does not crowd
    out a district's page asked for on every request."""
    for key in list_shapes():  # as if none had been asked for yet
        del compiled._SHAPES[key]
    monkeypatch.setattr(compiled, "_SHAPES_MAX", 3)

    def shape_of(query):
        before = set(compiled._SHAPES)
        client.get(f"{LIST}?{query}")
        return (set(compiled._SHAPES) - before).pop()

    district_page = shape_of("district=193")
    one = shape_of("district=193&page_size=1")
    shape_of("district=193&page_size=2")
    assert client.get(f"{LIST}?district=193").json()["count"] == 15  # used again: the most recent
    shape_of("district=193&page_size=3")
    assert len(compiled._SHAPES) == 3
    assert district_page in compiled._SHAPES
    assert one not in compiled._SHAPES
