"""Pages of 50 rows; `page_size` up to 500 (larger values are capped at 500)."""

from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models.expressions import RawSQL
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class KeysFirstPaginator(Paginator):
    """A page chosen by its keys before its rows are read: the page's query selects the rows
    whose key is among the page's keys (a subquery sorted and sliced on the sort's columns
    alone), so the joins, the computed columns and the instances cost 50 rows, not the whole
    sorted list. Same rows, same order, same number of queries."""

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = self.object_list.values("pk")[bottom:top]
        try:
            sql, params = keys.query.get_compiler(using=keys.db).as_sql()
        except EmptyResultSet:
            return self._get_page(self.object_list.none(), number, self)
        # The keys' query goes in as its SQL: as a queryset, Django relabels every annotation of
        # the list to nest it (for the mergers' figures, three times the page's own compiling).
        # Its tables' aliases are its own scope's, so the two queries cannot mix them up.
        return self._get_page(self.object_list.filter(pk__in=RawSQL(sql, params)), number, self)


class KeysFirstPagination(Pagination):
    """`Pagination` with `KeysFirstPaginator`: for lists whose rows are costly to read."""

    django_paginator_class = KeysFirstPaginator
