"""A derived summary for fast reports; the source of truth stays in the other apps.

DistrictFigure is a step series: from `valid_from` until the district's next row, the
district's in-quota headcount (authorised, actual; NULL when an active agency has no record)
and its number of active agencies (focal points). It is rebuilt for a district whenever one
of its agencies, their headcounts or the district itself is saved (reports.summary), so a
report reads one row per district instead of scanning the headcount records.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from districts.models import District


class DistrictFigure(models.Model):
    district = models.ForeignKey(District, on_delete=models.CASCADE, related_name="figures")
    valid_from = models.DateField(_("từ ngày"))
    authorised = models.PositiveIntegerField(_("biên chế được giao"), null=True)
    actual = models.PositiveIntegerField(_("số người làm việc thực tế"), null=True)
    agencies = models.PositiveIntegerField(_("số đầu mối"))

    class Meta:
        verbose_name = _("số liệu tổng hợp theo đơn vị")
        verbose_name_plural = _("số liệu tổng hợp theo đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["district", "valid_from"], name="district_figure_one_per_date"),
        ]

    def __str__(self):
        return f"{self.district_id} @ {self.valid_from}"
