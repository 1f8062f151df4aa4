"""Who may write where: the one district-scope check, called by the services, the pages, the
admin and (through the services) the API.

An editor may be limited to some districts (EditorScope); without a scope he writes for every
district. The system (core.actors.SYSTEM: commands, the seed) writes everywhere; no one (None, an
anonymous user) writes nowhere.
"""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _

from districts.models import District
from districts.selectors import editable_district_ids

MSG_DISTRICT_NOT_ALLOWED = _("Bạn không có quyền biên tập số liệu của %(district)s.")
MSG_PROVINCE_WIDE_ONLY = _(
    "Chỉ người biên tập toàn tỉnh mới được thay đổi dữ liệu dùng chung của tỉnh (đề án, loại cơ quan)."
)


def user_can_edit_district(user, district: District) -> bool:
    ids = editable_district_ids(user)
    return ids is None or district.id in ids


def user_is_province_wide(user) -> bool:
    """May write the province's shared data (programmes, agency types): an editor with no
    district scope. An editor limited to some districts may not: a programme applies to all."""
    return editable_district_ids(user) is None


def require_district(user, district: District) -> None:
    """PermissionDenied (403 on a page and in the API) unless `user` may write for `district`."""
    if not user_can_edit_district(user, district):
        raise PermissionDenied(MSG_DISTRICT_NOT_ALLOWED % {"district": district.full_name})


def require_province_wide(user) -> None:
    """Programmes and agency types serve every district: an editor limited to some may not change them."""
    if not user_is_province_wide(user):
        raise PermissionDenied(MSG_PROVINCE_WIDE_ONLY)
