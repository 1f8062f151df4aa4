"""The admin writes through the services, so a rule is written once: a mixin for every ModelAdmin that changes data.

`call_service(request, obj, form, change)` does the save, `delete_service(request, obj)` the
deletion (without one, the admin offers no deletion). A refusal (ValidationError,
PermissionDenied) is shown as an error message and nothing is saved, on the change form and
on the changelist's editable columns alike. Many-to-many fields are set by the services, not
by the admin's form.
"""

import inspect

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect


class AdminRefusal(Exception):
    pass


def _text(exc) -> str:
    return "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


class ServiceAdminMixin:
    view_on_site = False
    delete_service = None

    def save_model(self, request, obj, form, change):
        try:
            saved = self.call_service(request, obj, form, change)
        except (ValidationError, PermissionDenied) as exc:
            raise AdminRefusal(_text(exc)) from exc
        obj.pk = saved.pk
        if hasattr(saved, "version"):
            obj.version = saved.version

    def call_with(self, service, request, form, **fixed):
        """`service(**fixed, user=...)` with the form's fields its signature names (all of them when it
        takes `**arguments`); the service's defaults for the fields the form leaves out."""
        parameters = inspect.signature(service).parameters
        takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
        data = {
            name: value
            for name, value in form.cleaned_data.items()
            if (takes_all or name in parameters) and name not in fixed and name != "user"
        }
        return service(**data, **fixed, user=request.user)

    def save_related(self, request, form, formsets, change):
        # The service has set the many-to-many fields; only inlines (if any) are saved here.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def has_delete_permission(self, request, obj=None):
        return self.delete_service is not None and super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        try:
            type(self).delete_service(self, request, obj)
        except (ValidationError, PermissionDenied) as exc:
            raise AdminRefusal(_text(exc)) from exc

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def _refused(self, request, exc):
        self.message_user(request, str(exc), level=messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except AdminRefusal as exc:
            return self._refused(request, exc)

    def changelist_view(self, request, *args, **kwargs):
        try:
            return super().changelist_view(request, *args, **kwargs)
        except AdminRefusal as exc:
            return self._refused(request, exc)

    def delete_view(self, request, *args, **kwargs):
        try:
            return super().delete_view(request, *args, **kwargs)
        except AdminRefusal as exc:
            return self._refused(request, exc)
