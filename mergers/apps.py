from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MergersConfig(AppConfig):
    name = "mergers"
    verbose_name = _("Hợp nhất cơ quan")

    def ready(self):
        from simple_history.signals import pre_create_historical_record

        from mergers.audit import name_the_command

        pre_create_historical_record.connect(name_the_command, dispatch_uid="mergers.audit.name_the_command")
