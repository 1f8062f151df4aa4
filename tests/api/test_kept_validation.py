"""A FilterSet `validated_by_layout` keeps a request's validated values in the process under the
shared stamp (core.filtersets.FilterSet.cleaned, issue 17): the headcounts list validates its
parameters once, not on every request; a change to the districts' layout committed, another
language, another parameter or the users' and rights' cache off validates them again; refused
parameters are never kept."""

import django_filters
import pytest

from core.filtersets import FilterSet
from districts.models import District
from mergers.models import HeadcountRecord
from registry.filtersets import HeadcountFilterSet
from tests.api.conftest import token_client
from tests.api.test_layout_memo import in_request

pytestmark = [pytest.mark.django_db, pytest.mark.read_cache]

LIST = "/api/v1/headcounts/"


@pytest.fixture
def validations(monkeypatch):
    """The parameters validated by a form, each time."""
    seen = []
    is_valid = django_filters.FilterSet.is_valid

    def counted(self):
        seen.append(dict(self.data.items()))
        return is_valid(self)

    monkeypatch.setattr(django_filters.FilterSet, "is_valid", counted)
    return seen


@pytest.fixture
def client(analyst, settings):
    settings.READ_CACHE_SECONDS = 0  # every answer computed: only the users, rights and layout kept
    return token_client(analyst)


def test_validated_once_then_kept_with_the_same_answer(quang_ninh, client, validations):
    params = {"district": "193", "as_of_after": "01/01/2015"}
    first = client.get(LIST, params)
    assert first.status_code == 200 and first.json()["count"] == 15
    assert validations == [params]
    again = client.get(LIST, params)
    assert again.content == first.content
    assert validations == [params]  # not validated again
    client.get(LIST, {"district": "193", "as_of_after": "01/01/2019"})  # other values: validated
    assert len(validations) == 2
    client.get(LIST, params, HTTP_ACCEPT_LANGUAGE="en")  # another language: validated
    assert len(validations) == 3


def test_refused_parameters_are_never_kept(quang_ninh, client, validations):
    for _ in range(2):
        answer = client.get(LIST, {"district": "99999"})
        assert answer.status_code == 400
        assert "99999" in answer.json()["district"][0]
    assert len(validations) == 2


def test_a_committed_change_of_a_district_s_code_is_seen_at_once(quang_ninh, client, commit, validations):
    assert client.get(LIST, {"district": "193"}).json()["count"] == 15
    with commit():
        ha_long = District.objects.get(code="193")
        ha_long.code = "19300"
        ha_long.save()
    refused = client.get(LIST, {"district": "193"})
    assert refused.status_code == 400
    assert client.get(LIST, {"district": "19300"}).json()["count"] == 15
    assert len(validations) == 3


def test_validated_each_time_without_the_users_and_rights_cache(quang_ninh, client, settings, validations):
    settings.AUTH_CACHE = False
    for _ in range(2):
        assert client.get(LIST, {"district": "193"}).json()["count"] == 15
    assert len(validations) == 2


def test_each_request_gets_its_own_district(quang_ninh):
    def cleaned():
        return HeadcountFilterSet({"district": "193"}, HeadcountRecord.objects.all()).cleaned()

    first, _ = in_request(cleaned)
    first["district"].name = "changed by a request"
    second, sqls = in_request(cleaned)
    assert second["district"].name == "Hạ Long"
    assert second["district"] is not first["district"]
    assert [sql for sql in sqls if "districts_district" in sql] == []  # kept: no query


class Choices(FilterSet):
    kinds = django_filters.MultipleChoiceFilter(field_name="source_kind", choices=[("official", "official")])
    validated_by_layout = True

    class Meta:
        model = HeadcountRecord
        fields = ["kinds"]


def test_a_value_that_could_be_changed_is_not_kept(quang_ninh, validations):
    """A list of choices is validated each time, and each request gets its own."""
    first, _ = in_request(lambda: Choices({"kinds": ["official"]}, HeadcountRecord.objects.all()).cleaned())
    assert first == {"kinds": ["official"]}
    first["kinds"].append("changed")
    second, _ = in_request(lambda: Choices({"kinds": ["official"]}, HeadcountRecord.objects.all()).cleaned())
    assert second == {"kinds": ["official"]}
    assert len(validations) == 2
