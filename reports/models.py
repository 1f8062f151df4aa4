"""The reports app has no data of its own: every figure is computed from the agencies and
their records (figures/engine.py). Its one table is the read cache's data stamp."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DataVersion(models.Model):
    """One row whose `stamp` changes after every committed write to the data (core.readcache).

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


class ProvinceVersion(models.Model):
    """The stamp of one province's data: renewed, with DataVersion's, after each
    committed write to that province's districts, agencies, mergers or headcounts. A cached
    answer about one province is keyed on its stamp and on the shared stamp (province_id 0:
    programmes, agency types, users and rights, the districts' layout), so a write elsewhere
    leaves it valid. A province without a row yet has the stamp 0. The row -2 is the merger
    figures' stamp (core.readcache.MERGER_FIGURES)."""

    province_id = models.BigIntegerField(_("tỉnh"), primary_key=True)  # 0: the data every province shares
    stamp = models.BigIntegerField(_("dấu phiên bản dữ liệu"))

    class Meta:
        verbose_name = _("phiên bản dữ liệu của tỉnh")
        verbose_name_plural = _("phiên bản dữ liệu của tỉnh")

    def __str__(self):
        return f"{self.province_id}: {self.stamp}"
