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
# The stages a programme may require of its mergers after "planned", in order.
PROGRAMME_STAGES = [MergerStatus.TITLES_UNIFIED, MergerStatus.APPROVED, MergerStatus.COMPLETED]


class SourceKind(models.TextChoices):
    """Where a figure or date comes from, so that real and made-up values are never confused."""

    OFFICIAL = "official", _("Chính thức")
    # Taken from a published source (the newspaper articles the data rests on): real, but not an
    # official record. Not demo; shown with its own mark.
    PUBLISHED = "published", _("Đã công bố (báo chí)")
    DEMO = "demo", _("Minh họa (demo)")
    SYNTHETIC = "synthetic", _("Tổng hợp (synthetic)")


# Kinds whose values are real (not made up): a figure summing only these is not demo.
REAL_KINDS = (SourceKind.OFFICIAL, SourceKind.PUBLISHED)


class DecisionIssuer(models.TextChoices):
    """Who issued a decision (the decision register)."""

    PROVINCIAL_PARTY = "tinh-uy", _("Tỉnh ủy")
    PROVINCIAL_STANDING = "btv-tinh-uy", _("Ban Thường vụ Tỉnh ủy")
    PROVINCIAL_COUNCIL = "hdnd-tinh", _("HĐND tỉnh")
    PROVINCIAL_COMMITTEE = "ubnd-tinh", _("UBND tỉnh")
    DISTRICT_PARTY = "huyen-uy", _("Huyện ủy")
    DISTRICT_COMMITTEE = "ubnd-huyen", _("UBND huyện")
    NATIONAL_ASSEMBLY_STANDING = "ubtvqh", _("Ủy ban Thường vụ Quốc hội")
    GOVERNMENT = "chinh-phu", _("Chính phủ")


# Bodies of one district: their decisions name it.
DISTRICT_ISSUERS = [DecisionIssuer.DISTRICT_PARTY, DecisionIssuer.DISTRICT_COMMITTEE]


class DecisionKind(models.TextChoices):
    DECISION = "quyet-dinh", _("Quyết định")
    RESOLUTION = "nghi-quyet", _("Nghị quyết")
    CONCLUSION = "ket-luan", _("Kết luận")
    SCHEME = "de-an", _("Đề án")
    PLAN = "ke-hoach", _("Kế hoạch")
