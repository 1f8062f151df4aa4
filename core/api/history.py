"""`GET /api/v1/<resource>/{id}/history/`: who changed what and when (issue 7, audit).

django-simple-history records every save (forms, API, admin, import, commands); this
endpoint pages through an object's records, newest first, each with its changes against
the record before it. Many-to-many fields the history tracks (a programme's source types, a
merger's source agencies) are compared too, as sorted lists of ids. The page's diffs cost at
most two extra queries (the record just older than the page, when there is one, and the
many-to-many rows of all of them), whatever the page size: no query per record.
"""

import datetime
import decimal
import uuid

from django.db.models import Q, prefetch_related_objects
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from core.audit import m2m_history_fields, m2m_history_ids

# Bookkeeping columns: they change on every save and say nothing to a reader.
UNAUDITED_FIELDS = {"version", "updated_at", "created_at", "search_name"}


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
        help_text=_("Trường: [giá trị cũ, giá trị mới]; với bản ghi tạo mới, giá trị cũ là null."),
    )


class HistoryPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = HistoryRecordSerializer(many=True)


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def audited_fields(history_model) -> list[str]:
    """Attribute names (`district_id` for a foreign key) of the fields the history tracks."""
    return [f.attname for f in history_model.tracked_fields if f.name not in UNAUDITED_FIELDS and not f.primary_key]


def _value(record, field):
    """A tracked field's value; for a many-to-many field (a tuple from audited_m2m_fields) its sorted ids."""
    if isinstance(field, tuple):
        return m2m_history_ids(record, field)
    return getattr(record, field)


def _name(field) -> str:
    if isinstance(field, tuple):
        return field[0]
    return field.removesuffix("_id") if field.endswith("_id") else field


def history_rows(records: list, older, fields: list) -> list[dict]:
    """Records newest first; `older` is the record just before the last one (or None).

    `fields`: attnames, and the (name, accessor, target) tuples of core.audit.m2m_history_fields.
    """
    rows = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else older
        changes = {}
        for field in fields:
            new = _value(record, field)
            old = _value(previous, field) if previous is not None else None
            if record.history_type == "-":
                continue
            if previous is None or old != new:
                if previous is None and new in (None, "", []):
                    continue
                changes[_name(field)] = [_plain(old), _plain(new)]
        user = record.history_user
        rows.append(
            {
                "history_id": record.history_id,
                "history_date": record.history_date,
                "history_type": record.history_type,
                "history_user": user.get_username() if user is not None else None,
                "history_change_reason": record.history_change_reason,
                "changes": changes,
            }
        )
    return rows


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
        obj = self.get_object()
        history_model = obj.history.model
        queryset = obj.history.select_related("history_user").order_by("-history_date", "-history_id")
        page = list(self.paginate_queryset(queryset))
        older = None
        if page and self.paginator.page.has_next():  # the last page ends with the first record
            last = page[-1]
            older = (
                queryset.filter(
                    Q(history_date__lt=last.history_date)
                    | Q(history_date=last.history_date, history_id__lt=last.history_id)
                )
                .select_related(None)
                .first()
            )
        m2m_fields = m2m_history_fields(history_model)
        if m2m_fields:  # one query per field for the whole page (and the record before it)
            prefetch_related_objects([*page, *([older] if older is not None else [])], *(f[1] for f in m2m_fields))
        rows = history_rows(page, older, [*audited_fields(history_model), *m2m_fields])
        return self.get_paginated_response(HistoryRecordSerializer(rows, many=True).data)
