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

import django_filters
from django_filters.filters import FilterMethod


class FilterSet(django_filters.FilterSet):
    # The filters whose SQL is the same whatever their value, the value (an id, a day, an object
    # by its id) being its parameters: a list page filtered by these alone is compiled once per
    # shape and run with each request's values (core.api.views.CompiledListMixin). A filter
    # whose SQL changes with its value (a text search, a choice with a "null" value, a method
    # that branches) is not one of them. tests/api/test_compiled_list.py holds each page to the
    # ORM's.
    compiled_filters: tuple[str, ...] = ()

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
