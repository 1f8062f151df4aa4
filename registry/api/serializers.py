"""Agency types, agencies, programmes, mergers and headcounts as JSON.

Natural keys are codes (district "193", programme "to-chuc-noi-vu", agency type
"ban-to-chuc"); agencies and mergers are referred to by id. Every object carries `url` and
`display`, and a foreign key reads as a brief object (id, url, display, code) while it is
written as its key (core/api/representations.py). Serializers check the shape of
the input only: the services in mergers/services/ enforce every rule, so the web forms,
the admin and the API refuse the same things with the same messages.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.representations import (
    BriefCodeField,
    BriefIdField,
    BriefListField,
    BriefSerializer,
    DirectRepresentationMixin,
    URLField,
    display_field,
    integer,
    iso_date,
    object_url,
    text,
)
from districts.api.serializers import BriefDistrictSerializer
from districts.models import District
from mergers.choices import PROGRAMME_STAGES, DecisionIssuer, DecisionKind, MergerStatus, SourceKind
from mergers.models import Agency, AgencyType, Decision, HeadcountRecord, Merger, MergerStage, Programme
from mergers.services import MAX_HEADCOUNT, MSG_ESTABLISHED_REQUIRED

MSG_DISTRICT_FIXED = _("Không thể chuyển cơ quan sang đơn vị khác: hãy tạo cơ quan mới.")
MSG_CODE_FIXED = _("Mã đề án không thể thay đổi.")
MSG_FIXED = _("Không thể thay đổi trường này: hãy tạo bản ghi mới.")


def _count(**kwargs):
    """A headcount: bounded by the services' MAX_HEADCOUNT, the one bound of every entry path."""
    return serializers.IntegerField(min_value=None, max_value=MAX_HEADCOUNT, **kwargs)


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class IdListField(serializers.Field):
    """The ids of a prefetched list of objects (selectors' `to_attr` lists)."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value):
        return [obj.pk for obj in value]


class CodeField(serializers.SlugRelatedField):
    """A related object named by its `code` (in requests only: answers carry brief objects)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)


class BriefAgencyTypeSerializer(BriefSerializer):
    route, lookup = "agencytype-detail", "code"
    code = serializers.CharField(read_only=True)


class BriefAgencySerializer(BriefSerializer):
    route = "agency-detail"


class BriefProgrammeSerializer(BriefSerializer):
    route, lookup = "programme-detail", "code"
    code = serializers.CharField(read_only=True)


class BriefMergerSerializer(BriefSerializer):
    route = "merger-detail"


class BriefHeadcountSerializer(BriefSerializer):
    route = "headcount-detail"


@extend_schema_field(OpenApiTypes.DOUBLE)
class RoundedFloatField(serializers.FloatField):
    """A percentage rounded to 2 decimals in the output."""

    def to_representation(self, value):
        return round(float(value), 2)


class AgencyTypeSerializer(serializers.ModelSerializer):
    url = URLField("agencytype-detail", "code")
    display = display_field()

    class Meta:
        model = AgencyType
        fields = ["id", "url", "display", "code", "name", "name_en", "sector", "in_district_quota"]


def _decision_field(**kwargs):
    return serializers.PrimaryKeyRelatedField(
        queryset=Decision.objects.all(), required=False, allow_null=True, **kwargs
    )


