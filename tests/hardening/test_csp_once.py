"""The CSP headers built once (config.middleware.CSPMiddleware) are django-csp's own, for plain
responses and for every way a view or the settings change them (issue 17)."""

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONE, SELF, UNSAFE_INLINE
from csp.decorators import csp, csp_exempt, csp_replace, csp_update
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpResponse, HttpResponseNotFound
from django.test import RequestFactory

from config import middleware
from config.middleware import CSPMiddleware

# django-csp's order of the directives follows a set's: it differs from one process to another.
EXPECTED = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
}


def plain(request):
    return HttpResponse("ok")


def with_nonce(request):
    return HttpResponse(f"nonce {request.csp_nonce}")


def preset(request):
    response = HttpResponse("ok")
    response[HEADER] = "default-src 'none'"
    return response


def not_found(request):
    return HttpResponseNotFound("no")


VIEWS = {
    "plain": plain,
    "nonce": with_nonce,
    "preset": preset,
    "not found": not_found,
    "update": csp_update({"style-src": [UNSAFE_INLINE]})(plain),
    "replace": csp_replace({"img-src": [SELF]})(plain),
    "config": csp({"default-src": [NONE]})(plain),
    "exempt": csp_exempt()(plain),
    "update report-only": csp_update({"style-src": [UNSAFE_INLINE]}, REPORT_ONLY=True)(plain),
}


def headers(middleware_class, view, path="/districts/"):
    request = RequestFactory().get(path)
    response = middleware_class(view)(request)
    return {name: response.get(name) for name in (HEADER, HEADER_REPORT_ONLY)}, request


@pytest.mark.parametrize("name", list(VIEWS))
def test_the_headers_are_django_csp_s(name):
    ours, _ = headers(CSPMiddleware, VIEWS[name])
    theirs, _ = headers(DjangoCSPMiddleware, VIEWS[name])
    assert ours == theirs


def test_a_plain_response_gets_the_settings_policy_built_once():
    middleware.plain_policies.cache_clear()
    for path in ("/districts/", "/api/v1/districts/"):
        got = headers(CSPMiddleware, plain, path)[0]
        assert set(got[HEADER].split("; ")) == EXPECTED
        assert got[HEADER_REPORT_ONLY] is None
    assert middleware.plain_policies.cache_info().misses == 1
    assert middleware.plain_policies.cache_info().hits == 1


def test_the_nonce_cannot_be_asked_for_after_the_headers_are_written():
    _, request = headers(CSPMiddleware, plain)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_settings_changed_report_only_excluded_paths_and_debug(settings):
    """Each change of the settings is seen at once, as django-csp reads them on every response."""
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": {"default-src": [SELF], "report-uri": "/csp/"}}
    ours, _ = headers(CSPMiddleware, plain)
    assert ours == headers(DjangoCSPMiddleware, plain)[0]
    assert ours[HEADER_REPORT_ONLY] == "default-src 'self'; report-uri /csp/"
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "EXCLUDE_URL_PREFIXES": ["/admin/"],
    }
    for path in ("/admin/", "/districts/"):
        assert headers(CSPMiddleware, plain, path)[0] == headers(DjangoCSPMiddleware, plain, path)[0]
    assert headers(CSPMiddleware, plain, "/admin/")[0][HEADER] is None
    settings.DEBUG = True
    assert (
        headers(CSPMiddleware, not_found)[0]
        == headers(DjangoCSPMiddleware, not_found)[0]
        == {
            HEADER: None,
            HEADER_REPORT_ONLY: None,
        }
    )
