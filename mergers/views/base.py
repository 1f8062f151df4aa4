"""What the edit pages check of the editor before showing a form: his district scope."""

from django.core.exceptions import PermissionDenied

from districts.selectors import user_can_edit_district
from mergers import services


def require_district(user, district) -> None:
    """403 on a form for a district the editor may not edit, already on GET (the service refuses the write too)."""
    if not user_can_edit_district(user, district):
        raise PermissionDenied(services.MSG_DISTRICT_NOT_ALLOWED % {"district": district.full_name})


class ProvinceWideMixin:
    """The form of province-wide data (programmes): 403 for an editor limited to some districts,
    already on GET; the service refuses the write itself too (services.require_province_wide)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.require_province_wide(request.user)
        return super().dispatch(request, *args, **kwargs)
