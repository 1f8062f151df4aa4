"""Who may do what: nobody reads without the model's view permission."""

from rest_framework.permissions import DjangoModelPermissions, IsAuthenticated


class ModelPermissions(DjangoModelPermissions):
    """DRF's model permissions, but reading needs the model's `view` permission too.

    Extra actions name the HTTP method whose permission they need in the viewset's
    `action_permission_methods` ({"complete": "PATCH"}: completing changes a merger).
    """

    perms_map = {
        **DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        method = getattr(view, "action_permission_methods", {}).get(getattr(view, "action", None), request.method)
        # The class's queryset names the model without building the view's own (the merger
        # list's carries a dozen annotations: building it costs more than answering from the cache).
        queryset = getattr(view, "queryset", None)
        model = queryset.model if queryset is not None else self._queryset(view).model
        return request.user.has_perms(self.get_required_permissions(method, model))


class HasPermissions(IsAuthenticated):
    """The user holds every permission in the view's `required_permissions`."""

    def has_permission(self, request, view):
        return super().has_permission(request, view) and request.user.has_perms(view.required_permissions)
