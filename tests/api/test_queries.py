"""A list page costs the same number of queries for 5 rows as for 500: no N+1 anywhere."""

import datetime

import pytest

from districts.models import District
from mergers.models import Agency, AgencyType, HeadcountRecord

# Token + user (1), the user's own and his groups' permissions (1: core.auth), count (1), page (1),
# plus the prefetches of many-valued fields; with the rows in the seed.
LISTS = [
    ("provinces", 4, 1),
    ("districts", 4, 14),
    ("agency-types", 4, 13),
    ("agencies", 7, 182),  # + lineage: the mergers that created them, their sources, agencies merged into them
    ("programmes", 5, 3),  # + source types
    ("mergers", 6, 42),  # + source agencies, + stages
    ("headcounts", 4, 171),
]


@pytest.mark.parametrize(("path", "queries", "rows"), LISTS)
@pytest.mark.parametrize("page_size", [5, 500])
def test_list_queries_do_not_grow_with_rows(
    quang_ninh, analyst_client, django_assert_num_queries, path, queries, rows, page_size
):
    # A first page that holds the whole list is its own count: no count query
    # (core.api.pagination.ShortListPaginator).
    with django_assert_num_queries(queries if rows >= page_size else queries - 1):
        response = analyst_client.get(f"/api/v1/{path}/", {"page_size": page_size})
    assert response.status_code == 200
    assert (response.json()["count"], len(response.json()["results"])) == (rows, min(rows, page_size))


@pytest.mark.parametrize("page_size", [5, 500])
def test_500_agencies_cost_as_much_as_5(quang_ninh, analyst_client, django_assert_num_queries, page_size):
    district = District.objects.get(code="207")
    agency_type = AgencyType.objects.get(code="ban-to-chuc")
    Agency.objects.bulk_create(
        Agency(
            district=district,
            agency_type=agency_type,
            name=f"Cơ quan {i}",
            search_name=f"co quan {i}",
            established_on=datetime.date(2000, 1, 1),
        )
        for i in range(400)
    )
    with django_assert_num_queries(7):
        body = analyst_client.get("/api/v1/agencies/", {"page_size": page_size}).json()
    assert (body["count"], len(body["results"])) == (582, page_size)


@pytest.mark.parametrize("page_size", [5, 171])
def test_headcounts_csv_costs_as_much_as_json(quang_ninh, analyst_client, django_assert_num_queries, page_size):
    """The CSV is every row whatever `page_size` says (issue 15), for the queries of one JSON page:
    the token, the permissions, the count and the rows (read in chunks of 500, with their prefetches)."""
    with django_assert_num_queries(4):
        response = analyst_client.get("/api/v1/headcounts/", {"page_size": page_size, "format": "csv"})
        content = b"".join(response.streaming_content)
    assert len(content.decode("utf-8-sig").splitlines()) == 1 + HeadcountRecord.objects.count() == 172


@pytest.mark.parametrize(
    ("path", "queries"),
    [("districts/193", 3), ("agencies/7", 6), ("programmes/khoi-mttq", 4), ("mergers/1", 5), ("headcounts/169", 3)],
)
def test_detail_queries(quang_ninh, analyst_client, django_assert_num_queries, path, queries):
    with django_assert_num_queries(queries):
        assert analyst_client.get(f"/api/v1/{path}/").status_code == 200
