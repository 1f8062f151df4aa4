"""`GET /api/v1/<resource>/{id}/history/`: who changed what and when.

Every save is recorded (core.history, the same change log as the history pages); this
endpoint pages through an object's records, newest first, each with its changes against the
record before it: `{field: [old, new]}`, a foreign key as `{"id", "display"}`, a many-to-many
field (a programme's source types, a merger's source agencies) as a list of them, dates in ISO
8601, choices as their codes. A page costs a fixed number of queries, whatever its size.
"""

import datetime
import decimal
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from simple_history.models import DeletedObject

from core.history import history_queryset, history_rows, record_before


class HistoryRecordSerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    history_date = serializers.DateTimeField()
    history_type = serializers.ChoiceField(
        choices=[("+", _("tạo")), ("~", _("sửa")), ("-", _("xóa"))],
        help_text=_("+ tạo mới, ~ sửa, - xóa"),
    )
    history_user = serializers.CharField(allow_null=True, help_text=_("Tên đăng nhập; null: lệnh hệ thống"))
    history_change_reason = serializers.CharField(allow_null=True, help_text=_("Lý do (tên lệnh quản trị ...)"))
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(allow_null=True), min_length=2, max_length=2),
        help_text=_(
            "Trường: [giá trị cũ, giá trị mới]; với bản ghi tạo mới, giá trị cũ là null. Khóa ngoại: "
            "{id, display}; trường nhiều-nhiều: danh sách các đối tượng đó."
        ),
    )


class HistoryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = HistoryRecordSerializer(many=True)


def _plain(value):
    """A change's value as JSON: an object as its id and name, dates in ISO 8601."""
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, models.Model | DeletedObject):
        return {"id": value.pk, "display": str(value)}
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def api_rows(rows) -> list[dict]:
    return [
        {
            "history_id": row.record.history_id,
            "history_date": row.record.history_date,
            "history_type": row.record.history_type,
            "history_user": row.record.history_user.get_username() if row.record.history_user else None,
            "history_change_reason": row.record.history_change_reason,
            "changes": {change.name: [_plain(change.old), _plain(change.new)] for change in row.changes},
        }
        for row in rows
    ]


PAGE = OpenApiParameter("page", int, description=_("Số trang."))
PAGE_SIZE = OpenApiParameter("page_size", int, description=_("Số dòng một trang (tối đa 500)."))


class HistoryMixin:
    """Adds the `history` action to a viewset; reading it needs the model's view permission."""

    @extend_schema(
        summary=_("Lịch sử thay đổi"),
        description=_(
            "Mỗi lần ghi (biểu mẫu, API, trang quản trị, nhập Excel, lệnh quản trị), mới nhất trước: "
            "người ghi, thời điểm và các trường đã đổi [cũ, mới]."
        ),
        parameters=[PAGE, PAGE_SIZE],
        responses=HistoryPageSerializer,
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[], url_path="history")
    def history(self, request, *args, **kwargs):
        queryset = history_queryset(self.get_object())
        page = list(self.paginate_queryset(queryset))
        # The last page ends with the first record; any other needs the record before it.
        older = record_before(queryset, page[-1]) if page and self.paginator.page.has_next() else None
        rows = api_rows(history_rows(page, older=older))
        return self.get_paginated_response(HistoryRecordSerializer(rows, many=True).data)
