"""Template context shared by every page: the user's roles, for the header."""

from django.utils.translation import gettext_lazy as _

from core.auth import group_names
from core.roles import ANALYSTS, EDITORS, LEADERS

ROLE_LABELS = {EDITORS: _("Biên tập viên"), LEADERS: _("Lãnh đạo"), ANALYSTS: _("Chuyên viên phân tích")}


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": [], "is_editor": False}
    names = group_names(user)
    labels = [str(label) for name, label in ROLE_LABELS.items() if name in names]
    if user.is_superuser:
        labels.insert(0, str(_("Quản trị")))
    return {"user_roles": labels, "is_editor": user.is_superuser or EDITORS in names}
