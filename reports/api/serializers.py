"""Parameters and answers of the report endpoints."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from districts.models import Province
from mergers.selectors import MEASURES


class ProgressParamsSerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False, help_text=_("Ngày tính (YYYY-MM-DD). Mặc định: hôm nay."))
    province = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Province.objects.all(),
        required=False,
        help_text=_("Mã GSO của tỉnh, ví dụ 22. Mặc định: mọi tỉnh."),
    )


class StaffingParamsSerializer(ProgressParamsSerializer):
    baseline = serializers.DateField(
        required=False, help_text=_("Ngày gốc (YYYY-MM-DD). Mặc định: ngày quyết định đầu tiên của tỉnh.")
    )
    measure = serializers.ChoiceField(
        choices=[(m, m) for m in MEASURES],
        default="authorised",
        help_text=_("authorised: biên chế được giao; actual: số người làm việc thực tế."),
    )
    like_for_like = serializers.BooleanField(
        default=False,
        help_text=_("Gộp đơn vị đã giải thể vào đơn vị kế thừa (Hoành Bồ vào Hạ Long) để so sánh tương đương."),
    )


class StaffingTotalSerializer(serializers.Serializer):
    headcount_baseline = serializers.IntegerField(allow_null=True)
    headcount_current = serializers.IntegerField(allow_null=True)
    change = serializers.IntegerField(allow_null=True)
    change_pct = serializers.FloatField(allow_null=True)
    agencies_baseline = serializers.IntegerField(allow_null=True)
    agencies_current = serializers.IntegerField(allow_null=True)
    agencies_change = serializers.IntegerField(allow_null=True)


class StaffingRowSerializer(StaffingTotalSerializer):
    district = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()
    dissolved_on = serializers.DateField(allow_null=True)
    successor = serializers.CharField(allow_null=True)
    folded = serializers.ListField(
        child=serializers.CharField(), help_text=_("Đơn vị đã gộp vào dòng này (so sánh tương đương).")
    )


class StaffingReportSerializer(serializers.Serializer):
    baseline = serializers.DateField()
    as_of = serializers.DateField()
    province = serializers.CharField(allow_null=True)
    measure = serializers.CharField()
    like_for_like = serializers.BooleanField()
    districts = StaffingRowSerializer(many=True)
    total = StaffingTotalSerializer()


class ProgrammeProgressSerializer(serializers.Serializer):
    programme = serializers.CharField()
    name = serializers.CharField()
    decision_number = serializers.CharField()
    decided_on = serializers.DateField(allow_null=True)
    completed = serializers.IntegerField()
    total = serializers.IntegerField()
    districts_completed = serializers.ListField(child=serializers.CharField())
    districts_pending = serializers.ListField(child=serializers.CharField())


class ProgressReportSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    province = serializers.CharField(allow_null=True)
    programmes = ProgrammeProgressSerializer(many=True)
