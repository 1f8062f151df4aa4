"""Generic views every app's pages are built on, after NetBox's generic views.

- `StaffMixin`: a login, then the permission (403 without it).
- `ServiceFormView`: a form page whose save calls a service with the acting user. The form
  checks shapes; the service decides; a refusal goes back on the form next to the field it
  names, with the user's input kept; a saved form says so and redirects.
- `SortedFilterView`: a list with the shared FilterSet, sortable columns and pages.
"""

import secrets

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from django_filters.views import FilterView

PAGE_SIZE = 25
MSG_ALREADY_SUBMITTED = _("Biểu mẫu này đã được gửi; không tạo thêm bản ghi nào.")
MSG_BAD_SORT = _("Không sắp xếp được theo “%(value)s”; danh sách theo thứ tự mặc định.")


class StaffMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Anonymous visitors go to the login page; users without the permission get 403."""


def put_errors_on_form(form, exc: ValidationError) -> None:
    """Each of the service's refusals next to the field it names; other keys above the form."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, exc.error_list)
    if hasattr(form, "mark_invalid"):
        form.mark_invalid()


def initial_from(obj, form_class) -> dict:
    """A form's initial values read from `obj`'s attributes of the same names (a related object
    as its choice field shows it; many-to-many as a list; a file is never pre-filled)."""
    initial = {}
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.FileField) or not hasattr(obj, name):
            continue
        value = getattr(obj, name)
        initial[name] = list(value.all()) if isinstance(field, forms.ModelMultipleChoiceField) else value
    return initial


class OnceTokenMixin:
    """A one-time token in each creation form, so that a double submit creates one record."""

    session_key = "form_tokens"

    def new_token(self) -> str:
        token = secrets.token_urlsafe(16)
        tokens = self.request.session.get(self.session_key, [])[-49:]
        self.request.session[self.session_key] = [*tokens, token]
        return token

    def has_token(self, token: str) -> bool:
        """The token is still unused: checked before anything else, so that a form sent again
        (back and resubmit) says so rather than showing the refusals its first sending causes."""
        return bool(token) and token in self.request.session.get(self.session_key, [])

    def take_token(self, token: str) -> bool:
        tokens = self.request.session.get(self.session_key, [])
        if not token or token not in tokens:
            return False
        tokens.remove(token)
        self.request.session[self.session_key] = tokens
        return True

    def give_back_token(self, token: str) -> None:
        tokens = self.request.session.get(self.session_key, [])
        self.request.session[self.session_key] = [*tokens, token]

    def already_submitted(self, url: str):
        messages.warning(self.request, MSG_ALREADY_SUBMITTED)
        return redirect(url)


class ServiceFormView(StaffMixin, OnceTokenMixin, TemplateView):
    """A form whose save is one service call, made with `user=request.user`.

    Set `form_class`, `template_name`, `permission_required`, `save(data)` (the service call,
    returning the saved object) and `success_message` (formatted with `message_params(saved)`);
    an edit page sets `get_object()` too, and its form starts from the object's values
    (`initial_from`). A creation page (no object) carries a one-time token: a form sent twice
    creates one record and goes to `list_url`. The service's ValidationError lands on the
    form's fields, all of it in one round, with the input kept; `error_context(exc)` adds to
    the page shown again.
    """

    form_class: type[forms.Form]
    context_object_name = ""
    success_message = ""
    list_url = ""
    user_form = False  # the form takes the acting user (it offers only the districts he may edit)

    def get_object(self):
        return None

    def get_form(self, data=None, files=None, **kwargs):
        if self.user_form:
            kwargs["user"] = self.request.user
        return self.form_class(data, files, **kwargs)

    def get_initial(self) -> dict:
        if self.object is None:
            return {"form_token": self.new_token()}
        return initial_from(self.object, self.form_class)

    def save(self, data: dict):
        raise NotImplementedError

    def message_params(self, saved) -> dict:
        return {}

    def error_context(self, exc: ValidationError) -> dict:
        return {}

    def get_context_data(self, **kwargs):
        context = {**super().get_context_data(**kwargs), "object": self.object}
        if self.context_object_name:
            context[self.context_object_name] = self.object
        return context

    def show(self, form, **extra):
        return self.render_to_response(self.get_context_data(form=form, **extra))

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.show(self.get_form(initial=self.get_initial()))

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        creating = self.object is None
        if creating and not self.has_token(request.POST.get("form_token", "")):
            return self.already_submitted(self.list_url)
        form = self.get_form(request.POST, request.FILES)
        if not form.is_valid():
            return self.show(form)
        data = dict(form.cleaned_data)
        token = data.pop("form_token", "")
        if creating and not self.take_token(token):
            return self.already_submitted(self.list_url)
        try:
            return self.form_valid(form, data)
        except ValidationError as exc:
            if creating:
                self.give_back_token(token)
            put_errors_on_form(form, exc)
            return self.show(form, **self.error_context(exc))

    def form_valid(self, form, data: dict):
        """Save, say so, show the saved object."""
        saved = self.save(data)
        messages.success(self.request, self.success_message % self.message_params(saved))
        return redirect(saved)


def sorted_by(filterset_class, fields: tuple[tuple[str, str], ...]):
    """The shared FilterSet with sortable columns (`ordering=name` or `ordering=-name`)."""
    return type(
        filterset_class.__name__,
        (filterset_class,),
        {"ordering": django_filters.OrderingFilter(fields=fields, label=_("Sắp xếp"))},
    )


class SortedFilterView(StaffMixin, FilterView):
    """A list filtered by the model's FilterSet (the API's), sorted by `sort_fields` (model
    field, name in the URL), shown in `columns` (name, label), `PAGE_SIZE` rows a page."""

    paginate_by = PAGE_SIZE
    strict = True
    sort_fields: tuple[tuple[str, str], ...] = ()
    columns: tuple[tuple[str, object], ...] = ()
    hidden_filters: tuple[str, ...] = ()  # filters of the API not offered on the page (ids)

    def get(self, request, *args, **kwargs):
        """An unknown sort value says so and shows the list in its default order (not an empty list)."""
        value = request.GET.get("ordering")
        if value is not None:
            allowed = {name for _field, name in self.sort_fields}
            if value.removeprefix("-") not in allowed:
                messages.warning(request, MSG_BAD_SORT % {"value": value[:50]})
                query = request.GET.copy()
                del query["ordering"]
                return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
        return super().get(request, *args, **kwargs)

    def get_filterset_class(self):
        return sorted_by(self.filterset_class, self.sort_fields)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for field in context["filter"].form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select form-select-sm")
            else:
                widget.attrs.setdefault("class", "form-control form-control-sm")
            if isinstance(widget, forms.DateInput):
                widget.attrs.setdefault("placeholder", "dd/mm/yyyy")
        for name in self.hidden_filters:
            context["filter"].form.fields.pop(name, None)
        current = self.request.GET.get("ordering", "")
        sortable = {name for _field, name in self.sort_fields}
        context["columns"] = [
            {
                "name": name,
                "label": label,
                "sortable": name in sortable,
                "next": f"-{name}" if current == name else name,
                "current": "asc" if current == name else "desc" if current == f"-{name}" else "",
            }
            for name, label in self.columns
        ]
        return context
