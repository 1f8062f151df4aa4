"""ShortListPaginator (issue 17): Django's Paginator without the count query when the first page
holds the whole list. Against Django's own, page for page, on every shape of list."""

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from hypothesis import given
from hypothesis import strategies as st

from core.api.pagination import ShortListPaginator


class Counted(list):
    """A list that says how often it was counted and sliced, as a queryset's queries would."""

    def __init__(self, *args):
        super().__init__(*args)
        self.counts = self.slices = 0

    def count(self):
        self.counts += 1
        return len(self)

    def __getitem__(self, index):
        if isinstance(index, slice):
            self.slices += 1
        return super().__getitem__(index)


def _outcome(paginator, number):
    try:
        page = paginator.page(number)
    except (EmptyPage, PageNotAnInteger) as exc:
        return type(exc).__name__
    return (list(page), page.number, paginator.count, paginator.num_pages, page.has_next())


@given(
    rows=st.integers(0, 30),
    per_page=st.integers(1, 10),
    orphans=st.integers(0, 4),
    allow_empty=st.booleans(),
    number=st.sampled_from([1, "1", 2, "2", 3, "last-but-not-a-number", 0, "1.5", 99]),
)
def test_every_page_is_djangos(rows, per_page, orphans, allow_empty, number):
    items = list(range(rows))
    ours = ShortListPaginator(Counted(items), per_page, orphans=orphans, allow_empty_first_page=allow_empty)
    django = Paginator(items, per_page, orphans=orphans, allow_empty_first_page=allow_empty)
    assert _outcome(ours, number) == _outcome(django, number)


@pytest.mark.parametrize(
    ("rows", "number", "counts", "shown"),
    [
        (3, 1, 0, [0, 1, 2]),  # shorter than a page: the rows are the count
        (3, "1", 0, [0, 1, 2]),
        (0, 1, 0, []),  # an empty list too
        (5, 1, 1, [0, 1, 2, 3, 4]),  # a full first page is counted: there may be more
        (6, 1, 1, [0, 1, 2, 3, 4]),
        (6, 2, 1, [5]),  # other pages as Django's: counted first
    ],
)
def test_a_first_page_shorter_than_a_page_is_not_counted(rows, number, counts, shown):
    items = Counted(range(rows))
    paginator = ShortListPaginator(items, 5)
    page = paginator.page(number)
    assert (list(page), items.counts, items.slices) == (shown, counts, 1)
    assert paginator.count == rows
    assert items.counts == counts  # `count` is not recomputed afterwards


def test_an_empty_first_page_is_refused_where_django_refuses_it():
    with pytest.raises(EmptyPage):
        ShortListPaginator(Counted(), 5, allow_empty_first_page=False).page(1)
