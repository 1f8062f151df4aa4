"""System checks of the project's settings (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

from config.env import LOCAL_CACHE_BACKENDS

W_LOCAL_CACHE = "project.W001"


@register(Tags.caches, deploy=True)
def shared_cache_check(app_configs, **kwargs):
    """In production the throttles need one cache for every worker (config.env.cache_config)."""
    if settings.DEBUG:
        return []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if backend not in LOCAL_CACHE_BACKENDS:
        return []
    return [
        Warning(
            "DEBUG is off and the default cache is each process's own memory: every gunicorn worker keeps "
            "its own throttle counters (N workers allow N times API_THROTTLE_*), and cached reads are "
            "built once per worker.",
            hint="Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) to share one cache between the workers.",
            id=W_LOCAL_CACHE,
        )
    ]
