"""Agencies, merger programmes, mergers and headcounts: everything effective-dated; the
decisions that authorised them (the decision register)."""

import pathlib
import uuid

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.dates import fmt_date
from core.fields import optional_link, recorded_by
from core.managers import CodeManager
from districts.models import District, Province
from districts.text import search_key
from districts.validity import is_valid_on
from mergers.choices import REAL_KINDS, DecisionIssuer, DecisionKind, MergerStatus, Sector, SourceKind


def english_or(name: str, name_en: str) -> str:
    """`name_en` when the active language is English and it is set, else `name`."""
    return name_en if name_en and (translation.get_language() or "").startswith("en") else name


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
    search_name = models.CharField(max_length=420, editable=False, default="")

    objects = CodeManager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["sector", "code"]
        verbose_name = _("loại cơ quan")
        verbose_name_plural = _("loại cơ quan")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = search_key(f"{self.name} {self.name_en}")
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.code,)

    @property
    def display_name(self) -> str:
        """The name in the page's language: `name_en` on English pages when there is one."""
        return english_or(self.name, self.name_en)


class Agency(models.Model):
    """An agency (cơ quan): a body with its own staff in one district.

    Active from `established_on` until `dissolved_on` (exclusive). The establishment date is
    required; when the real one is not known (agencies older than the records), it is an
    estimate and `established_on_estimated` says so. The merger that created it is
    `resulting_mergers`, the one that absorbed it `absorbing_mergers`.
    """

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("đơn vị"))
    agency_type = models.ForeignKey(
        AgencyType, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("loại cơ quan")
    )
    name = models.CharField(_("tên cơ quan"), max_length=255)
    established_on = models.DateField(_("thành lập ngày"))
    established_on_estimated = models.BooleanField(
        _("ngày thành lập là ước tính"),
        default=False,
        help_text=_("Đánh dấu khi không biết chính xác ngày thành lập (ví dụ: cơ quan có trước thời kỳ ghi chép)."),
    )
    dissolved_on = models.DateField(_("chấm dứt hoạt động ngày"), null=True, blank=True)
    established_by = optional_link(
        "Decision", related_name="agencies_established", verbose_name=_("quyết định thành lập")
    )
    dissolved_by = optional_link(
        "Decision", related_name="agencies_dissolved", verbose_name=_("quyết định chấm dứt hoạt động")
    )
    # Where an agency went when it ended outside a merger programme: into an agency of another
    # district with the same function (a district merged into another), or its functions to the
    # province (the end of the district tier). A merger's sources go to its result instead.
    successor = optional_link("self", related_name="predecessors", verbose_name=_("cơ quan tiếp nhận"))
    successor_province = optional_link(Province, related_name="+", verbose_name=_("tỉnh tiếp nhận chức năng"))
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
                condition=Q(dissolved_on__isnull=True) | Q(dissolved_on__gte=F("established_on")),
                name="agency_dissolved_after_established",
                violation_error_message=_("Ngày chấm dứt hoạt động không được trước ngày thành lập."),
            ),
            models.CheckConstraint(condition=~Q(successor=F("id")), name="agency_not_own_successor"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = search_key(self.name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("registry:agency", kwargs={"pk": self.pk})

    def is_active_on(self, day) -> bool:
        return is_valid_on(self.established_on, self.dissolved_on, day)

    # Lineage across districts. From figures.selectors.agency_list_with_lineage's
    # annotation and prefetches when present; otherwise read here.
    @property
    def successor_ids(self) -> list[int]:
        """The result of the completed merger it joined, and the agency it was merged into."""
        if hasattr(self, "merger_successor_id"):
            merged = self.merger_successor_id
        else:
            merged = (
                self.absorbing_mergers.filter(status=MergerStatus.COMPLETED)
                .values_list("result_agency_id", flat=True)
                .first()
            )
        return [pk for pk in (merged, self.successor_id) if pk is not None]

    @property
    def predecessor_list(self) -> list["Agency"]:
        """The sources of the completed merger that created it, then other districts' agencies merged into it."""
        if hasattr(self, "created_by_list"):
            sources = [a for m in self.created_by_list for a in m.source_list]
            merged_in = list(self.merged_in_list)
        else:
            sources = list(
                Agency.objects.filter(
                    absorbing_mergers__result_agency=self, absorbing_mergers__status=MergerStatus.COMPLETED
                ).order_by("pk")
            )
            merged_in = list(self.predecessors.order_by("pk"))
        return sources + merged_in


def decision_scan_path(instance, filename: str) -> str:
    """ "decisions/3f2a....pdf": a random name (the original may say too much), the extension kept."""
    return f"decisions/{uuid.uuid4().hex}{pathlib.Path(filename).suffix.lower()}"


class Decision(models.Model):
    """A decision (quyết định, nghị quyết, kết luận, đề án, kế hoạch) in the register.

    Programmes, mergers and their stages, district changes and agencies' establishment and
    end cite it (`programmes`, `mergers`, `stages`, `districts_dissolved`,
    `agencies_established`, `agencies_dissolved`). A district's body (Huyện ủy, UBND huyện)
    names its `district`. A number, an issuer and a date identify a decision; the date may be
    unknown (null) for a number recorded without one. `source_kind` says whether the number and
    date are confirmed (official) or made up for the demonstration (demo).
    """

    number = models.CharField(_("số"), max_length=50)
    date = models.DateField(_("ngày ban hành"), null=True, blank=True)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=20, choices=DecisionIssuer.choices)
    district = optional_link(District, related_name="decisions", verbose_name=_("đơn vị (cơ quan ban hành cấp huyện)"))
    kind = models.CharField(_("loại văn bản"), max_length=20, choices=DecisionKind.choices)
    title = models.CharField(_("trích yếu"), max_length=500, blank=True)
    scan = models.FileField(
        _("bản chụp"),
        upload_to=decision_scan_path,
        blank=True,
        max_length=255,
        help_text=_("PDF, PNG hoặc JPEG; chỉ người đã đăng nhập mới xem được."),
    )
    source = models.CharField(_("nguồn"), max_length=255, blank=True)
    source_kind = models.CharField(
        _("loại nguồn"),
        max_length=12,
        choices=SourceKind.choices,
        default=SourceKind.OFFICIAL,
        help_text=_("Số và ngày là chính thức (đã xác nhận) hay minh họa (demo)."),
    )
    note = models.TextField(_("ghi chú"), blank=True)
    search_name = models.CharField(max_length=600, editable=False, db_index=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = [F("date").asc(nulls_last=True), "number", "id"]
        verbose_name = _("quyết định")
        verbose_name_plural = _("quyết định")
        constraints = [
            models.UniqueConstraint(
                fields=["number", "issuer", "date"],
                condition=Q(district__isnull=True),
                name="decision_unique_number_issuer_date",
                violation_error_message=_("Sổ đã có văn bản này (cùng số, cơ quan ban hành và ngày)."),
            ),
            models.UniqueConstraint(
                fields=["number", "issuer", "date", "district"],
                condition=Q(district__isnull=False),
                name="decision_unique_number_issuer_date_district",
                violation_error_message=_("Sổ đã có văn bản này (cùng số, cơ quan ban hành, đơn vị và ngày)."),
            ),
            models.CheckConstraint(condition=~Q(number=""), name="decision_has_number"),
        ]

    def __str__(self):
        if self.date:
            return f"{self.number} ({fmt_date(self.date)})"
        return self.number

    def save(self, *args, **kwargs):
        self.search_name = search_key(f"{self.number} {self.title}")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("registry:decision", kwargs={"pk": self.pk})

    @property
    def is_demo(self) -> bool:
        """Made up (demo, synthetic): neither an official record nor a published source."""
        return self.source_kind not in REAL_KINDS

    @property
    def issuer_name(self) -> str:
        """ "Ban Thường vụ Tỉnh ủy", "Huyện ủy Hoành Bồ"."""
        label = str(self.get_issuer_display())
        return f"{label} {self.district.name}" if self.district_id else label


class Programme(models.Model):
    """A merger programme (đề án): which agency types merge into which, under which decision.

    `stages`: the stages its mergers pass after "planned", in order (for instance titles
    unified, approved, completed); skipping one needs a recorded reason. Empty: no rule.
    """

    code = models.SlugField(_("mã"), max_length=50, unique=True)
    name = models.CharField(_("tên đề án"), max_length=255)
    name_en = models.CharField(_("tên (tiếng Anh)"), max_length=255, blank=True)
    decision = optional_link(Decision, related_name="programmes", verbose_name=_("quyết định"))
    stages = models.JSONField(_("các giai đoạn"), default=list, blank=True)
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
    search_name = models.CharField(max_length=520, editable=False, default="")
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = CodeManager()
    history = HistoricalRecords(m2m_fields=[source_types])

    class Meta:
        ordering = [F("decision__date").asc(nulls_last=True), "code"]
        verbose_name = _("đề án")
        verbose_name_plural = _("đề án")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = search_key(f"{self.name} {self.name_en}")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("registry:programme", kwargs={"code": self.code})

    @property
    def display_name(self) -> str:
        """The name in the page's language: `name_en` on English pages when there is one."""
        return english_or(self.name, self.name_en)

    def natural_key(self):
        return (self.code,)

    # The decision's number and date under the names the programme had before the register.
    @property
    def decision_number(self) -> str:
        return self.decision.number if self.decision_id else ""

    @property
    def decided_on(self):
        return self.decision.date if self.decision_id else None


class Merger(models.Model):
    """One district's merger (hợp nhất) under a programme: sources become one result agency."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="mergers", verbose_name=_("đề án"))
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="mergers", verbose_name=_("đơn vị"))
    source_agencies = models.ManyToManyField(
        Agency, related_name="absorbing_mergers", verbose_name=_("cơ quan hợp nhất")
    )
    result_agency = optional_link(Agency, related_name="resulting_mergers", verbose_name=_("cơ quan sau hợp nhất"))
    decision = models.ForeignKey(
        Decision, on_delete=models.PROTECT, related_name="mergers", verbose_name=_("quyết định")
    )
    effective_on = models.DateField(_("ngày hiệu lực"), null=True, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=20, choices=MergerStatus.choices, default=MergerStatus.PLANNED
    )
    source_kind = models.CharField(
        _("loại nguồn"),
        max_length=12,
        choices=SourceKind.choices,
        default=SourceKind.OFFICIAL,
        help_text=_("Ngày và số quyết định là chính thức, đã công bố (báo chí), minh họa hay tổng hợp."),
    )
    source = models.CharField(_("nguồn"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(m2m_fields=[source_agencies])

    class Meta:
        ordering = [F("programme__decision__date").asc(nulls_last=True), "programme__code", "district__code"]
        verbose_name = _("hợp nhất")
        verbose_name_plural = _("hợp nhất")
        indexes = [models.Index(fields=["status", "effective_on"], name="merger_status_effective")]
        constraints = [
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
        return reverse("registry:merger", kwargs={"pk": self.pk})

    @property
    def is_demo(self) -> bool:
        return self.source_kind not in REAL_KINDS

    # The decision's number and date under the names the merger had before the register
    # (the API still answers with them). The effective date is never before `decided_on`
    # (services.merger_complete).
    @property
    def decision_number(self) -> str:
        return self.decision.number

    @property
    def decided_on(self):
        return self.decision.date


class MergerStage(models.Model):
    """A dated step in a merger's history (planned, titles unified, approved, completed ...)."""

    merger = models.ForeignKey(Merger, on_delete=models.CASCADE, related_name="stages", verbose_name=_("hợp nhất"))
    status = models.CharField(_("giai đoạn"), max_length=20, choices=MergerStatus.choices)
    on = models.DateField(_("ngày"))
    note = models.TextField(_("ghi chú"), blank=True)
    decision = optional_link(Decision, related_name="stages", verbose_name=_("quyết định"))
    # The programme's stages this move went past without passing them, and why.
    skipped = models.JSONField(_("giai đoạn bỏ qua"), default=list, blank=True)
    skip_reason = models.TextField(_("lý do bỏ qua"), blank=True)
    created_by = recorded_by(_("người ghi"))
    created_at = models.DateTimeField(_("ghi lúc"), auto_now_add=True)

    class Meta:
        ordering = ["merger", "on", "id"]
        verbose_name = _("giai đoạn hợp nhất")
        verbose_name_plural = _("giai đoạn hợp nhất")

    def __str__(self):
        return f"{self.get_status_display()} ({fmt_date(self.on)})"

    @property
    def skipped_labels(self) -> list[str]:
        labels = dict(MergerStatus.choices)
        return [str(labels.get(s, s)) for s in self.skipped or []]


class HeadcountRecord(models.Model):
    """An agency's staffing on a date: authorised (biên chế được giao) and actual headcount.

    The record holds from `as_of` until the agency's next record. `source` names where the
    figure comes from and `source_kind` whether it is official, published (the articles), demo or synthetic.
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
        return f"{self.agency} @ {fmt_date(self.as_of)}"

    @property
    def is_demo(self) -> bool:
        return self.source_kind not in REAL_KINDS


class PublishedAggregate(models.Model):
    """A province-level figure of a programme from a published source (số liệu tổng hợp đã công
    bố), with its citation: the 2017 article's "12/14 đơn vị" and "tinh giản 12,54% biên chế" for
    the MTTQ bloc on 27/09/2017, for instance.

    It describes the province on `on` and holds until the programme's figures can next change
    (a merger of the programme takes effect in the province, or one of its districts starts or
    ends): `figures.engine.programme_figures` shows it instead of the sum of the districts'
    figures while it holds, and says so when the two disagree. Each figure is optional: the
    source gives what it gives. The headcounts and the percentage are authorised headcounts.
    """

    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="published_aggregates", verbose_name=_("tỉnh")
    )
    programme = models.ForeignKey(
        Programme, on_delete=models.PROTECT, related_name="published_aggregates", verbose_name=_("đề án")
    )
    on = models.DateField(_("số liệu tính đến ngày"))
    completed = models.PositiveSmallIntegerField(_("số đơn vị đã hoàn thành"), null=True, blank=True)
    total = models.PositiveSmallIntegerField(_("tổng số đơn vị"), null=True, blank=True)
    headcount_before = models.PositiveIntegerField(_("biên chế trước hợp nhất"), null=True, blank=True)
    headcount_after = models.PositiveIntegerField(_("biên chế sau hợp nhất"), null=True, blank=True)
    reduction_pct = models.DecimalField(
        _("tỷ lệ tinh giản biên chế (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    focal_points_removed = models.PositiveIntegerField(_("số đầu mối giảm"), null=True, blank=True)
    source = models.CharField(_("nguồn"), max_length=255)
    source_kind = models.CharField(
        _("loại nguồn"), max_length=12, choices=SourceKind.choices, default=SourceKind.PUBLISHED
    )
    decision = optional_link(
        Decision, related_name="published_aggregates", verbose_name=_("văn bản được nguồn viện dẫn")
    )
    note = models.TextField(_("ghi chú"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    FIGURES = ("completed", "total", "headcount_before", "headcount_after", "reduction_pct", "focal_points_removed")

    class Meta:
        ordering = ["province", "programme", "on"]
        verbose_name = _("số liệu tổng hợp đã công bố")
        verbose_name_plural = _("số liệu tổng hợp đã công bố")
        constraints = [
            models.UniqueConstraint(
                fields=["province", "programme", "on"],
                name="published_aggregate_one_per_programme_date",
                violation_error_message=_("Đề án này đã có số liệu công bố của tỉnh cho ngày này."),
            ),
            models.CheckConstraint(
                condition=Q(source_kind__in=REAL_KINDS),
                name="published_aggregate_real_source",
                violation_error_message=_("Số liệu công bố phải lấy từ văn bản chính thức hoặc nguồn đã công bố."),
            ),
            models.CheckConstraint(
                condition=~Q(source=""),
                name="published_aggregate_has_source",
                violation_error_message=_("Cần ghi nguồn của số liệu."),
            ),
            models.CheckConstraint(
                condition=Q(completed__isnull=False)
                | Q(total__isnull=False)
                | Q(headcount_before__isnull=False)
                | Q(headcount_after__isnull=False)
                | Q(reduction_pct__isnull=False)
                | Q(focal_points_removed__isnull=False),
                name="published_aggregate_has_a_figure",
                violation_error_message=_("Cần ít nhất một số liệu."),
            ),
            models.CheckConstraint(
                condition=Q(completed__isnull=True) | Q(total__isnull=True) | Q(completed__lte=F("total")),
                name="published_aggregate_completed_within_total",
                violation_error_message=_("Số đơn vị đã hoàn thành không được lớn hơn tổng số đơn vị."),
            ),
            models.CheckConstraint(
                condition=Q(reduction_pct__isnull=True) | (Q(reduction_pct__gte=-100) & Q(reduction_pct__lte=100)),
                name="published_aggregate_pct_in_range",
                violation_error_message=_("Tỷ lệ tinh giản phải trong khoảng -100% đến 100%."),
            ),
        ]

    def __str__(self):
        return f"{self.programme.code} · {self.province.name} @ {fmt_date(self.on)}"

    def figures(self) -> dict:
        """{figure: value} of the figures the source gives (the percentage as a float)."""
        out = {}
        for name in self.FIGURES:
            value = getattr(self, name)
            if value is not None:
                out[name] = float(value) if name == "reduction_pct" else value
        return out
