"""Parameters and answers of the report endpoints."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from districts.models import District, Province
from figures.engine import MEASURES
from mergers.choices import SourceKind


def code_field(model, help_text) -> serializers.SlugRelatedField:
    """An optional province or district, by its GSO code."""
    return serializers.SlugRelatedField(
        slug_field="code", queryset=model.objects.all(), required=False, help_text=help_text
    )


class AsOfProvinceParamsSerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text=_("Ngày tính (YYYY-MM-DD). Mặc định: hôm nay."))
    province = code_field(Province, _("Mã GSO của tỉnh, ví dụ 22. Mặc định: mọi tỉnh."))


class ProgressParamsSerializer(AsOfProvinceParamsSerializer):
    measure = serializers.ChoiceField(
        choices=[(m, m) for m in MEASURES],
        default="authorised",
        help_text=_("authorised: biên chế được giao; actual: số người làm việc thực tế."),
    )


class StaffingParamsSerializer(ProgressParamsSerializer):
    baseline = serializers.DateField(
        required=False,
        help_text=_("Ngày gốc (YYYY-MM-DD), không sau as_of. Mặc định: ngày quyết định đầu tiên của tỉnh."),
    )
    # allow_null: absent means "the engine's default" (true), not False as DRF reads a missing boolean.
    like_for_like = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_(
            "Gộp đơn vị đã giải thể vào đơn vị kế thừa (Hoành Bồ vào Hạ Long) để so sánh tương đương. Mặc định: true."
        ),
    )


class MissingAgencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    district = serializers.CharField(help_text=_("Mã GSO của đơn vị."))


class StaffingTotalSerializer(serializers.Serializer):
    headcount_baseline = serializers.IntegerField(allow_null=True)
    headcount_current = serializers.IntegerField(allow_null=True)
    change = serializers.IntegerField(allow_null=True)
    change_pct = serializers.FloatField(allow_null=True)
    agencies_baseline = serializers.IntegerField(allow_null=True)
    agencies_current = serializers.IntegerField(allow_null=True)
    agencies_change = serializers.IntegerField(allow_null=True)
    demo = serializers.BooleanField(help_text=_("Một số liệu của dòng này cộng một bản ghi không chính thức."))
    missing_baseline = MissingAgencySerializer(
        many=True, help_text=_("Cơ quan được tính nhưng không có số liệu vào ngày gốc (vì vậy tổng là null).")
    )
    missing_current = MissingAgencySerializer(
        many=True, help_text=_("Cơ quan được tính nhưng không có số liệu vào ngày xem (vì vậy tổng là null).")
    )


class StaffingRowSerializer(StaffingTotalSerializer):
    district = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    dissolved_on = serializers.DateField(allow_null=True)
    successor = serializers.CharField(allow_null=True)
    folded = serializers.ListField(
        child=serializers.CharField(), help_text=_("Đơn vị đã gộp vào dòng này (so sánh tương đương).")
    )
    note = serializers.CharField(help_text=_("Ghi chú: giải thể, sáp nhập, tiếp nhận."))


class TierDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    issuer = serializers.CharField()
    title = serializers.CharField()


class DistrictTierSerializer(serializers.Serializer):
    on = serializers.DateField()
    active_districts = serializers.IntegerField(help_text=_("Số đơn vị cấp huyện hoạt động vào ngày này."))
    ended = serializers.BooleanField(
        help_text=_("Cấp huyện đã kết thúc: không còn đơn vị nào hoạt động dù trước đó có (từ 01/07/2025).")
    )
    ended_on = serializers.DateField(allow_null=True, help_text=_("Ngày cấp huyện kết thúc."))
    last_day = serializers.DateField(
        allow_null=True, help_text=_("Ngày cuối cùng cấp huyện còn hoạt động: ngày của số liệu cuối cùng.")
    )
    decision = TierDecisionSerializer(allow_null=True, help_text=_("Văn bản kết thúc cấp huyện."))
    successor_province = serializers.CharField(allow_null=True, help_text=_("Tỉnh tiếp nhận chức năng (mã GSO)."))


class StaffingReportSerializer(serializers.Serializer):
    baseline = serializers.DateField()
    as_of = serializers.DateField()
    province = serializers.CharField(allow_null=True)
    measure = serializers.CharField()
    like_for_like = serializers.BooleanField()
    districts = StaffingRowSerializer(many=True)
    total = StaffingTotalSerializer()
    district_tier = DistrictTierSerializer(help_text=_("Cấp huyện vào ngày xem: còn hoạt động hay đã kết thúc."))
    requested_as_of = serializers.DateField(
        help_text=_(
            "Ngày được hỏi. Sau khi cấp huyện kết thúc (01/07/2025), as_of là ngày cuối cùng của cấp huyện "
            "(30/06/2025), như trên trang web, và note nói rõ."
        )
    )
    note = serializers.CharField(help_text=_("Vì sao số liệu là của một ngày khác ngày được hỏi (trống nếu không)."))


class ProgressTotalsSerializer(serializers.Serializer):
    completed = serializers.IntegerField(
        help_text=_("Cặp đơn vị × đề án đã hoàn thành, trong các đơn vị hoạt động vào ngày tính.")
    )
    total = serializers.IntegerField(help_text=_("Số đơn vị hoạt động vào ngày tính × số đề án."))
    mergers = serializers.IntegerField()
    mergers_without_data = serializers.IntegerField()
    headcount_before = serializers.IntegerField(allow_null=True)
    headcount_after = serializers.IntegerField(allow_null=True)
    reduction = serializers.IntegerField(allow_null=True)
    reduction_pct = serializers.FloatField(allow_null=True, help_text=_("Tính từ tổng số, không lấy trung bình."))
    focal_points_removed = serializers.IntegerField()
    demo = serializers.BooleanField()


SOURCE_KIND_CHOICES = SourceKind.choices


def _kind_field():
    # Plain text rather than a nullable enum: the schema names only the enums of its parameters.
    return serializers.CharField(allow_null=True, help_text=_("official, published hoặc demo; null: không có số liệu."))


class FigureKindsSerializer(serializers.Serializer):
    """Where each figure of the row comes from; null when the figure is missing."""

    completed = _kind_field()
    total = _kind_field()
    headcount_before = _kind_field()
    headcount_after = _kind_field()
    focal_points_removed = _kind_field()
    reduction = _kind_field()
    reduction_pct = _kind_field()


class PublishedFiguresSerializer(serializers.Serializer):
    completed = serializers.IntegerField(required=False)
    total = serializers.IntegerField(required=False)
    headcount_before = serializers.IntegerField(required=False)
    headcount_after = serializers.IntegerField(required=False)
    reduction_pct = serializers.FloatField(required=False)
    focal_points_removed = serializers.IntegerField(required=False)


class PublishedSourceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    on = serializers.DateField(help_text=_("Ngày mà số liệu công bố mô tả."))
    source = serializers.CharField(help_text=_("Trích dẫn nguồn."))
    source_kind = serializers.ChoiceField(choices=SOURCE_KIND_CHOICES)
    decision = serializers.CharField(allow_null=True, help_text=_("Số văn bản được nguồn viện dẫn."))
    decision_id = serializers.IntegerField(allow_null=True)
    figures = PublishedFiguresSerializer(help_text=_("Các số liệu nguồn đưa ra (chỉ các số liệu có trong nguồn)."))


class DiscrepancySerializer(serializers.Serializer):
    figure = serializers.CharField()
    published = serializers.FloatField()
    districts = serializers.FloatField(allow_null=True, help_text=_("Tổng số liệu các đơn vị; null: thiếu số liệu."))


class ProgrammeProgressSerializer(serializers.Serializer):
    programme = serializers.CharField()
    name = serializers.CharField()
    decision = serializers.IntegerField(allow_null=True, help_text=_("Quyết định trong sổ (/api/v1/decisions/)."))
    decision_number = serializers.CharField()
    decided_on = serializers.DateField(allow_null=True)
    completed = serializers.IntegerField()
    total = serializers.IntegerField(
        help_text=_("Số đơn vị cấp huyện hoạt động vào ngày tính (0 sau khi cấp huyện kết thúc).")
    )
    districts_completed = serializers.ListField(child=serializers.CharField())
    districts_pending = serializers.ListField(child=serializers.CharField())
    mergers = serializers.IntegerField(help_text=_("Số hợp nhất đã hoàn thành tính đến ngày."))
    mergers_without_data = serializers.IntegerField(help_text=_("Hợp nhất thiếu số liệu, không cộng vào tổng."))
    headcount_before = serializers.IntegerField(allow_null=True)
    headcount_after = serializers.IntegerField(allow_null=True)
    reduction = serializers.IntegerField(allow_null=True)
    reduction_pct = serializers.FloatField(allow_null=True)
    focal_points_removed = serializers.IntegerField()
    demo = serializers.BooleanField(help_text=_("Có số liệu hoặc ngày tháng không chính thức."))
    source_kinds = FigureKindsSerializer(
        help_text=_("Nguồn của từng số liệu: official, published (số liệu công bố của tỉnh), demo.")
    )
    published = PublishedSourceSerializer(
        allow_null=True,
        help_text=_("Số liệu tổng hợp đã công bố có hiệu lực vào ngày tính, với trích dẫn; null: không có."),
    )
    discrepancies = DiscrepancySerializer(
        many=True, help_text=_("Số liệu công bố mà tổng số liệu các đơn vị không khớp (không bao giờ bị ẩn).")
    )


class ActualParamsSerializer(AsOfProvinceParamsSerializer):
    pass


class GapSerializer(serializers.Serializer):
    authorised = serializers.IntegerField(allow_null=True, help_text=_("Biên chế được giao; null: không có số liệu."))
    actual = serializers.IntegerField(
        allow_null=True, help_text=_("Số người làm việc thực tế; null: chưa nhập (không bao giờ là 0 thay cho thiếu).")
    )
    gap = serializers.IntegerField(allow_null=True, help_text=_("actual − authorised; âm: còn thiếu người."))
    gap_pct = serializers.FloatField(allow_null=True, help_text=_("gap / authorised, tính theo %."))
    counted = serializers.IntegerField(help_text=_("Số cơ quan được tính (trong biên chế cấp huyện)."))
    actual_entered = serializers.IntegerField(help_text=_("Số cơ quan trong đó đã nhập số người làm việc thực tế."))
    actual_status = serializers.ChoiceField(
        choices=[("complete", "complete"), ("partial", "partial"), ("not_entered", "not_entered")],
        help_text=_("complete: đủ; partial: thiếu một số cơ quan; not_entered: chưa nhập cơ quan nào."),
    )
    demo = serializers.BooleanField(help_text=_("Một số liệu của dòng này cộng một bản ghi không chính thức."))
    missing_actual = MissingAgencySerializer(many=True, help_text=_("Cơ quan chưa có số người làm việc thực tế."))
    missing_authorised = MissingAgencySerializer(many=True, help_text=_("Cơ quan chưa có biên chế được giao."))
    note = serializers.CharField(help_text=_("Ghi chú khi số liệu thực tế chưa được nhập (đủ thì để trống)."))


class DistrictGapSerializer(GapSerializer):
    district = serializers.CharField()
    name = serializers.CharField()


class AgencyGapSerializer(GapSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    district = serializers.CharField()
    agency_type = serializers.CharField()


class ActualReportSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    province = serializers.CharField(allow_null=True)
    total = GapSerializer()
    districts = DistrictGapSerializer(many=True)
    agencies = AgencyGapSerializer(many=True)


class ProgressReportSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    province = serializers.CharField(allow_null=True)
    measure = serializers.CharField()
    programmes = ProgrammeProgressSerializer(many=True)
    totals = ProgressTotalsSerializer(help_text=_("Toàn tỉnh: các số liệu của thẻ “Toàn tỉnh” trên trang tổng quan."))
    district_tier = DistrictTierSerializer()


class FocalPointParamsSerializer(serializers.Serializer):
    baseline = serializers.DateField(
        required=False,
        help_text=_("Đầu kỳ (YYYY-MM-DD), không sau as_of. Mặc định: ngày quyết định đầu tiên của tỉnh."),
    )
    as_of = serializers.DateField(
        required=False,
        help_text=_("Cuối kỳ (YYYY-MM-DD). Mặc định: hôm nay, hoặc 30/06/2025 khi cấp huyện đã kết thúc."),
    )
    province = code_field(Province, _("Mã GSO của tỉnh, ví dụ 22. Mặc định: mọi tỉnh (hoặc tỉnh của đơn vị)."))
    district = code_field(District, _("Mã GSO của một đơn vị cấp huyện; mặc định: cả tỉnh."))


class ReconciledAgencyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    district = serializers.CharField()
    url = serializers.CharField()


class ReconciledAgencySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    district = serializers.CharField()
    date = serializers.DateField(allow_null=True)
    cause = serializers.CharField(allow_null=True, help_text=_("merger, district hoặc other"))
    programme = serializers.CharField(allow_null=True)
    merger = serializers.IntegerField(allow_null=True)
    decision = serializers.CharField(allow_null=True)
    decision_id = serializers.IntegerField(allow_null=True)
    successor = ReconciledAgencyRefSerializer(allow_null=True)
    successor_province = serializers.CharField(allow_null=True)
    url = serializers.CharField()


class ReconciliationTermSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    agencies = ReconciledAgencySerializer(many=True)


class ReconciliationCauseSerializer(serializers.Serializer):
    cause = serializers.CharField()
    label = serializers.CharField()
    programme = serializers.CharField(allow_null=True)
    decision = serializers.CharField(allow_null=True)
    established = serializers.IntegerField()
    merged_away = serializers.IntegerField()
    dissolved = serializers.IntegerField()
    net = serializers.IntegerField()


class FocalPointReportSerializer(serializers.Serializer):
    baseline = serializers.DateField()
    as_of = serializers.DateField()
    province = serializers.CharField(allow_null=True)
    district = serializers.CharField(allow_null=True)
    start = ReconciliationTermSerializer(help_text=_("Đầu mối hoạt động ngày gốc."))
    established = ReconciliationTermSerializer(help_text=_("Thành lập trong kỳ."))
    merged_away = ReconciliationTermSerializer(
        help_text=_(
            "Hợp nhất vào cơ quan khác trong kỳ (cơ quan sau hợp nhất, hoặc cơ quan cùng chức năng "
            "của đơn vị tiếp nhận)."
        )
    )
    dissolved = ReconciliationTermSerializer(
        help_text=_("Chấm dứt khác trong kỳ (chức năng chuyển về tỉnh, giải thể).")
    )
    end = ReconciliationTermSerializer(help_text=_("Đầu mối hoạt động ngày xem."))
    change = serializers.IntegerField()
    balanced = serializers.BooleanField(help_text=_("Đầu kỳ + thành lập − hợp nhất − chấm dứt khác = cuối kỳ."))
    causes = ReconciliationCauseSerializer(many=True)
