"""What the edit pages check of the editor before showing a form: his district scope
(districts.scope, the one check the services also make)."""

from districts.scope import require_district, require_province_wide

__all__ = ["ProvinceWideMixin", "require_district"]


class ProvinceWideMixin:
    """The form of province-wide data (programmes): 403 for an editor limited to some districts,
    already on GET; the service refuses the write itself too (districts.scope.require_province_wide)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_province_wide(request.user)
        return super().dispatch(request, *args, **kwargs)
