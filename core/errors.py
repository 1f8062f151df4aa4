"""The error types every layer shares: the services raise them, the API and pages answer them."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MSG_STALE_VERSION = _("Bản ghi đã được người khác thay đổi. Hãy tải lại trang để xem thay đổi rồi nhập lại.")


class MergerStateConflict(ValidationError):
    """The merger's state does not allow the operation (completed or cancelled): HTTP 409."""


class StaleVersion(ValidationError):
    """The record changed since the client read it: HTTP 409/412."""
