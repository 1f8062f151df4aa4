"""Admin for provinces, districts and editors' district scopes.

These models have no rules beyond their fields and database constraints, which the
admin's model forms validate (validate_constraints) before saving.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from districts.models import District, EditorScope, Province


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name", "search_name"]


@admin.register(District)
class DistrictAdmin(SimpleHistoryAdmin):
    list_display = ["code", "full_name", "kind", "province", "established_on", "dissolved_on", "successor"]
    list_filter = ["province", "kind", "dissolved_on"]
    search_fields = ["code", "name", "search_name"]
    autocomplete_fields = ["successor"]
    list_select_related = ["province", "successor"]
    view_on_site = False


@admin.register(EditorScope)
class EditorScopeAdmin(admin.ModelAdmin):
    list_display = ["user"]
    filter_horizontal = ["districts"]
    search_fields = ["user__username"]
