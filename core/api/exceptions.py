"""Errors under /api/ are JSON, and the services' exceptions get their HTTP status.

django ValidationError -> 400 with a body keyed by field; MergerStateConflict -> 409;
StaleVersion -> 409 (412 when the client sent If-Match, see core.api.views);
django PermissionDenied (editor outside his districts) -> 403 with the service's message;
anything unexpected -> 500, logged, with a JSON body.
"""

import logging

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from core.api.parsers import MSG_TOO_LARGE as MSG_BODY_TOO_LARGE
from core.api.parsers import has_lone_surrogate
from core.errors import MergerStateConflict, StaleVersion

MSG_NOT_FOUND = _("Không tìm thấy.")
MSG_THROTTLED = _("Quá nhiều yêu cầu. Hãy thử lại sau %(wait)s giây.")
MSG_SERVER_ERROR = _("Lỗi máy chủ. Lỗi đã được ghi lại.")

logger = logging.getLogger("django.request")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_code = "stale"


def django_error_detail(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field: [str(m) for m in messages]
            for field, messages in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: [str(m) for m in exc.messages]}


def exception_handler(exc, context):
    """DRF's handler, taught the services' exceptions."""
    if isinstance(exc, MergerStateConflict | StaleVersion):
        exc = Conflict(django_error_detail(exc))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_error_detail(exc))
    elif isinstance(exc, RequestDataTooBig):  # Django answers it 400 itself; DRF's handler would say 500
        exc = exceptions.ParseError(MSG_BODY_TOO_LARGE % {"size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE})
    elif isinstance(exc, Http404):
        # Django's message names the model class in English: say it plainly instead.
        exc = exceptions.NotFound(MSG_NOT_FOUND)
    elif isinstance(exc, DjangoPermissionDenied) and exc.args:
        exc = exceptions.PermissionDenied(str(exc.args[0]))
    elif isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        # DRF formats "Expected available in N seconds." before translating it: never translated.
        exc.detail = exceptions.ErrorDetail(str(MSG_THROTTLED % {"wait": exc.wait}), code="throttled")
    response = drf_exception_handler(exc, context)
    if response is not None:
        # DRF's messages echo the value refused ('"…" is not a valid choice.'): a lone surrogate in
        # it would make the JSON renderer fail, turning a 400 into a 500.
        response.data = _encodable(response.data)
    if response is None:
        # A defect, not bad input: logged with its traceback, answered in JSON all the same.
        request = context.get("request")
        logger.error("Internal Server Error: %s", getattr(request, "path", "?"), exc_info=exc)
        response = Response({"detail": str(MSG_SERVER_ERROR)}, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    return response


def _encodable(value):
    """Error details with every lone UTF-16 surrogate replaced by U+FFFD."""
    if isinstance(value, str):
        return "".join("\ufffd" if has_lone_surrogate(c) else c for c in value) if has_lone_surrogate(value) else value
    if isinstance(value, dict):
        return {_encodable(key): _encodable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encodable(item) for item in value]
    return value


@csrf_exempt  # answers 404 to every method: without it a POST gets Django's HTML CSRF page
def not_found(request, *args, **kwargs):
    """Any URL under /api/ that matches no endpoint."""
    return JsonResponse({"detail": str(MSG_NOT_FOUND)}, status=404)
