"""English formats: the province's dd/mm/yyyy dates, numbers 1,234.5."""

from django.conf.locale.en.formats import *  # noqa: F403

from config.formats.dates import *  # noqa: F403
