"""Agencies, merger programmes, mergers and headcounts: everything effective-dated."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from districts.models import District
from districts.text import search_key
from mergers.choices import MergerStatus, Sector, SourceKind


class AgencyTypeManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class AgencyType(models.Model):
    """A kind of agency in the catalogue: Ban Tổ chức, Phòng Nội vụ, Hội Nông dân ...

    `in_district_quota` is off for bodies whose staff the district does not count, such as
    the Labour Federation, whose staffing stays managed by the union hierarchy.
    """

    code = models.SlugField(_("mã"), max_length=50, unique=True)
    name = models.CharField(_("tên (tiếng Việt)"), max_length=200)
    name_en = models.CharField(_("tên (tiếng Anh)"), max_length=200)
    sector = models.CharField(_("khối"), max_length=12, choices=Sector.choices)
    in_district_quota = models.BooleanField(
        _("tính vào biên chế cấp huyện"),
        default=True,
        help_text=_("Bỏ chọn nếu biên chế của loại cơ quan này do hệ thống khác quản lý."),
    )

    objects = AgencyTypeManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["sector", "code"]
        verbose_name = _("loại cơ quan")
        verbose_name_plural = _("loại cơ quan")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)


class Agency(models.Model):
    """An agency (cơ quan): a body with its own staff in one district.

    Active from `established_on` (empty: before the period recorded) until `dissolved_on`
    (exclusive). The merger that created it is `resulting_mergers`, the one that absorbed it
    `absorbing_mergers`.
    """

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("đơn vị"))
    agency_type = models.ForeignKey(
        AgencyType, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("loại cơ quan")
    )
    name = models.CharField(_("tên cơ quan"), max_length=255)
    established_on = models.DateField(_("thành lập ngày"), null=True, blank=True)
    dissolved_on = models.DateField(_("chấm dứt hoạt động ngày"), null=True, blank=True)
    search_name = models.CharField(max_length=255, editable=False, db_index=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["district__code", "agency_type__sector", "name"]
        verbose_name = _("cơ quan")
        verbose_name_plural = _("cơ quan")
        indexes = [models.Index(fields=["district", "dissolved_on"], name="agency_district_dissolved")]
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True)
                | Q(established_on__isnull=True)
                | Q(dissolved_on__gte=F("established_on")),
                name="agency_dissolved_after_established",
                violation_error_message=_("Ngày chấm dứt hoạt động không được trước ngày thành lập."),
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = search_key(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("mergers:agency", kwargs={"pk": self.pk})

    def is_active_on(self, day) -> bool:
        return (self.established_on is None or self.established_on <= day) and (
            self.dissolved_on is None or self.dissolved_on > day
        )


class ProgrammeManager(models.Manager):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class Programme(models.Model):
    """A merger programme (đề án): which agency types merge into which, under which decision."""

    code = models.SlugField(_("mã"), max_length=50, unique=True)
    name = models.CharField(_("tên đề án"), max_length=255)
    name_en = models.CharField(_("tên (tiếng Anh)"), max_length=255, blank=True)
    decision_number = models.CharField(_("số quyết định"), max_length=50, blank=True)
    decided_on = models.DateField(_("ngày quyết định"), null=True, blank=True)
    description = models.TextField(_("mô tả"), blank=True)
    source_types = models.ManyToManyField(
        AgencyType, related_name="source_of_programmes", verbose_name=_("loại cơ quan hợp nhất")
    )
    result_type = models.ForeignKey(
        AgencyType,
        on_delete=models.PROTECT,
        related_name="result_of_programmes",
        verbose_name=_("loại cơ quan sau hợp nhất"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ProgrammeManager()
    history = HistoricalRecords(m2m_fields=[source_types])

    class Meta:
        ordering = ["decided_on", "code"]
        verbose_name = _("đề án")
        verbose_name_plural = _("đề án")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("mergers:programme", kwargs={"code": self.code})

    def natural_key(self):
        return (self.code,)


class Merger(models.Model):
    """One district's merger (hợp nhất) under a programme: sources become one result agency."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="mergers", verbose_name=_("đề án"))
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="mergers", verbose_name=_("đơn vị"))
    source_agencies = models.ManyToManyField(
        Agency, related_name="absorbing_mergers", verbose_name=_("cơ quan hợp nhất")
    )
    result_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resulting_mergers",
        verbose_name=_("cơ quan sau hợp nhất"),
    )
    decision_number = models.CharField(_("số quyết định"), max_length=50)
    decided_on = models.DateField(_("ngày quyết định"))
    effective_on = models.DateField(_("ngày hiệu lực"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=MergerStatus.choices, default=MergerStatus.PLANNED
    )
    source_kind = models.CharField(
        _("loại nguồn"),
        max_length=12,
        choices=SourceKind.choices,
        default=SourceKind.OFFICIAL,
        help_text=_("Ngày và số quyết định là chính thức, minh họa hay tổng hợp."),
    )
    source = models.CharField(_("nguồn"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(m2m_fields=[source_agencies])

    class Meta:
        ordering = ["programme__decided_on", "programme__code", "district__code"]
        verbose_name = _("hợp nhất")
        verbose_name_plural = _("hợp nhất")
        indexes = [models.Index(fields=["status", "effective_on"], name="merger_status_effective")]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_on__isnull=True) | Q(effective_on__gte=F("decided_on")),
                name="merger_effective_after_decision",
                violation_error_message=_("Ngày hiệu lực không được trước ngày quyết định."),
            ),
            models.CheckConstraint(
                condition=~Q(status=MergerStatus.COMPLETED)
                | Q(effective_on__isnull=False, result_agency__isnull=False),
                name="merger_completed_has_result",
                violation_error_message=_("Hợp nhất đã hoàn thành phải có ngày hiệu lực và cơ quan sau hợp nhất."),
            ),
            models.UniqueConstraint(
                fields=["programme", "district"],
                condition=~Q(status=MergerStatus.CANCELLED),
                name="merger_one_open_per_programme_district",
                violation_error_message=_("Đơn vị này đã có một hợp nhất theo đề án này."),
            ),
        ]

    def __str__(self):
        return f"{self.programme.name} – {self.district.full_name}"

    def get_absolute_url(self):
        return reverse("mergers:merger", kwargs={"pk": self.pk})

    @property
    def is_demo(self) -> bool:
        return self.source_kind != SourceKind.OFFICIAL


