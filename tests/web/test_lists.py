"""List pages: the shared FilterSets, sortable columns, pagination, a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse

from core.actors import SYSTEM
from datasets.seed import DISTRICTS
from mergers import services
from mergers.choices import MergerStatus
from tests.factories import AgencyFactory, DistrictFactory, HeadcountFactory

D = datetime.date


def _more_mergers(world, count):
    """`count` more completed mergers, each in its own district with two sources and figures."""
    for n in range(count):
        district = DistrictFactory(code=f"{700 + n}", name=f"Thêm {n}")
        sources = [
            AgencyFactory(district=district, agency_type=world.ban, name=f"Ban {n}"),
            AgencyFactory(district=district, agency_type=world.phong, name=f"Phòng {n}"),
        ]
        for agency in sources:
            HeadcountFactory(agency=agency, as_of=D(2017, 1, 1), authorised=10 + n)
        merger = services.merger_create(
            user=SYSTEM,
            programme=world.programme,
            district=district,
            source_agencies=sources,
            decision_number=f"{n}-QĐ",
            decided_on=D(2018, 1, 1),
        )
        services.merger_complete(user=SYSTEM, merger=merger, effective_on=D(2018, 2, 1), headcount_after=15)


# Session, user, the user's own and group permissions (one query: core.auth), the user's groups (header), page
# (its keys chosen in a subquery, then its rows with their figures; no sources or stages, which
# the page does not show), and the filter form's choices of programmes and districts. A first
# page shorter than a page is its own count (core.api.pagination.ShortListPaginator); a fuller
# list is counted: one query more.
MERGER_LIST_QUERIES = 7


@pytest.mark.parametrize("extra", [1, 6])
def test_merger_list_queries_do_not_grow(client, leader, world, planned, extra, django_assert_num_queries):
    _more_mergers(world, extra)
    client.force_login(leader)
    with django_assert_num_queries(MERGER_LIST_QUERIES):
        response = client.get(reverse("registry:merger_list"))
    assert len(response.context["object_list"]) == extra + 1
    assert response.context["paginator"].count == extra + 1


@pytest.mark.parametrize(("extra", "page_size", "shown", "queries"), [(5, 6, 6, 8), (5, 7, 6, 7), (6, 6, 6, 8)])
def test_a_full_first_page_is_counted(client, leader, world, planned, extra, page_size, shown, queries,
                                      django_assert_num_queries, monkeypatch):  # fmt: skip
    from registry.views.mergers import MergerListView

    monkeypatch.setattr(MergerListView, "paginate_by", page_size)
    _more_mergers(world, extra)
    client.force_login(leader)
    with django_assert_num_queries(queries):
        response = client.get(reverse("registry:merger_list"))
    assert len(response.context["object_list"]) == shown
    assert response.context["paginator"].count == extra + 1
    assert response.context["paginator"].num_pages == (extra + page_size) // page_size


def test_merger_list_filters_with_the_shared_filterset(client, leader, world, planned):
    _more_mergers(world, 2)
    client.force_login(leader)
    response = client.get(reverse("registry:merger_list"), {"status": "planned"})
    assert list(response.context["object_list"]) == [planned]
    response = client.get(reverse("registry:merger_list"), {"district": "701"})
    assert [m.district.code for m in response.context["object_list"]] == ["701"]
    response = client.get(reverse("registry:merger_list"), {"effective_after": "01/02/2018", "status": "completed"})
    assert len(response.context["object_list"]) == 2


def test_merger_list_sorts_by_a_column(client, leader, world, planned):
    _more_mergers(world, 3)  # reductions 20-15=5, 22-15=7, 24-15=9
    client.force_login(leader)
    response = client.get(reverse("registry:merger_list"), {"ordering": "-reduction", "status": "completed"})
    assert [m.reduction for m in response.context["object_list"]] == [9, 7, 5]
    html = response.content.decode()
    assert 'href="?ordering=reduction&amp;status=completed"' in html  # the header flips the order
    assert 'aria-sort="descending"' in html


def test_merger_list_paginates(client, leader, world):
    _more_mergers(world, 27)
    client.force_login(leader)
    first = client.get(reverse("registry:merger_list"))
    assert len(first.context["object_list"]) == 25
    second = client.get(reverse("registry:merger_list"), {"page": 2})
    assert len(second.context["object_list"]) == 2
    assert "Trang 2/2" in second.content.decode()
    assert second.context["object_list"][0].status == MergerStatus.COMPLETED


def test_merger_list_shows_figures_with_vietnamese_separators(client, leader, world, planned):
    services.merger_complete(user=SYSTEM, merger=planned, effective_on=D(2018, 3, 1), headcount_after=1000)
    client.force_login(leader)
    html = client.get(reverse("registry:merger_list")).content.decode()
    assert '<td class="num">1.209</td>' in html
    assert '<td class="num">17,29%</td>' in html
    assert "01/03/2018" in html


AGENCY_LIST_QUERIES = 8  # session, user, permissions, groups, count, page, districts, agency types (filters)


@pytest.mark.parametrize("extra", [0, 10])
def test_agency_list_queries_do_not_grow(client, leader, world, extra, django_assert_num_queries):
    for _n in range(extra):
        AgencyFactory(district=world.home, agency_type=world.ban)
    client.force_login(leader)
    with django_assert_num_queries(AGENCY_LIST_QUERIES):
        response = client.get(reverse("registry:agency_list"))
    assert len(response.context["object_list"]) == 4 + extra


def test_agency_list_filters_and_searches_without_diacritics(client, leader, world):
    client.force_login(leader)
    response = client.get(reverse("registry:agency_list"), {"district": "902", "q": "phong noi vu"})
    assert list(response.context["object_list"]) == [world.b2]


HEADCOUNT_LIST_QUERIES = 7  # session, user, permissions, groups, count, page, districts (filter)


@pytest.mark.parametrize("extra", [0, 10])
def test_headcount_list_queries_do_not_grow(client, leader, world, extra, django_assert_num_queries):
    for n in range(extra):
        HeadcountFactory(agency=world.b2, as_of=D(2000 + n, 1, 1))
    client.force_login(leader)
    with django_assert_num_queries(HEADCOUNT_LIST_QUERIES):
        response = client.get(reverse("registry:headcount_list"))
    assert len(response.context["object_list"]) == 3 + extra


def test_headcount_list_filters_by_district_and_date(client, leader, world):
    client.force_login(leader)
    response = client.get(
        reverse("registry:headcount_list"), {"district": "901", "as_of_after": "01/01/2017", "ordering": "-authorised"}
    )
    assert [r.authorised for r in response.context["object_list"]] == [1200, 9]


PROGRAMME_LIST_QUERIES = 6  # session, user, permissions, groups, count, page


def test_programme_list_queries(client, leader, world, django_assert_num_queries):
    client.force_login(leader)
    with django_assert_num_queries(PROGRAMME_LIST_QUERIES):
        response = client.get(reverse("registry:programme_list"))
    assert list(response.context["object_list"]) == [world.programme]


def test_unknown_sort_value_says_so_and_keeps_the_filters(client, leader, world, planned):
    client.force_login(leader)
    response = client.get(reverse("registry:merger_list"), {"ordering": "bogus", "status": "planned"})
    assert response.status_code == 302 and response["Location"] == "/mergers/?status=planned"
    page = client.get(response["Location"])
    assert "Không sắp xếp được theo “bogus”; danh sách theo thứ tự mặc định." in page.content.decode()
    assert list(page.context["object_list"]) == [planned]


def test_merger_list_opens_by_programme_then_district(quang_ninh, client, leader):
    client.force_login(leader)
    rows = [
        (m.programme.code, m.district.code) for m in client.get(reverse("registry:merger_list")).context["object_list"]
    ]
    # The MTTQ bloc (decided 30/11/2015) first, its 14 districts on page one; undated programmes after.
    assert rows[:14] == [("khoi-mttq", code) for code in sorted(code for code, _n, _k in DISTRICTS)]
    assert rows[14] == ("kiem-tra-thanh-tra", "193")


def test_headcount_list_filters_by_agency_name_not_id(client, leader, world):
    client.force_login(leader)
    response = client.get(reverse("registry:headcount_list"), {"q": "noi vu thu mot"})
    assert [r.agency_id for r in response.context["object_list"]] == [world.a2.pk]
    assert "agency" not in response.context["filter"].form.fields
    assert 'name="q"' in response.content.decode()