class AgencySerializer(serializers.ModelSerializer):
    url = URLField("agency-detail")
    display = display_field()
    district = BriefCodeField(BriefDistrictSerializer, queryset=District.objects.all())
    agency_type = BriefCodeField(BriefAgencyTypeSerializer, queryset=AgencyType.objects.all())
    sector = serializers.CharField(source="agency_type.sector", read_only=True)
    established_by = _decision_field(help_text=_("Quyết định thành lập (mã số trong sổ quyết định)."))
    dissolved_by = _decision_field(help_text=_("Quyết định chấm dứt hoạt động (mã số trong sổ quyết định)."))
    predecessors = IdListField(
        source="predecessor_list",
        help_text=_(
            "Cơ quan tiền thân: các cơ quan hợp nhất thành cơ quan này, và các cơ quan của đơn vị khác đã sáp "
            "nhập vào nó (Hoành Bồ vào Hạ Long)."
        ),
    )
    successors = serializers.SerializerMethodField(
        help_text=_(
            "Cơ quan kế thừa: cơ quan sau hợp nhất mà cơ quan này tham gia, hoặc cơ quan cùng chức năng của đơn vị "
            "tiếp nhận (có thể thuộc đơn vị khác)."
        )
    )
    successor_province = serializers.SlugRelatedField(
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text=_("Tỉnh tiếp nhận chức năng khi cơ quan chấm dứt không có cơ quan kế thừa (mã GSO)."),
    )

    class Meta:
        model = Agency
        fields = [
            "id",
            "url",
            "display",
            "name",
            "district",
            "agency_type",
            "sector",
            "established_on",
            "established_on_estimated",
            "dissolved_on",
            "established_by",
            "dissolved_by",
            "predecessors",
            "successors",
            "successor_province",
        ]
        extra_kwargs = {
            "established_on": {
                "error_messages": {"required": MSG_ESTABLISHED_REQUIRED, "null": MSG_ESTABLISHED_REQUIRED},
                "help_text": _("Ngày thành lập (bắt buộc); nếu không biết chính xác, ghi ngày ước tính."),
            },
            "established_on_estimated": {"required": False},
        }
        validators = []

    @extend_schema_field({"type": "array", "items": {"type": "integer"}, "readOnly": True})
    def get_successors(self, agency) -> list[int]:
        return list(agency.successor_ids)


class ProgrammeSerializer(serializers.ModelSerializer):
    url = URLField("programme-detail", "code")
    display = display_field()
    source_types = BriefCodeField(BriefAgencyTypeSerializer, queryset=AgencyType.objects.all(), many=True)
    result_type = BriefCodeField(BriefAgencyTypeSerializer, queryset=AgencyType.objects.all())
    decision = _decision_field(help_text=_("Quyết định phê duyệt đề án (mã số trong sổ quyết định)."))
    decision_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=50,
        help_text=_("Số quyết định (của quyết định trong sổ). Khi ghi: tìm hoặc thêm vào sổ quyết định."),
    )
    decided_on = serializers.DateField(required=False, allow_null=True, help_text=_("Ngày quyết định."))
    stages = serializers.ListField(
        child=serializers.ChoiceField(choices=[(s.value, s.label) for s in PROGRAMME_STAGES]),
        required=False,
        help_text=_(
            "Các giai đoạn mỗi hợp nhất trải qua sau “kế hoạch”, theo thứ tự, kết thúc bằng completed; bỏ qua một "
            "giai đoạn cần ghi lý do. Rỗng: không có quy định."
        ),
    )

    class Meta:
        model = Programme
        fields = [
            "id",
            "url",
            "display",
            "code",
            "name",
            "name_en",
            "decision",
            "decision_number",
            "decided_on",
            "stages",
            "description",
            "source_types",
            "result_type",
        ]
        extra_kwargs = {"code": {"validators": []}}
        validators = []


class HeadcountSerializer(DirectRepresentationMixin, serializers.ModelSerializer):
    url = URLField("headcount-detail")
    display = display_field()
    agency = BriefIdField(BriefAgencySerializer, queryset=Agency.objects.select_related("district"))
    # Beside the brief objects, for people reading the CSV in a spreadsheet.
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    district = BriefCodeField(BriefDistrictSerializer, source="agency.district", read_only=True)
    district_name = serializers.CharField(source="agency.district.full_name", read_only=True)
    authorised = _count(required=False, allow_null=True)
    actual = _count(required=False, allow_null=True)
    source = serializers.CharField(allow_blank=True, max_length=255)
    confirm = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text=_(
            "Xác nhận số liệu bất thường. Khi số người làm việc thực tế lớn hơn biên chế được giao, hoặc "
            "số liệu thay đổi hơn một nửa so với bản ghi liền trước hay liền sau của cơ quan, yêu cầu bị "
            "từ chối (400) với các cảnh báo theo từng trường và khóa `confirm`; gửi lại với "
            "`confirm=true` để lưu."
        ),
    )

    class Meta:
        model = HeadcountRecord
        fields = [
            "id",
            "url",
            "display",
            "agency",
            "agency_name",
            "district",
            "district_name",
            "as_of",
            "authorised",
            "actual",
            "source",
            "source_kind",
            "confirm",
        ]
        validators = []

    def represent(self, record, request) -> dict:
        agency = record.agency
        district = agency.district
        district_name = district.full_name  # its display too (District.__str__)
        return {
            "id": record.pk,
            "url": object_url(request, "headcount-detail", "pk", record),
            "display": str(record),
            "agency": BriefAgencySerializer.represent(agency, request),
            "agency_name": text(agency.name),
            "district": BriefDistrictSerializer.represent(district, request, display=district_name),
            "district_name": text(district_name),
            "as_of": iso_date(record.as_of),
            "authorised": integer(record.authorised),
            "actual": integer(record.actual),
            "source": text(record.source),
            "source_kind": record.source_kind,
        }


