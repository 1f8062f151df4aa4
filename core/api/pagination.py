"""Pages of 50 rows; `page_size` up to 500 (larger values are capped at 500)."""

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models.expressions import RawSQL
from rest_framework.pagination import PageNumberPagination


class ShortListPaginator(Paginator):
    """Django's Paginator, which counts the rows before it reads a page: for the first page, the
    rows are read first, and when there are fewer than a page holds they are the count, so the
    count query is not run (issue 17: one district's records, a few of its mergers, fit on
    the first page). A full first page is counted as before. Same rows, same count."""

    def rows(self, bottom: int, top: int):
        """The rows of the sorted list from `bottom` to `top` (a slice); by SQL compiled once
        where the view has given the list a way to (core.api.views.CompiledListMixin)."""
        page_rows = getattr(self.object_list, "compiled_page_rows", None)
        if page_rows is not None:
            rows = page_rows(bottom, top)
            if rows is not None:
                return rows
        return self.object_list[bottom:top]

    def page(self, number):
        if "count" in self.__dict__ or number not in (1, "1"):
            number = self.validate_number(number)
            bottom = (number - 1) * self.per_page
            top = bottom + self.per_page
            if top + self.orphans >= self.count:
                top = self.count
            return self._get_page(self.rows(bottom, top), number, self)
        holds = self.per_page + self.orphans  # the first page holds the whole list up to this many
        rows = list(self.rows(0, holds))
        if len(rows) < holds:
            self.count = len(rows)  # `count` is a cached_property: this is its value from now on
        number = self.validate_number(number)  # may count: a full page, or an empty first page refused
        return self._get_page(rows if self.count <= holds else rows[: self.per_page], number, self)


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    django_paginator_class = ShortListPaginator


class KeysFirstPaginator(ShortListPaginator):
    """A page chosen by its keys before its rows are read: the page's query selects the rows
    whose key is among the page's keys (a subquery sorted and sliced on the sort's columns
    alone), so the joins, the computed columns and the instances cost 50 rows, not the whole
    sorted list. Same rows, same order, same number of queries."""

    def rows(self, bottom: int, top: int):
        keys = self.object_list.values("pk")[bottom:top]
        try:
            sql, params = keys.query.get_compiler(using=keys.db).as_sql()
        except EmptyResultSet:
            return self.object_list.none()
        # The keys' query goes in as its SQL: as a queryset, Django relabels every annotation of
        # the list to nest it (for the mergers' figures, three times the page's own compiling).
        # Its tables' aliases are its own scope's, so the two queries cannot mix them up.
        return self.object_list.filter(pk__in=RawSQL(sql, params))


class KeysFirstPagination(Pagination):
    """`Pagination` with `KeysFirstPaginator`: for lists whose rows are costly to read."""

    django_paginator_class = KeysFirstPaginator
