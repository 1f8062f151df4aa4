"""The one natural-key manager: the models whose fixtures name them by `code`."""

from django.db import models


class CodeManager(models.Manager):
    """`get_by_natural_key(code)` for loaddata: provinces, districts, agency types, programmes."""

    def get_by_natural_key(self, code):
        return self.get(code=code)
