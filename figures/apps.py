from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FiguresConfig(AppConfig):
    name = "figures"
    verbose_name = _("Số liệu")

    def ready(self):
        from core import readcache
        from figures.engine import records_read_by_mergers_sql

        # Which headcount records the merger figures read: the rule is the figures' (core.readcache).
        readcache.register_merger_records_rule(records_read_by_mergers_sql)
