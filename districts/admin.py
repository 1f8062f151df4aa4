"""Admin for provinces; writes go through districts.services.

Districts are administered in registry/admin.py: dissolving a district ends its agencies'
activity (mergers.services.district_dissolve), a write of the app above this one.
"""

from django.contrib import admin

from districts import services
from districts.admin_services import ServiceAdminMixin
from districts.models import Province


@admin.register(Province)
class ProvinceAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name", "search_name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def call_service(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            return services.province_update(province=obj, data=data, user=request.user)
        return services.province_create(code=data["code"], name=data["name"], user=request.user)


# Editors' scopes: registry/admin.py (their write, services.user_access_set, knows the roles).
