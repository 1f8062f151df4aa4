"""Admin for the mergers app. Every save goes through mergers.services."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from simple_history.admin import SimpleHistoryAdmin

from districts.models import District
from districts.selectors import editable_district_ids
from mergers import services
from mergers.models import Agency, AgencyType, HeadcountRecord, Merger, MergerStage, Programme


class ServiceAdminMixin:
    """Run the service in save_model; a refusal is shown as a message, nothing is saved.

    ModelAdmin validates the form (fields and database constraints) before save_model; the
    services re-check every rule, so a rule missed by the form still refuses the save.
    """

    view_on_site = False

    def save_model(self, request, obj, form, change):
        try:
            saved = self.call_service(request, obj, form, change)
        except (ValidationError, PermissionDenied) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            raise AdminRefusal(text) from exc
        obj.pk = saved.pk
        obj.version = getattr(saved, "version", None)

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except AdminRefusal as exc:
            self.message_user(request, str(exc), level=messages.ERROR)
            from django.http import HttpResponseRedirect

            return HttpResponseRedirect(request.get_full_path())


class AdminRefusal(Exception):
    pass


class DistrictScopedAdminMixin:
    """An editor limited to some districts (EditorScope) sees and edits only their records.

    Lists and choices are limited to his districts; opening or posting the change form of
    another district's record answers 403 and writes nothing (issue 7).
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
        if district.id not in ids:
            raise PermissionDenied(services.MSG_DISTRICT_NOT_ALLOWED % {"district": district.full_name})
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


@admin.register(AgencyType)
class AgencyTypeAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "name_en", "sector", "in_district_quota"]
    list_filter = ["sector", "in_district_quota"]
    search_fields = ["code", "name", "name_en"]


@admin.register(Agency)
class AgencyAdmin(DistrictScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "district", "agency_type", "established_on", "dissolved_on"]
    list_filter = ["district__province", "district", "agency_type__sector", "agency_type"]
    search_fields = ["name", "search_name", "district__name"]
    list_select_related = ["district", "agency_type"]
    autocomplete_fields = ["district"]

    def get_readonly_fields(self, request, obj=None):
        return ["district"] if obj else []

    def call_service(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            return services.agency_update(agency=obj, data=data, user=request.user)
        return services.agency_create(
            district=data["district"],
            agency_type=data["agency_type"],
            name=data["name"],
            established_on=data.get("established_on"),
            dissolved_on=data.get("dissolved_on"),
            user=request.user,
        )


@admin.register(Programme)
class ProgrammeAdmin(ServiceAdminMixin, SimpleHistoryAdmin):
    list_display = ["code", "name", "decision_number", "decided_on", "result_type"]
    search_fields = ["code", "name", "decision_number"]
    filter_horizontal = ["source_types"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def call_service(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            return services.programme_update(programme=obj, data=data, user=request.user)
        return services.programme_create(
            code=data["code"],
            name=data["name"],
            name_en=data.get("name_en", ""),
            decision_number=data.get("decision_number", ""),
            decided_on=data.get("decided_on"),
            description=data.get("description", ""),
            result_type=data["result_type"],
            source_types=data["source_types"],
            user=request.user,
        )


class MergerStageInline(admin.TabularInline):
    model = MergerStage
    extra = 0
    can_delete = False
    fields = ["on", "status", "note", "created_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Merger)
class MergerAdmin(DistrictScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
    """Mergers are created here through merger_create; stages and completion go through
    the merger pages or the API, so a saved merger is read-only in the admin."""

    list_display = ["programme", "district", "status", "decision_number", "decided_on", "effective_on", "source_kind"]
    list_filter = ["programme", "status", "source_kind", "district__province", "district"]
    search_fields = ["decision_number", "district__name", "district__search_name", "programme__name"]
    list_select_related = ["programme", "district"]
    filter_horizontal = ["source_agencies"]
    inlines = [MergerStageInline]
    fields = [
        "programme",
        "district",
        "source_agencies",
        "decision_number",
        "decided_on",
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
        data = form.cleaned_data
        return services.merger_create(
            programme=data["programme"],
            district=data["district"],
            source_agencies=list(data["source_agencies"]),
            decision_number=data["decision_number"],
            decided_on=data["decided_on"],
            source_kind=data["source_kind"],
            source=data.get("source", ""),
            user=request.user,
        )

    def save_related(self, request, form, formsets, change):
        # merger_create has set the sources; the inline stages are read-only.
        pass


@admin.register(HeadcountRecord)
class HeadcountRecordAdmin(DistrictScopedAdminMixin, ServiceAdminMixin, SimpleHistoryAdmin):
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
        data = form.cleaned_data
        if change:
            return services.headcount_update(
                record=obj,
                authorised=data.get("authorised"),
                actual=data.get("actual"),
                source=data["source"],
                source_kind=data["source_kind"],
                user=request.user,
            )
        return services.headcount_record(
            agency=data["agency"],
            as_of=data["as_of"],
            authorised=data.get("authorised"),
            actual=data.get("actual"),
            source=data["source"],
            source_kind=data["source_kind"],
            user=request.user,
        )
