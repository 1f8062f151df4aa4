"""Choices of the districts app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DistrictKind(models.TextChoices):
    CITY = "thanh-pho", _("Thành phố")
    TOWN = "thi-xa", _("Thị xã")
    RURAL = "huyen", _("Huyện")
