"""A district's or province's detail without parameters reads its object by SQL compiled once
(core.api.compiled): the same object, the same answer, as the ORM's lookup (issue 17)."""

import pytest
from django.apps import apps
from django.http import Http404

from core.api import compiled
from districts.models import District, Province
from districts.selectors import district_list

pytestmark = pytest.mark.django_db

RELATED = ("province", "successor", "successor_province")


def fields_of(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def test_each_district_is_the_orm_s_with_its_related_objects(quang_ninh):
    queryset = district_list().order_by("code")
    districts = list(District.objects.order_by("code"))
    assert len(districts) == 14
    for district in districts:
        got = compiled.compiled_get(queryset, "code", district.code, key=("test", "districts"))
        orm = queryset.get(code=district.code)
        assert fields_of(got) == fields_of(orm)
        for name in RELATED:  # read with the district, as select_related reads them: no query more
            assert District._meta.get_field(name).is_cached(got)
            related, expected = getattr(got, name), getattr(orm, name)
            assert (related and fields_of(related)) == (expected and fields_of(expected))
    hoanh_bo = next(d for d in districts if d.successor_id is not None)
    assert compiled.compiled_get(queryset, "code", hoanh_bo.code, key=("test", "districts")).successor.name == "Hạ Long"


def test_compiled_once_per_view_and_database_and_a_missing_code_is_404(quang_ninh, monkeypatch):
    queryset = Province.objects.order_by("code")
    key = ("test", "provinces")
    compiled._COMPILED.pop(next((k for k in compiled._COMPILED if k[2] == key), None), None)
    assert compiled.compiled_get(queryset, "code", "22", key=key).name == "Quảng Ninh"

    def not_again(*args):
        raise AssertionError("compiled again")

    monkeypatch.setattr(compiled, "_compile", not_again)
    assert compiled.compiled_get(queryset, "code", "22", key=key).code == "22"
    with pytest.raises(Http404):
        compiled.compiled_get(queryset, "code", "99", key=key)
    assert sum(1 for k in compiled._COMPILED if k[2] == key) == 1


def test_only_a_text_field_is_looked_up(quang_ninh):
    """A number from the URL would reach the SQL as text: the ORM's way converts it first."""
    with pytest.raises(ValueError, match="only a text field"):
        compiled.compiled_get(Province.objects.all(), "id", "1", key=("test", "by-id"))


def test_the_value_must_be_one_parameter(quang_ninh):
    twice = Province.objects.filter(name=compiled.STAND_IN)  # the stand-in would be two parameters
    with pytest.raises(ValueError, match="must be one parameter"):
        compiled.compiled_get(twice, "name", "Quảng Ninh", key=("test", "twice"))


@pytest.mark.parametrize("path", ["/api/v1/districts/{}/", "/api/v1/provinces/{}/"])
def test_the_answer_is_the_one_read_through_the_orm(quang_ninh, analyst_client, path, django_assert_num_queries):
    """`?brief=0` (the full representation) takes the ORM's way: a parameter turns the
    compiled lookup off."""
    codes = District.objects.values_list("code", flat=True) if "districts" in path else ["22"]
    for code in codes:
        plain = analyst_client.get(path.format(code))
        assert plain.status_code == 200
        assert plain.content == analyst_client.get(path.format(code), {"brief": "0"}).content
    missing = analyst_client.get(path.format("999"))
    assert (missing.status_code, missing.json()) == (404, {"detail": "Không tìm thấy."})
    with django_assert_num_queries(3):  # the token's user, the permissions, the object
        analyst_client.get(path.format(codes[0]))


@pytest.mark.parametrize(
    ("path", "model", "field"),
    [
        ("headcounts", "mergers.HeadcountRecord", "agency__district"),
        ("agencies", "mergers.Agency", "district"),
        ("mergers", "mergers.Merger", "district"),
        ("decisions", "mergers.Decision", "district"),
    ],
)
def test_the_district_filter_finds_the_orm_s_district_by_compiled_sql(
    quang_ninh, analyst_client, path, model, field, monkeypatch
):
    """`?district=` (registry.filtersets.DistrictCodeFilter): the district of each code is the
    ORM's, so each list is the ORM's filter's; an unknown code is refused naming it."""
    from registry.filtersets import DistrictCodeField

    seen = []
    real = compiled.compiled_get
    monkeypatch.setattr(
        "registry.filtersets.compiled_get",
        lambda queryset, lookup, value, key: seen.append(value) or real(queryset, lookup, value, key),
    )
    for district in District.objects.order_by("code"):
        body = analyst_client.get(f"/api/v1/{path}/", {"district": district.code, "page_size": 500}).json()
        ids = set(apps.get_model(model).objects.filter(**{field: district}).values_list("pk", flat=True))
        assert ({row["id"] for row in body["results"]}, body["count"]) == (ids, len(ids))
    assert seen == list(District.objects.order_by("code").values_list("code", flat=True))
    assert sum(1 for k in compiled._COMPILED if k[2] == (DistrictCodeField,)) == 1
    refused = analyst_client.get(f"/api/v1/{path}/", {"district": "Hạ Long"})
    assert (refused.status_code, refused.json()) == (
        400,
        {"district": ["Không có đơn vị cấp huyện có mã GSO “Hạ Long”."]},
    )
