"""drf-spectacular's schema, plus the error answers every endpoint can give."""

from django.conf import settings
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
        # 400 on every operation: bad input, and on any URL a NUL character (config.middleware).
        codes = ["400", "401", "403"]
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        # 404: a missing object, a page past the end, or (any endpoint) an unknown `format`,
        # which DRF's content negotiation answers with 404.
        codes.append("404")
        if writes and "{" in self.path:
            codes += ["409", "412"] if "/mergers/" in self.path else ["412"]
        for code in codes:
            responses.setdefault(code, self._get_response_for_code(ERROR, code))
        return responses


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("-", "_").split("_") if part)


def postprocess_schema(result, generator, request, public):
    """What client generators need, after drf-spectacular's own enum naming.

    - Query parameters with choices refer to named enum components (`MergerStatusEnum`,
      `FormatEnum`), never inline enums that generators name after the Vietnamese label; no
      parameter schema carries a `title` (the model field's Vietnamese name).
    - `text/csv` answers are text (a string), not the JSON schema of the list.
    - The token endpoint needs no authentication (`security: []`).
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    by_values = {
        frozenset(schema["enum"]): name
        for name, schema in schemas.items()
        if "enum" in schema and schema.get("type") == "string"
    }
    for path, item in result.get("paths", {}).items():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                schema.pop("title", None)
                values = schema.get("enum")
                if values and schema.get("type") == "string":
                    values = [v for v in values if v is not None]
                    name = by_values.get(frozenset(values))
                    if name is None:
                        name = f"{_camel(parameter['name'])}Enum"
                        while name in schemas and set(schemas[name].get("enum", [])) != set(values):
                            name = f"{_camel(operation['operationId'])}{name}"
                        schemas[name] = {"type": "string", "enum": sorted(values)}
                        by_values[frozenset(values)] = name
                    parameter["schema"] = {"$ref": f"#/components/schemas/{name}"}
                if parameter["name"] == "format" and parameter.get("in") == "query":
                    parameter["description"] = str(
                        _("csv: mọi dòng đã lọc (không phân trang), tối đa %(rows)s dòng; json: mặc định.")
                        % {"rows": settings.API_CSV_MAX_ROWS}
                    )
            for response in operation.get("responses", {}).values():
                csv = response.get("content", {}).get("text/csv")
                if csv is not None:
                    csv["schema"] = {"type": "string"}
            if path == "/api/v1/auth/token/":
                operation["security"] = []
    return result
