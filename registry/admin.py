"""Admin for the register's models (mergers app) and for districts. Every write goes through the services
(mergers.services, districts.services), so a rule checked there holds in the admin too."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from districts import services as district_services
from districts.admin_services import ServiceAdminMixin
from districts.models import District, EditorScope
from districts.scope import require_district
from districts.selectors import editable_district_ids
from mergers import services
from mergers.models import (
    Agency,
    AgencyType,
    Decision,
    HeadcountRecord,
    Merger,
    MergerStage,
    Programme,
    PublishedAggregate,
)


class DistrictScopedAdminMixin:
    """An editor limited to some districts (EditorScope) sees and edits only their records.

    Lists and choices are limited to his districts; opening or posting the change form of
    another district's record answers 403 and writes nothing.
    `district_path` is the lookup from the model to its district.
    """

    district_path = "district"

    def _scope(self, request):
        return editable_district_ids(request.user)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = self._scope(request)
        if ids is not None:
            queryset = queryset.filter(**{f"{self.district_path}__in": ids})
        return queryset

    def get_object(self, request, object_id, from_field=None):
        ids = self._scope(request)
        if ids is None:
            return super().get_object(request, object_id, from_field)
        # Looked up without the scope: another district's record is refused (403), not "missing".
        field = self.model._meta.pk if from_field is None else self.model._meta.get_field(from_field)
        try:
            obj = super().get_queryset(request).get(**{field.name: field.to_python(object_id)})
        except (self.model.DoesNotExist, ValidationError, ValueError):
            return None
        district = obj
        for step in self.district_path.split("__"):
            district = getattr(district, step)
        require_district(request.user, district)
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        ids = self._scope(request)
        if ids is not None:
            if db_field.related_model is District:
                kwargs["queryset"] = District.objects.filter(id__in=ids)
            elif db_field.related_model is Agency:
                kwargs["queryset"] = Agency.objects.filter(district_id__in=ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        ids = self._scope(request)
        if ids is not None and db_field.related_model is Agency:
            kwargs["queryset"] = Agency.objects.filter(district_id__in=ids)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(District)
class DistrictAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    """Dissolving a district (a date, and the successor) ends its agencies the same day
    (district_dissolve, with its successor rules); a recorded dissolution is not edited."""

    list_display = ["code", "full_name", "kind", "province", "established_on", "dissolved_on", "successor"]
    list_filter = ["province", "kind", "dissolved_on"]
    search_fields = ["code", "name", "search_name"]
    autocomplete_fields = ["successor", "dissolution_decision"]
    list_select_related = ["province", "successor"]

    def get_readonly_fields(self, request, obj=None):
        return ["code", "province"] if obj else []

    def call_service(self, request, obj, form, change):
        data = dict(form.cleaned_data)
        dissolved_on, successor = data.pop("dissolved_on", None), data.pop("successor", None)
        successor_province = data.pop("successor_province", None)
        decision = data.pop("dissolution_decision", None)
        if change:
            current = District.objects.get(pk=obj.pk)
            dissolving = current.dissolved_on is None and dissolved_on is not None
            if not dissolving:  # any other change of the dissolution is refused by district_update
                data.update(
                    dissolved_on=dissolved_on,
                    successor=successor,
                    successor_province=successor_province,
                    dissolution_decision=decision,
                )
            district = district_services.district_update(district=current, data=data, user=request.user)
        else:
            dissolving = dissolved_on is not None
            if successor is not None and not dissolving:
                raise ValidationError(
                    {"successor": ValidationError(district_services.MSG_SUCCESSOR_WITHOUT_DISSOLUTION)}
                )
            district = district_services.district_create(
                province=data["province"],
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                established_on=data.get("established_on"),
                user=request.user,
            )
        if dissolving:
            district = services.district_dissolve(
                district=district,
                on=dissolved_on,
                successor=successor,
                successor_province=successor_province,
                decision=decision,
                user=request.user,
            )
        return district


@admin.register(AgencyType)
class AgencyTypeAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    """The quota flag is editable in the list too; both paths call agency_type_update."""

    list_display = ["code", "name", "name_en", "sector", "in_district_quota"]
    list_editable = ["in_district_quota"]
    list_filter = ["sector", "in_district_quota"]
    search_fields = ["code", "name", "name_en"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def call_service(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            return services.agency_type_update(agency_type=obj, data=data, user=request.user)
        return self.call_with(services.agency_type_create, request, form)

    def delete_service(self, request, obj):
        services.agency_type_delete(agency_type=obj, user=request.user)


@admin.register(Agency)
class AgencyAdmin(DistrictScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "district", "agency_type", "established_on", "established_on_estimated", "dissolved_on"]
    list_filter = ["district__province", "district", "agency_type__sector", "agency_type"]
    search_fields = ["name", "search_name", "district__name"]
    list_select_related = ["district", "agency_type"]
    autocomplete_fields = ["district", "established_by", "dissolved_by"]

    def get_readonly_fields(self, request, obj=None):
        # Where an agency went when its district ended is written by district_dissolve only.
        lineage = ["successor", "successor_province"]
        return ["district", *lineage] if obj else lineage

    def call_service(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            return services.agency_update(agency=obj, data=data, user=request.user)
        return self.call_with(services.agency_create, request, form)


@admin.register(Decision)
class DecisionAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    """The decision register: registered and corrected through the services."""

    list_display = ["number", "date", "issuer", "district", "kind", "title", "source_kind"]
    list_filter = ["issuer", "kind", "source_kind"]
    search_fields = ["number", "title", "search_name"]
    list_select_related = ["district"]
    autocomplete_fields = ["district"]
    date_hierarchy = "date"

    def call_service(self, request, obj, form, change):
        data = dict(form.cleaned_data)
        scan = data.pop("scan", None)
        if change:
            if scan is False:
                data["scan"] = False
            elif isinstance(scan, UploadedFile):
                data["scan"] = scan
            current = Decision.objects.get(pk=obj.pk)
            return services.decision_update(decision=current, data=data, user=request.user)
        return services.decision_create(
            number=data["number"],
            date=data.get("date"),
            issuer=data["issuer"],
            kind=data["kind"],
            title=data.get("title", ""),
            district=data.get("district"),
            scan=scan if isinstance(scan, UploadedFile) else None,
            source=data.get("source", ""),
            source_kind=data.get("source_kind", "official"),
            note=data.get("note", ""),
            user=request.user,
        )


@admin.register(Programme)
class ProgrammeAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "decision", "result_type"]
    search_fields = ["code", "name", "decision__number"]
    filter_horizontal = ["source_types"]
    autocomplete_fields = ["decision"]
    list_select_related = ["decision", "result_type"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def call_service(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            return services.programme_update(programme=obj, data=data, user=request.user)
        return self.call_with(services.programme_create, request, form, stages=data.get("stages") or [])


@admin.register(PublishedAggregate)
class PublishedAggregateAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    """Province-level figures from a published source: recorded through the service; a wrong
    one is corrected by recording the source's figure again (no edit in place)."""

    list_display = ["programme", "province", "on", "completed", "total", "reduction_pct", "source_kind", "source"]
    list_filter = ["programme", "source_kind"]
    list_select_related = ["programme", "province"]
    autocomplete_fields = ["decision"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def call_service(self, request, obj, form, change):
        data = dict(form.cleaned_data)
        return services.published_aggregate_create(user=request.user, **data)


class MergerStageInline(admin.TabularInline):
    model = MergerStage
    extra = 0
    can_delete = False
    fields = ["on", "status", "decision", "skipped", "skip_reason", "note", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Merger)
class MergerAdmin(DistrictScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    """Mergers are created here through merger_create; stages and completion go through
    the merger pages or the API, so a saved merger is read-only in the admin."""

    list_display = ["programme", "district", "status", "decision", "effective_on", "source_kind"]
    list_filter = ["programme", "status", "source_kind", "district__province", "district"]
    search_fields = ["decision__number", "district__name", "district__search_name", "programme__name"]
    list_select_related = ["programme", "district", "decision"]
    filter_horizontal = ["source_agencies"]
    autocomplete_fields = ["decision"]
    inlines = [MergerStageInline]
    fields = [
        "programme",
        "district",
        "source_agencies",
        "decision",
        "source_kind",
        "source",
        "status",
        "effective_on",
        "result_agency",
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj:
            return self.fields
        return ["status", "effective_on", "result_agency"]

    def call_service(self, request, obj, form, change):
        return self.call_with(services.merger_create, request, form)

    def save_related(self, request, form, formsets, change):
        # merger_create has set the sources; the inline stages are read-only.
        pass


class HeadcountRecordAdminForm(forms.ModelForm):
    """The plausibility warnings (services.headcount_warnings) on their fields, until confirmed."""

    confirm = forms.BooleanField(
        label=_("Xác nhận"), required=False, help_text=_("Tôi đã kiểm tra các cảnh báo; số liệu là đúng.")
    )

    class Meta:
        model = HeadcountRecord
        fields = ["agency", "as_of", "authorised", "actual", "source", "source_kind"]

    def clean(self):
        data = super().clean()
        if self.errors or data.get("confirm"):
            return data
        record = self.instance
        agency, as_of = data.get("agency") or getattr(record, "agency", None), data.get("as_of") or record.as_of
        if agency is None or as_of is None:
            return data
        figures = {"authorised": data.get("authorised"), "actual": data.get("actual")}
        changed = None if record.pk is None else {f for f, v in figures.items() if getattr(record, f) != v}
        warnings = services.headcount_warnings(agency=agency, as_of=as_of, changed=changed, **figures)
        for field, errors in warnings.items():
            self.add_error(field, errors)
        if warnings:
            self.add_error("confirm", services.MSG_CONFIRM_WARNINGS)
        return data


@admin.register(HeadcountRecord)
class HeadcountRecordAdmin(DistrictScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    form = HeadcountRecordAdminForm
    district_path = "agency__district"
    list_display = ["agency", "as_of", "authorised", "actual", "source_kind", "source"]
    list_filter = ["source_kind", "agency__district", "agency__agency_type"]
    search_fields = ["agency__name", "agency__search_name", "source"]
    list_select_related = ["agency__district"]
    autocomplete_fields = ["agency"]
    date_hierarchy = "as_of"

    def get_readonly_fields(self, request, obj=None):
        return ["agency", "as_of"] if obj else []

    def call_service(self, request, obj, form, change):
        if change:
            return self.call_with(services.headcount_update, request, form, record=obj)
        return self.call_with(services.headcount_record, request, form)

    def delete_service(self, request, obj):
        services.headcount_delete(record=obj, user=request.user)


# --- editors' scopes, through the service that records each change ----------------------------


@admin.register(EditorScope)
class EditorScopeAdmin(admin.ModelAdmin):
    """An editor's district scope; the write is services.user_access_set (history in AccessChange),
    as on the application's own page /access/."""

    list_display = ["user"]
    filter_horizontal = ["districts"]
    search_fields = ["user__username"]

    def save_model(self, request, obj, form, change):
        user = form.cleaned_data["user"]
        services.user_access_set(
            user=user, role=services.user_role(user), districts=form.cleaned_data["districts"], by=request.user
        )
        saved = EditorScope.objects.get(user=user)
        obj.pk, obj._state.adding = saved.pk, False

    def save_related(self, request, form, formsets, change):
        """The districts were set by the service in save_model."""

    def delete_model(self, request, obj):
        services.user_access_set(user=obj.user, role=services.user_role(obj.user), districts=None, by=request.user)

    def delete_queryset(self, request, queryset):
        for scope in queryset.select_related("user"):
            self.delete_model(request, scope)
