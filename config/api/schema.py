"""drf-spectacular's schema, plus the error answers every endpoint can give."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """An error: `detail` for one message, or field names mapped to lists of messages."""

    detail = serializers.CharField(required=False)
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)


ERROR = OpenApiResponse(ErrorSerializer, description=_("Lỗi: `detail`, hoặc tên trường và các thông báo lỗi."))
IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description=_("Phiên bản đã đọc (giá trị ETag). Nếu bản ghi đã thay đổi từ đó: 412."),
)


class APIAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response" or not self.path.startswith("/api/v1/") or self.path.startswith("/api/v1/auth/"):
            return responses
        codes = ["401", "403"]
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        if writes or self._is_list_view() or "/reports/" in self.path:
            codes.append("400")
        # 404: a missing object, a page past the end, or (any endpoint) an unknown `format`,
        # which DRF's content negotiation answers with 404.
        codes.append("404")
        if writes and "{" in self.path:
            codes += ["409", "412"] if "/mergers/" in self.path else ["412"]
        for code in codes:
            responses.setdefault(code, self._get_response_for_code(ERROR, code))
        return responses
