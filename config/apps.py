"""The project itself as an app, so that its system checks are registered (config/checks.py)."""

from django.apps import AppConfig


class ProjectConfig(AppConfig):
    name = "config"
    label = "project"
    verbose_name = "Quảng Ninh"

    def ready(self):
        from config import checks  # noqa: F401  (registers the checks)