class MergerStageSerializer(serializers.ModelSerializer):
    skipped = serializers.ListField(
        child=serializers.CharField(), help_text=_("Giai đoạn của đề án đã bỏ qua khi chuyển sang giai đoạn này.")
    )

    class Meta:
        model = MergerStage
        fields = ["status", "on", "note", "decision", "skipped", "skip_reason"]


class MergerSerializer(DirectRepresentationMixin, serializers.ModelSerializer):
    """A merger with its figures (computed in the database by figures.engine.merger_figures)."""

    # Its answer is built directly (`represent`, core.api.representations.DirectRepresentationMixin);
    # tests/api/test_direct_representations.py checks it against DRF's walk over the fields.

    url = URLField("merger-detail")
    display = display_field()
    programme = BriefCodeField(BriefProgrammeSerializer, read_only=True)
    district = BriefCodeField(BriefDistrictSerializer, read_only=True)
    source_agencies = BriefListField(BriefAgencySerializer, source="source_list")
    result_agency = BriefIdField(BriefAgencySerializer, read_only=True, allow_null=True)
    headcount_before = serializers.IntegerField(read_only=True, allow_null=True)
    headcount_after = serializers.IntegerField(read_only=True, allow_null=True)
    reduction = serializers.IntegerField(read_only=True, allow_null=True)
    reduction_pct = RoundedFloatField(read_only=True, allow_null=True)
    demo = serializers.BooleanField(
        source="figures_demo",
        read_only=True,
        help_text=_("Ngày, số quyết định hoặc một bản ghi biên chế mà các số liệu này cộng không phải chính thức."),
    )
    stages = MergerStageSerializer(source="stage_list", many=True, read_only=True)
    decision_number = serializers.CharField(read_only=True, help_text=_("Số của quyết định trong sổ."))
    decided_on = serializers.DateField(read_only=True, help_text=_("Ngày của quyết định trong sổ."))

    class Meta:
        model = Merger
        fields = [
            "id",
            "url",
            "display",
            "programme",
            "district",
            "status",
            "decision",
            "decision_number",
            "decided_on",
            "effective_on",
            "source_agencies",
            "result_agency",
            "headcount_before",
            "headcount_after",
            "reduction",
            "reduction_pct",
            "demo",
            "source_kind",
            "stages",
        ]
        read_only_fields = fields

    def represent(self, merger, request) -> dict:
        result = merger.result_agency
        return {
            "id": merger.pk,
            "url": object_url(request, "merger-detail", "pk", merger),
            "display": str(merger),
            "programme": BriefProgrammeSerializer.represent(merger.programme, request),
            "district": BriefDistrictSerializer.represent(merger.district, request),
            "status": merger.status,
            "decision": merger.decision_id,
            "decision_number": text(merger.decision_number),
            "decided_on": iso_date(merger.decided_on),
            "effective_on": iso_date(merger.effective_on),
            "source_agencies": [BriefAgencySerializer.represent(agency, request) for agency in merger.source_list],
            "result_agency": None if result is None else BriefAgencySerializer.represent(result, request),
            "headcount_before": integer(merger.headcount_before),
            "headcount_after": integer(merger.headcount_after),
            "reduction": integer(merger.reduction),
            "reduction_pct": None if merger.reduction_pct is None else round(float(merger.reduction_pct), 2),
            "demo": bool(merger.figures_demo),
            "source_kind": merger.source_kind,
            "stages": [_stage(stage) for stage in merger.stage_list],
        }


def _stage(stage) -> dict:
    """A stage as MergerStageSerializer shows it."""
    return {
        "status": stage.status,
        "on": iso_date(stage.on),
        "note": text(stage.note),
        "decision": stage.decision_id,
        "skipped": None if stage.skipped is None else [text(name) for name in stage.skipped],
        "skip_reason": text(stage.skip_reason),
    }


