"""A derived summary for fast reports; the source of truth stays in the other apps.

DistrictFigure is a step series: from `valid_from` until the district's next row, the
district's in-quota headcount (authorised, actual; NULL when an active agency has no record),
its number of active agencies (focal points), of active in-quota agencies, and whether a
record in force for one of these is not official. It is rebuilt for a district whenever one
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
    # Whether the headcount covers any agency at all (0: nothing to count, not missing data),
    # and whether a figure in force for one of them is not official (demo or synthetic).
    quota_agencies = models.PositiveIntegerField(_("số cơ quan tính biên chế"), default=0)
    demo = models.BooleanField(_("có số liệu minh họa"), default=False)

    class Meta:
        verbose_name = _("số liệu tổng hợp theo đơn vị")
        verbose_name_plural = _("số liệu tổng hợp theo đơn vị")
        constraints = [
            models.UniqueConstraint(fields=["district", "valid_from"], name="district_figure_one_per_date"),
        ]

    def __str__(self):
        return f"{self.district_id} @ {self.valid_from}"


class DataVersion(models.Model):
    """One row whose `stamp` changes after every committed write to the data (reports.readcache).

    Cached pages and API responses are keyed on it, so none outlives the data it was built
    from. A random stamp rather than a counter: a database restored from a backup brings back
    the stamp of the data it holds, and can never reuse a number that meant other data.
    """

    stamp = models.BigIntegerField(_("dấu phiên bản dữ liệu"))

    class Meta:
        verbose_name = _("phiên bản dữ liệu")
        verbose_name_plural = _("phiên bản dữ liệu")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="data_version_single_row")]

    def __str__(self):
        return str(self.stamp)
