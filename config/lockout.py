"""The page shown by django-axes when a username+IP is locked out after too many failed logins."""

from axes.helpers import get_cool_off
from django.conf import settings
from django.shortcuts import render


def lockout_response(request, original_response=None, credentials=None):
    """429 with the lockout page; AXES_LOCKOUT_CALLABLE (axes passes these three arguments)."""
    cool_off = get_cool_off(request)
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=settings.AXES_HTTP_RESPONSE_CODE)
