"""Request middleware: Vietnamese first, no NUL in a URL, the API's RateLimit headers."""

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
