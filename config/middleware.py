"""Request middleware: Vietnamese first, no NUL in a URL, the API's RateLimit headers, the CSP
built once."""

import functools
import http

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponseBadRequest, JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _

MSG_NUL_IN_URL = _("Địa chỉ không được chứa ký tự null.")
API_PREFIX = "/api/"


def is_api(request) -> bool:
    return request.path.startswith(API_PREFIX)


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    """Pages: LocaleMiddleware without the browser's Accept-Language: officials' browsers are
    often set to English, yet the pages speak Vietnamese unless they pick English (cookie).

    The API: a client states its language with `Accept-Language` (no header:
    Vietnamese; the language switch's cookie, when a browser sends one, comes first), so its
    answers say `Vary: Accept-Language, Cookie`; pages, which ignore the header, only say
    `Vary: Cookie`.
    """

    def process_request(self, request):
        if not is_api(request):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)

    def process_response(self, request, response):
        response = super().process_response(request, response)
        if is_api(request):
            patch_vary_headers(response, ("Cookie",))
        elif response.has_header("Vary"):
            kept = [v.strip() for v in response["Vary"].split(",") if v.strip().lower() not in ("accept-language", "")]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
            patch_vary_headers(response, ("Cookie",))
        return response


class RateLimitHeadersMiddleware:
    """The IETF draft's RateLimit headers on every throttled API answer (core.api.throttles)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from core.api.throttles import most_restrictive

        response = self.get_response(request)
        budget = most_restrictive(request.__dict__.get("ratelimit_budgets", []))
        if budget is not None:
            response["RateLimit-Limit"] = str(budget.limit)
            response["RateLimit-Remaining"] = str(budget.remaining)
            response["RateLimit-Reset"] = str(budget.reset)
            response["RateLimit-Policy"] = f"{budget.limit};w={budget.window}"
        return response


class RefuseNulMiddleware:
    """A NUL character in the path or in a query value (`/?province=%00`, `/districts/%00/`) is
    a 400 before any view runs: PostgreSQL refuses NUL in text, which turned such lookups and
    filters into 500s. Forms and serializers refuse NUL in bodies themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or ("%00" in query and _nul_in(request.GET)):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": str(MSG_NUL_IN_URL)}, status=400, json_dumps_params={"ensure_ascii": False}
                )
            return HttpResponseBadRequest(str(MSG_NUL_IN_URL), content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _nul_in(query) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())


# With DEBUG on, django-csp leaves these answers' debug pages without a policy.
DEBUG_PAGES = (http.HTTPStatus.INTERNAL_SERVER_ERROR, http.HTTPStatus.NOT_FOUND)
# What a view sets on its response to change or lift its policy (csp.decorators).
CSP_RESPONSE_ATTRIBUTES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


@functools.cache
def plain_policies() -> tuple[tuple[str, str], ...]:
    """The headers of the settings' policies, as django-csp builds them for a response that
    changes nothing of them: (header, value) for each policy there is."""
    policies = ((HEADER, build_policy()), (HEADER_REPORT_ONLY, build_policy(report_only=True)))
    return tuple((header, value) for header, value in policies if value)


@receiver(setting_changed)
def _settings_policies_changed(*, setting, **kwargs):
    if setting in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
        plain_policies.cache_clear()


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware, which built both policies from the settings on every response
    (40 µs of a 1 ms API answer, issue 17): a response that changes nothing of them (no
    decorator, no nonce asked for, no header of its own, no excluded path) gets the headers
    built once (`plain_policies`); any other takes django-csp's own way.
    tests/hardening/test_csp_once.py holds both to django-csp's headers."""

    def process_response(self, request, response):
        if not self._plain(request, response):
            return super().process_response(request, response)
        for header, value in plain_policies():
            response[header] = value
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # as django-csp does
        return response

    @staticmethod
    def _plain(request, response) -> bool:
        if getattr(request, "_csp_nonce", None) is not None:
            return False
        if settings.DEBUG and response.status_code in DEBUG_PAGES:
            return False
        if any(getattr(response, name, None) is not None for name in CSP_RESPONSE_ATTRIBUTES):
            return False
        if HEADER in response or HEADER_REPORT_ONLY in response:
            return False
        for name in ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY"):
            prefixes = (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if prefixes and request.path_info.startswith(tuple(prefixes)):
                return False
        return True
