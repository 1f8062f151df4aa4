"""Vietnamese formats: dates dd/mm/yyyy, numbers 1.234,5."""

from django.conf.locale.vi.formats import *  # noqa: F403

from config.formats.dates import *  # noqa: F403

DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
