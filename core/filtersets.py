"""The project's FilterSet: django-filter's, made per request at a fraction of the cost (issue 17).

Every list, page or API, makes a FilterSet per request. django-filter deep-copies each of its
filters there (their choices, querysets, lazy labels: 110 µs for the headcounts' seven), then
builds a form class from new form fields (another 350 µs with the form), on every request.
What a request changes of a filter is its `model`, its `parent` (the FilterSet, through which a
`method=` filter finds its method) and the labels it works out from them; its form field is
deep-copied by each form anyway (Django's BaseForm). So each filter is copied shallowly, with
its method bound to the copy, and the form class is built once per FilterSet class.
tests/api/test_filtersets.py holds them to django-filter's own for every filter and list.
"""

import copy
import datetime
import decimal

import django_filters
from django.db.models import Model
from django.utils import translation
from django_filters.filters import FilterMethod

from core import readcache

# The values a kept validation may hold (`FilterSet.cleaned`): a model instance is copied for
# each request (core.readcache.layout_memo), the others cannot be changed.
KEPT_VALUES = (type(None), str, int, bool, datetime.date, decimal.Decimal, Model)


class FilterSet(django_filters.FilterSet):
    # The filters whose SQL is the same whatever their value, the value (an id, a day, an object
    # by its id) being its parameters: a list page filtered by these alone is compiled once per
    # shape and run with each request's values (core.api.views.CompiledListMixin). A filter
    # whose SQL changes with its value (a text search, a choice with a "null" value, a method
    # that branches) is not one of them. tests/api/test_compiled_list.py holds each page to the
    # ORM's.
    compiled_filters: tuple[str, ...] = ()
    # Every filter's form field checks its value against the districts' layout at most (a
    # district by its code), nothing else in the database: a request's validated values
    # (`cleaned`) are kept in the process under the shared stamp, as the layout's objects are
    # (core.readcache.layout_memo), by the request's parameters and language. Building the form
    # and cleaning its fields was a tenth of an uncached list of one district's records.
    validated_by_layout = False

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        self.base_filters = {}  # django-filter's __init__ deep-copies these: nothing to copy
        super().__init__(data, queryset, request=request, prefix=prefix)
        del self.base_filters  # the class's again
        model = self.queryset.model
        self.filters = {}
        for name, base in type(self).base_filters.items():
            filter_ = copy.copy(base)
            if getattr(base, "_method", None) is not None:
                filter_.filter = FilterMethod(filter_)  # resolved through the copy's parent
            filter_.model = model
            filter_.parent = self
            self.filters[name] = filter_

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            # Each form deep-copies its fields: they are never shared. A label left to
            # django-filter is worked out in the language of the moment: such a form is not kept.
            if all(filter_._label is not None for filter_ in cls.base_filters.values()):
                cls._form_class = form_class
        return form_class

    def cleaned(self) -> dict | None:
        """The form's cleaned_data when the request's filters are valid, else None (then
        `errors` names them); kept, for a FilterSet `validated_by_layout`, while the layout
        is unchanged (the form is then not built). tests/api/test_kept_validation.py."""
        if not type(self).validated_by_layout or not self.is_bound:
            return self.form.cleaned_data if self.is_valid() else None
        if hasattr(self.data, "lists"):  # a QueryDict: every value of each parameter
            items = self.data.lists()
        else:
            items = ((name, value if isinstance(value, list | tuple) else [value]) for name, value in self.data.items())
        key = (tuple(sorted((name, tuple(values)) for name, values in items)), translation.get_language())
        try:
            return readcache.layout_memo(("filters", type(self)), key, self._validate)
        except _NotKept as not_kept:
            return not_kept.cleaned

    def _validate(self) -> dict:
        if not self.is_valid():
            raise _NotKept(None)
        cleaned = self.form.cleaned_data
        if not all(isinstance(value, KEPT_VALUES) for value in cleaned.values()):
            raise _NotKept(cleaned)
        return cleaned


class _NotKept(Exception):  # noqa: N818 - not an error: a validation not to keep
    def __init__(self, cleaned):
        super().__init__()
        self.cleaned = cleaned
