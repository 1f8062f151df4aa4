from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app uses: the read cache, error types, input validation, roles, dates, the API base."""

    name = "core"
    verbose_name = _("Dùng chung")

    def ready(self):
        from django.db.backends.signals import connection_created
        from simple_history.signals import pre_create_historical_record

        from core import prepared, readcache
        from core.audit import name_the_command

        readcache.connect_signals()
        connection_created.connect(prepared.install, dispatch_uid="core.prepared.install")
        pre_create_historical_record.connect(name_the_command, dispatch_uid="core.audit.name_the_command")
