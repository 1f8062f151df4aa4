"""Roles and district scopes, set by an administrator in the application."""

from collections.abc import Iterable

from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.actors import is_system
from core.roles import ANALYSTS, EDITORS, LEADERS
from districts.models import AccessChange, District, EditorScope
from mergers.services.base import _real_user

ROLES = (EDITORS, LEADERS, ANALYSTS)


MSG_ACCESS_ADMIN_ONLY = _("Chỉ quản trị viên mới được phân quyền người dùng.")


MSG_ACCESS_BAD_ROLE = _("Vai trò không hợp lệ.")


ACCESS_PERMISSION = "districts.change_editorscope"


def user_role(user) -> str:
    """The user's role (group name among ROLES), or "" without one."""
    names = [g.name for g in user.groups.all() if g.name in ROLES]
    return names[0] if names else ""


def user_scope(user) -> list[str] | None:
    """District codes the user may edit, sorted; None: the whole province."""
    scope = EditorScope.objects.filter(user=user).first()
    if scope is None:
        return None
    return sorted(scope.districts.values_list("code", flat=True))


@transaction.atomic
def user_access_set(*, user, role: str, districts: Iterable[District] | None, by) -> AccessChange | None:
    """Give `user` one role (or none: "") and a district scope (None: the whole province; an
    empty list: no district, as an EditorScope without districts means).

    Only an administrator (the `districts.change_editorscope` permission) or the system (`by=SYSTEM`)
    may; `by=None` is no one, refused. Each change is recorded (AccessChange: before, after, by whom;
    no one named for the system); nothing changed, nothing recorded.
    """
    if not (is_system(by) or (by is not None and by.is_authenticated and by.has_perm(ACCESS_PERMISSION))):
        raise PermissionDenied(MSG_ACCESS_ADMIN_ONLY)
    if role not in ("", *ROLES):
        raise ValidationError({"role": ValidationError(MSG_ACCESS_BAD_ROLE, code="invalid")})
    districts = None if districts is None else list(districts)  # []: a scope of no district
    role_before, scope_before = user_role(user), user_scope(user)
    scope_after = None if districts is None else sorted(d.code for d in districts)
    if (role_before, scope_before) == (role, scope_after):
        return None
    user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name=role))
    if role:
        user.groups.add(Group.objects.get(name=role))
    if districts is None:
        EditorScope.objects.filter(user=user).delete()
    else:
        scope, _created = EditorScope.objects.get_or_create(user=user)
        scope.districts.set(districts)
    return AccessChange.objects.create(
        user=user,
        changed_by=_real_user(by),
        role_before=role_before,
        role_after=role,
        scope_before=scope_before,
        scope_after=scope_after,
    )