class MergerStage(models.Model):
    """A dated step in a merger's history (planned, titles unified, approved, completed ...)."""

    merger = models.ForeignKey(Merger, on_delete=models.CASCADE, related_name="stages", verbose_name=_("hợp nhất"))
    status = models.CharField(_("giai đoạn"), max_length=20, choices=MergerStatus.choices)
    on = models.DateField(_("ngày"))
    note = models.TextField(_("ghi chú"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("người ghi"),
    )
    created_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)

    class Meta:
        ordering = ["merger", "on", "id"]
        verbose_name = _("giai đoạn hợp nhất")
        verbose_name_plural = _("giai đoạn hợp nhất")

    def __str__(self):
        return f"{self.get_status_display()} ({self.on:%d/%m/%Y})"


class HeadcountRecord(models.Model):
    """An agency's staffing on a date: authorised (biên chế được giao) and actual headcount.

    The record holds from `as_of` until the agency's next record. `source` names where the
    figure comes from and `source_kind` whether it is official, demo or synthetic.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="headcounts", verbose_name=_("cơ quan"))
    as_of = models.DateField(_("tính đến ngày"))
    authorised = models.PositiveIntegerField(_("biên chế được giao"), null=True, blank=True)
    actual = models.PositiveIntegerField(_("số người làm việc thực tế"), null=True, blank=True)
    source = models.CharField(_("nguồn"), max_length=255)
    source_kind = models.CharField(
        _("loại nguồn"), max_length=12, choices=SourceKind.choices, default=SourceKind.OFFICIAL
    )
    created_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["agency", "-as_of"]
        verbose_name = _("số liệu biên chế")
        verbose_name_plural = _("số liệu biên chế")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "as_of"],
                name="headcount_one_per_agency_date",
                violation_error_message=_("Cơ quan này đã có số liệu biên chế cho ngày này."),
            ),
            models.CheckConstraint(
                condition=Q(authorised__gte=0) | Q(authorised__isnull=True),
                name="headcount_authorised_not_negative",
                violation_error_message=_("Biên chế được giao không được âm."),
            ),
            models.CheckConstraint(
                condition=Q(actual__gte=0) | Q(actual__isnull=True),
                name="headcount_actual_not_negative",
                violation_error_message=_("Số người làm việc thực tế không được âm."),
            ),
            models.CheckConstraint(
                condition=Q(authorised__isnull=False) | Q(actual__isnull=False),
                name="headcount_has_a_figure",
                violation_error_message=_("Cần ít nhất một số liệu: biên chế được giao hoặc thực tế."),
            ),
            models.CheckConstraint(
                condition=~Q(source=""),
                name="headcount_has_source",
                violation_error_message=_("Cần ghi nguồn của số liệu."),
            ),
        ]

    def __str__(self):
        return f"{self.agency} @ {self.as_of:%d/%m/%Y}"

    @property
    def is_demo(self) -> bool:
        return self.source_kind != SourceKind.OFFICIAL
