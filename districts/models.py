"""Provinces and district-level units, effective-dated like everything else."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from unidecode import unidecode

from core.fields import optional_link, recorded_by
from core.managers import CodeManager
from districts.choices import DistrictKind
from districts.text import search_key
from districts.validity import is_valid_on


class Province(models.Model):
    """A province (tỉnh), identified by its GSO code: Quảng Ninh is 22."""

    code = models.CharField(_("mã GSO"), max_length=3, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    search_name = models.CharField(max_length=100, editable=False, db_index=True)

    objects = CodeManager()

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


class District(models.Model):
    """A district-level unit (đơn vị hành chính cấp huyện): huyện, thị xã or thành phố.

    A district is valid from `established_on` (empty: before the period recorded) until
    `dissolved_on` (exclusive); when dissolved, `successor` names the district that took
    it over, as Hạ Long took over Hoành Bồ on 2020-01-01, or `successor_province` the
    province that took over its functions, as when the district tier ended on 2025-07-01.
    `dissolution_decision` is the decision (in the register, mergers.Decision) that did it.
    """

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="districts", verbose_name=_("tỉnh"))
    code = models.CharField(_("mã GSO"), max_length=5, unique=True)
    name = models.CharField(_("tên"), max_length=100)
    kind = models.CharField(_("loại"), max_length=12, choices=DistrictKind.choices)
    established_on = models.DateField(_("thành lập ngày"), null=True, blank=True)
    dissolved_on = models.DateField(_("giải thể ngày"), null=True, blank=True)
    successor = optional_link("self", related_name="predecessors", verbose_name=_("đơn vị kế thừa"))
    successor_province = optional_link(Province, related_name="+", verbose_name=_("tỉnh tiếp nhận chức năng"))
    dissolution_decision = optional_link(
        "mergers.Decision", related_name="districts_dissolved", verbose_name=_("quyết định giải thể")
    )
    search_name = models.CharField(max_length=100, editable=False, db_index=True)

    objects = CodeManager()
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
        with translation.override("vi"):  # the same key whatever the language of the request
            self.search_name = search_key(f"{self.get_kind_display()} {self.name}")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("districts:district", kwargs={"code": self.code})

    def natural_key(self):
        return (self.code,)

    @property
    def full_name(self) -> str:
        """ "Thành phố Hạ Long", "Huyện Đầm Hà"; in English "Ha Long City", "Dam Ha District"."""
        return self.full_name_in(translation.get_language())

    def full_name_in(self, language: str | None) -> str:
        """`full_name` in `language`: a report naming 700 districts asks for the language once."""
        if (language or "").startswith("en"):
            return f"{unidecode(self.name)} {kind_label(self.kind, language)}"
        return f"{kind_label(self.kind, language)} {self.name}"

    def is_active_on(self, day) -> bool:
        return is_valid_on(self.established_on, self.dissolved_on, day)


# (language, kind) -> the kind's label: a national report names 700 districts, and resolving the
# lazy label each time was a quarter of its Python time. The catalogues do not change while the
# process runs; tests/districts/test_models.py checks it equals get_kind_display().
_KIND_LABELS: dict[tuple[str | None, str], str] = {}


def kind_label(kind: str, language: str | None = None) -> str:
    """`District.get_kind_display()` for `kind` in `language` (default: the active one), translated
    once per language."""
    if language is None:
        language = translation.get_language()
    key = (language, kind)
    label = _KIND_LABELS.get(key)
    if label is None:
        with translation.override(language):
            label = _KIND_LABELS[key] = str(dict(DistrictKind.choices).get(kind, kind))
    return label


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


class AccessChange(models.Model):
    """One change of a user's role or district scope, made by an administrator (the history of
    who may do what). A scope is a list of district codes, or None for the whole province."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_changes", verbose_name=_("người dùng")
    )
    changed_by = recorded_by(_("người thay đổi"))
    changed_at = models.DateTimeField(_("lúc"), auto_now_add=True)
    role_before = models.CharField(_("vai trò trước"), max_length=50, blank=True)
    role_after = models.CharField(_("vai trò sau"), max_length=50, blank=True)
    scope_before = models.JSONField(_("phạm vi trước"), null=True, blank=True)
    scope_after = models.JSONField(_("phạm vi sau"), null=True, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("thay đổi quyền")
        verbose_name_plural = _("thay đổi quyền")

    def __str__(self):
        return f"{self.user} @ {self.changed_at:%d/%m/%Y %H:%M}"
