"""Provinces and district-level units, effective-dated like everything else."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from districts.choices import DistrictKind
from districts.text import search_key


class ProvinceManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Province(models.Model):
    """A province (tỉnh), identified by its GSO code: Quảng Ninh is 22."""

    code = models.CharField(_("mã GSO"), max_length=3, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    search_name = models.CharField(max_length=100, editable=False, db_index=True)

    objects = ProvinceManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("tỉnh")
        verbose_name_plural = _("tỉnh")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = search_key(self.name)
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.code,)


class DistrictManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class District(models.Model):
    """A district-level unit (đơn vị hành chính cấp huyện): huyện, thị xã or thành phố.

    A district is valid from `established_on` (empty: before the period recorded) until
    `dissolved_on` (exclusive); when dissolved, `successor` names the district that took
    it over, as Hạ Long took over Hoành Bồ on 2020-01-01.
    """

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="districts", verbose_name=_("tỉnh"))
    code = models.CharField(_("mã GSO"), max_length=5, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    kind = models.CharField(_("loại"), max_length=12, choices=DistrictKind.choices)
    established_on = models.DateField(_("thành lập ngày"), null=True, blank=True)
    dissolved_on = models.DateField(_("giải thể ngày"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="predecessors",
        verbose_name=_("đơn vị kế thừa"),
    )
    search_name = models.CharField(max_length=100, editable=False, db_index=True)

    objects = DistrictManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("đơn vị cấp huyện")
        verbose_name_plural = _("đơn vị cấp huyện")
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True)
                | Q(established_on__isnull=True)
                | Q(dissolved_on__gte=F("established_on")),
                name="district_dissolved_after_established",
                violation_error_message=_("Ngày giải thể không được trước ngày thành lập."),
            ),
            models.CheckConstraint(
                condition=~Q(successor=F("id")),
                name="district_not_own_successor",
                violation_error_message=_("Một đơn vị không thể kế thừa chính nó."),
            ),
        ]

    def __str__(self):
        return self.full_name

    def save(self, *args, **kwargs):
        self.search_name = search_key(f"{self.get_kind_display()} {self.name}")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("districts:district", kwargs={"code": self.code})

    def natural_key(self):
        return (self.code,)

    @property
    def full_name(self) -> str:
        """ "Thành phố Hạ Long", "Huyện Đầm Hà"."""
        return f"{self.get_kind_display()} {self.name}"

    def is_active_on(self, day) -> bool:
        return (self.established_on is None or self.established_on <= day) and (
            self.dissolved_on is None or self.dissolved_on > day
        )


class EditorScope(models.Model):
    """The districts an editor may write for. No scope: every district; an empty scope: none."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="editor_scope",
        verbose_name=_("người dùng"),
    )
    districts = models.ManyToManyField(District, blank=True, related_name="+", verbose_name=_("đơn vị được phép"))

    class Meta:
        verbose_name = _("phạm vi biên tập")
        verbose_name_plural = _("phạm vi biên tập")

    def __str__(self):
        return str(self.user)
