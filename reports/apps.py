from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Báo cáo")

    def ready(self):
        from reports import readcache, summary  # noqa: F401  (summary connects the signals that keep DistrictFigure in step)

        readcache.connect_signals()