class MergerCreateSerializer(serializers.Serializer):
    programme = CodeField(queryset=Programme.objects.all())
    district = CodeField(queryset=District.objects.all())
    source_agencies = serializers.PrimaryKeyRelatedField(many=True, queryset=Agency.objects.all())
    decision = _decision_field(help_text=_("Quyết định trong sổ; hoặc ghi decision_number và decided_on."))
    decision_number = serializers.CharField(max_length=50, required=False, allow_blank=True)
    decided_on = serializers.DateField(required=False, allow_null=True)
    planned_on = serializers.DateField(required=False, allow_null=True)
    planned_decision = _decision_field(help_text=_("Quyết định của giai đoạn kế hoạch (mặc định: quyết định trên)."))

    def validate(self, attrs):
        # Without a decision of the register, the number is required, as it always was.
        if attrs.get("decision") is None and not (attrs.get("decision_number") or "").strip():
            raise serializers.ValidationError(
                {"decision_number": [self.fields["decision_number"].error_messages["blank"]]}
            )
        return attrs

    note = serializers.CharField(required=False, allow_blank=True)
    source_kind = serializers.ChoiceField(choices=SourceKind.choices, required=False)
    source = serializers.CharField(required=False, allow_blank=True, max_length=255)


SKIP_REASON_HELP = _("Lý do khi bỏ qua giai đoạn mà đề án quy định (bắt buộc khi bỏ qua).")


class MergerAdvanceSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MergerStatus.choices)
    on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True)
    decision = _decision_field(help_text=_("Quyết định của giai đoạn (ban hành không sau ngày của giai đoạn)."))
    skip_reason = serializers.CharField(required=False, allow_blank=True, help_text=SKIP_REASON_HELP)


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
    decision = _decision_field(help_text=_("Quyết định của việc hoàn thành (mặc định: quyết định của hợp nhất)."))
    skip_reason = serializers.CharField(required=False, allow_blank=True, help_text=SKIP_REASON_HELP)


# --- the decision register ------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "array",
        "readOnly": True,
        "items": {
            "type": "object",
            "properties": {
                "type": {
                    "type": "string",
                    "enum": [
                        "programme",
                        "merger",
                        "merger_stage",
                        "district_dissolved",
                        "agency_established",
                        "agency_dissolved",
                    ],
                },
                "id": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
                "date": {"type": "string", "format": "date", "nullable": True},
                "label": {"type": "string"},
                "url": {"type": "string"},
            },
        },
    }
)
class EventsField(serializers.Field):
    """What the decision authorised (selectors.decision_events), from the prefetched lists."""

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        kwargs["source"] = "*"
        super().__init__(**kwargs)

    def to_representation(self, decision):
        from figures.selectors import decision_events

        return [event.as_dict() for event in decision_events(decision)]


class DecisionSerializer(serializers.ModelSerializer):
    url = URLField("decision-detail")
    display = display_field()
    issuer = serializers.ChoiceField(choices=DecisionIssuer.choices, read_only=True)
    issuer_name = serializers.CharField(read_only=True, help_text=_("Cơ quan ban hành, với tên đơn vị cấp huyện."))
    kind = serializers.ChoiceField(choices=DecisionKind.choices, read_only=True)
    district = CodeField(read_only=True, allow_null=True)
    demo = serializers.BooleanField(source="is_demo", read_only=True, help_text=_("Số và ngày không chính thức."))
    scan = serializers.SerializerMethodField(help_text=_("Địa chỉ bản chụp (chỉ người đã đăng nhập); null: không có."))
    events = EventsField(help_text=_("Mọi sự kiện văn bản này cho phép."))
    programmes = serializers.SerializerMethodField()
    mergers = IdListField(source="merger_list")
    districts = serializers.SerializerMethodField(help_text=_("Đơn vị cấp huyện giải thể theo văn bản (mã GSO)."))

    class Meta:
        model = Decision
        fields = [
            "id",
            "url",
            "display",
            "number",
            "date",
            "issuer",
            "issuer_name",
            "district",
            "kind",
            "title",
            "source",
            "source_kind",
            "demo",
            "scan",
            "events",
            "programmes",
            "mergers",
            "districts",
        ]
        read_only_fields = fields

    def get_scan(self, decision) -> str | None:
        if not decision.scan:
            return None
        from django.urls import reverse

        return reverse("registry:decision_scan", kwargs={"pk": decision.pk})

    def get_programmes(self, decision) -> list[str]:
        return [p.code for p in decision.programme_list]

    def get_districts(self, decision) -> list[str]:
        return [d.code for d in decision.district_list]
