"""Who may do what: every user's role and district scope, set by an administrator."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core.roles import ROLE_LABELS
from core.views import ServiceFormView, StaffMixin
from districts.models import District
from mergers import services
from registry.forms import AccessForm

MSG_ACCESS_SAVED = _("Đã lưu quyền của “%(user)s”.")
MSG_ACCESS_UNCHANGED = _("Không có thay đổi nào.")


def scope_label(codes, names) -> str:
    if codes is None:
        return gettext("Toàn tỉnh")
    return ", ".join(names.get(code, code) for code in codes) or "—"


class AccessListView(StaffMixin, TemplateView):
    """Every user with his role and district scope; an administrator changes them here."""

    permission_required = services.ACCESS_PERMISSION
    template_name = "registry/access_list.html"

    def get_context_data(self, **kwargs):
        users = (
            get_user_model()
            .objects.filter(is_active=True)
            .prefetch_related("groups", "editor_scope__districts")
            .order_by("username")
        )
        rows = []
        for user in users:
            role = next((g.name for g in user.groups.all() if g.name in services.ROLES), "")
            scope = getattr(user, "editor_scope", None)
            rows.append(
                {
                    "user": user,
                    "role": ROLE_LABELS.get(role, "—"),
                    "scope": gettext("Toàn tỉnh")
                    if scope is None
                    else ", ".join(d.full_name for d in scope.districts.all()) or "—",
                }
            )
        return {**super().get_context_data(**kwargs), "rows": rows}


class AccessEditView(ServiceFormView):
    """One user's role and scope (services.user_access_set), with every earlier change."""

    permission_required = services.ACCESS_PERMISSION
    template_name = "registry/access_form.html"
    form_class = AccessForm
    context_object_name = "subject"

    def get_object(self):
        return get_object_or_404(get_user_model(), pk=self.kwargs["pk"], is_active=True)

    def get_form(self, data=None, files=None, **kwargs):
        role_choices = [(name, ROLE_LABELS[name]) for name in services.ROLES]
        return AccessForm(data, role_choices=role_choices, **kwargs)

    def get_initial(self):
        scope = services.user_scope(self.object)
        return {"role": services.user_role(self.object), "province_wide": scope is None, "districts": scope or []}

    def get_context_data(self, **kwargs):
        names = {d.code: d.full_name for d in District.objects.all()}
        changes = [
            {
                "change": change,
                "role_before": ROLE_LABELS.get(change.role_before, "—"),
                "role_after": ROLE_LABELS.get(change.role_after, "—"),
                "scope_before": scope_label(change.scope_before, names),
                "scope_after": scope_label(change.scope_after, names),
            }
            for change in self.object.access_changes.select_related("changed_by")
        ]
        return {**super().get_context_data(**kwargs), "changes": changes}

    def form_valid(self, form, data):
        subject = self.object
        change = services.user_access_set(
            user=subject,
            role=data["role"],
            districts=None if data["province_wide"] else data["districts"],
            by=self.request.user,
        )
        if change is None:
            messages.info(self.request, MSG_ACCESS_UNCHANGED)
        else:
            messages.success(self.request, MSG_ACCESS_SAVED % {"user": subject.get_full_name() or subject.username})
        return redirect("registry:access_edit", pk=subject.pk)
