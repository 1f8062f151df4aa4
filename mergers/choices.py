"""Choices of the mergers app: sectors, merger stages, where a figure comes from."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    PARTY = "party", _("Đảng")
    GOVERNMENT = "government", _("Chính quyền")
    FRONT = "front", _("MTTQ và các đoàn thể")


class MergerStatus(models.TextChoices):
    PLANNED = "planned", _("Kế hoạch")
    TITLES_UNIFIED = "titles_unified", _("Nhất thể hóa chức danh")
    APPROVED = "approved", _("Đã phê duyệt")
    COMPLETED = "completed", _("Hoàn thành")
    CANCELLED = "cancelled", _("Đã hủy")


# The order in which a merger moves forward; completion and cancellation have their own services.
STAGE_ORDER = [MergerStatus.PLANNED, MergerStatus.TITLES_UNIFIED, MergerStatus.APPROVED, MergerStatus.COMPLETED]
OPEN_STATUSES = [MergerStatus.PLANNED, MergerStatus.TITLES_UNIFIED, MergerStatus.APPROVED]


class SourceKind(models.TextChoices):
    """Where a figure or date comes from, so that real and made-up values are never confused."""

    OFFICIAL = "official", _("Chính thức")
    DEMO = "demo", _("Minh họa (demo)")
    SYNTHETIC = "synthetic", _("Tổng hợp (synthetic)")
