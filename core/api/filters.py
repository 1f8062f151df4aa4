"""Strict query parameters: what the API does not understand is a 400 that names it.

An unknown parameter, a single-value parameter given twice (`?district=193&district=194`)
and an `ordering` on a field the list cannot sort by are refused instead of silently ignored
(or silently answered with the last value). Always allowed: ALWAYS_ALLOWED; a list also
takes its FilterSet's filters, a report its parameters.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

ALWAYS_ALLOWED = ("format", "page", "page_size", "ordering", "brief", "fields", "q")

MSG_UNKNOWN_PARAMETER = _("Tham số “%(name)s” không được hỗ trợ. Các tham số được nhận: %(allowed)s.")
MSG_REPEATED_PARAMETER = _("Tham số “%(name)s” chỉ nhận một giá trị, nhưng được gửi %(count)s lần.")
MSG_BAD_ORDERING = _("Không thể sắp xếp theo “%(value)s”. Các giá trị được nhận: %(allowed)s.")


def check_query(query_params, allowed) -> None:
    """400 naming every unknown or repeated parameter."""
    allowed = sorted(set(allowed))
    errors = {}
    for name in query_params:
        if name not in allowed:
            errors[name] = [str(MSG_UNKNOWN_PARAMETER % {"name": name, "allowed": ", ".join(allowed)})]
            continue
        count = len(query_params.getlist(name))
        if count > 1:
            errors[name] = [str(MSG_REPEATED_PARAMETER % {"name": name, "count": count})]
    if errors:
        raise ValidationError(errors)


class StrictOrderingFilter(OrderingFilter):
    """DRF's OrderingFilter, but an unknown field is a 400 naming it, not ignored."""

    def get_ordering(self, request, queryset, view):
        value = request.query_params.get(self.ordering_param)
        if value:
            valid = [name for name, _label in self.get_valid_fields(queryset, view, {"request": request})]
            terms = [term.strip() for term in value.split(",")]
            bad = [term for term in terms if not term or term.lstrip("-") not in valid]
            if bad:
                allowed = ", ".join(f"{name}, -{name}" for name in valid)
                raise ValidationError(
                    {self.ordering_param: [str(MSG_BAD_ORDERING % {"value": ", ".join(bad), "allowed": allowed})]}
                )
        return super().get_ordering(request, queryset, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        fields = getattr(view, "ordering_fields", None)
        if isinstance(fields, list | tuple):
            for parameter in parameters:
                parameter["description"] = str(
                    _("Sắp xếp theo (nhiều trường cách nhau bằng dấu phẩy, “-” để giảm dần): %(fields)s.")
                    % {"fields": ", ".join(fields)}
                )
        return parameters
