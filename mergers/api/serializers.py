"""Agency types, agencies, programmes, mergers and headcounts as JSON.

Natural keys are codes (district "193", programme "to-chuc-noi-vu", agency type
"ban-to-chuc"); agencies and mergers are referred to by id. Serializers check the shape of
the input only: the services in mergers/services.py enforce every rule, so the web forms,
the admin and the API refuse the same things with the same messages.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from districts.models import District
from mergers.choices import MergerStatus, SourceKind
from mergers.models import Agency, AgencyType, HeadcountRecord, Merger, MergerStage, Programme

MAX_INT = 2_147_483_647  # PostgreSQL's integer: larger numbers are refused as input, not as a 500.

MSG_DISTRICT_FIXED = _("Không thể chuyển cơ quan sang đơn vị khác: hãy tạo cơ quan mới.")
MSG_CODE_FIXED = _("Mã đề án không thể thay đổi.")
MSG_FIXED = _("Không thể thay đổi trường này: hãy tạo bản ghi mới.")


def _count(**kwargs):
    return serializers.IntegerField(min_value=None, max_value=MAX_INT, **kwargs)


class CodeField(serializers.SlugRelatedField):
    """A related object named by its `code`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)


@extend_schema_field(OpenApiTypes.DOUBLE)
class RoundedFloatField(serializers.FloatField):
    """A percentage rounded to 2 decimals in the output."""

    def to_representation(self, value):
        return round(float(value), 2)


@extend_schema_field({"type": "array", "items": {"type": "integer"}, "readOnly": True})
class IdListField(serializers.Field):
    """The ids of a prefetched list of objects (selectors' `to_attr` lists)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return [obj.pk for obj in value]


class AgencyTypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgencyType
        fields = ["code", "name", "name_en", "sector", "in_district_quota"]


class AgencySerializer(serializers.ModelSerializer):
    district = CodeField(queryset=District.objects.all())
    agency_type = CodeField(queryset=AgencyType.objects.all())
    sector = serializers.CharField(source="agency_type.sector", read_only=True)

    class Meta:
        model = Agency
        fields = ["id", "name", "district", "agency_type", "sector", "established_on", "dissolved_on"]
        validators = []


class ProgrammeSerializer(serializers.ModelSerializer):
    source_types = CodeField(queryset=AgencyType.objects.all(), many=True)
    result_type = CodeField(queryset=AgencyType.objects.all())

    class Meta:
        model = Programme
        fields = [
            "code",
            "name",
            "name_en",
            "decision_number",
            "decided_on",
            "description",
            "source_types",
            "result_type",
        ]
        extra_kwargs = {"code": {"validators": []}}
        validators = []


class HeadcountSerializer(serializers.ModelSerializer):
    agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.select_related("district"))
    authorised = _count(required=False, allow_null=True)
    actual = _count(required=False, allow_null=True)
    source = serializers.CharField(allow_blank=True, max_length=255)

    class Meta:
        model = HeadcountRecord
        fields = ["id", "agency", "as_of", "authorised", "actual", "source", "source_kind"]
        validators = []


class MergerStageSerializer(serializers.ModelSerializer):
    class Meta:
        model = MergerStage
        fields = ["status", "on", "note"]


class MergerSerializer(serializers.ModelSerializer):
    """A merger with its figures (computed in the database by mergers.selectors.merger_list)."""

    programme = CodeField(read_only=True)
    district = CodeField(read_only=True)
    source_agencies = IdListField(source="source_list")
    result_agency = serializers.PrimaryKeyRelatedField(read_only=True)
    headcount_before = serializers.IntegerField(read_only=True, allow_null=True)
    headcount_after = serializers.IntegerField(read_only=True, allow_null=True)
    reduction = serializers.IntegerField(read_only=True, allow_null=True)
    reduction_pct = RoundedFloatField(read_only=True, allow_null=True)
    stages = MergerStageSerializer(source="stage_list", many=True, read_only=True)

    class Meta:
        model = Merger
        fields = [
            "id",
            "programme",
            "district",
            "status",
            "decision_number",
            "decided_on",
            "effective_on",
            "source_agencies",
            "result_agency",
            "headcount_before",
            "headcount_after",
            "reduction",
            "reduction_pct",
            "source_kind",
            "stages",
        ]
        read_only_fields = fields


class MergerCreateSerializer(serializers.Serializer):
    programme = CodeField(queryset=Programme.objects.all())
    district = CodeField(queryset=District.objects.all())
    source_agencies = serializers.PrimaryKeyRelatedField(many=True, queryset=Agency.objects.all())
    decision_number = serializers.CharField(max_length=50)
    decided_on = serializers.DateField()
    planned_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)
    source_kind = serializers.ChoiceField(choices=SourceKind.choices, required=False)
    source = serializers.CharField(required=False, allow_blank=True, max_length=255)


class MergerAdvanceSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MergerStatus.choices)
    on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True)


class MergerCancelSerializer(serializers.Serializer):
    on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True)


class MergerCompleteSerializer(serializers.Serializer):
    effective_on = serializers.DateField()
    headcount_after = _count(required=False, allow_null=True, help_text=_("Biên chế được giao sau hợp nhất."))
    actual_after = _count(required=False, allow_null=True, help_text=_("Số người làm việc thực tế sau hợp nhất."))
    result_name = serializers.CharField(required=False, allow_blank=True, max_length=255)
    result_agency = serializers.PrimaryKeyRelatedField(queryset=Agency.objects.all(), required=False, allow_null=True)
    headcount_source = serializers.CharField(required=False, allow_blank=True, max_length=255)
    headcount_source_kind = serializers.ChoiceField(choices=SourceKind.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True)
