"""The computed reports: staffing change and merger progress, from reports/selectors.py."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.filters import check_query
from core.api.permissions import HasPermissions
from core.api.renderers import CSVRenderer
from core.api.views import CachedReadMixin, CSVHeaderMixin, JSONErrorsMixin
from core.roles import REPORT_PERMISSIONS
from figures.engine import default_as_of, within_tier
from reports.api.serializers import (
    ActualParamsSerializer,
    ActualReportSerializer,
    FocalPointParamsSerializer,
    FocalPointReportSerializer,
    GapSerializer,
    ProgrammeProgressSerializer,
    ProgressParamsSerializer,
    ProgressReportSerializer,
    StaffingParamsSerializer,
    StaffingReportSerializer,
    StaffingRowSerializer,
)
from reports.selectors import (
    actual_report,
    actual_report_dict,
    district_tier,
    programme_figures,
    progress_dict,
    progress_totals,
    reconcile_focal_points,
    report_period,
    staffing_report,
    tier_dict,
    tier_message,
)


class ReportView(CachedReadMixin, JSONErrorsMixin, CSVHeaderMixin, APIView):
    """A report as JSON, or its rows as CSV (`?format=csv`: one row per district or programme,
    the period's parameters repeated in the first columns, so that several files concatenate)."""

    read_cache_province_param = "province"  # a report of one province shows only its districts
    permission_classes = [HasPermissions]
    required_permissions = REPORT_PERMISSIONS
    renderer_classes = [JSONRenderer, CSVRenderer]
    params_class = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Unknown or repeated parameters: a 400 naming them (even when the read cache holds the URL).
        check_query(request.query_params, {"format", *self.params_class().fields})

    def wants_csv(self) -> bool:
        return getattr(self.request.accepted_renderer, "format", None) == "csv"

    def csv_response(self, rows: list[dict], period: dict, serializer) -> Response:
        """Columns: the period's parameters, then the row's fields in the JSON's order."""
        header = [*period, *(rows[0] if rows else serializer.fields)]
        self.csv_header = header
        return Response({"results": [{**period, **row} for row in rows]})

    def get_renderer_context(self):
        context = super().get_renderer_context()
        if getattr(self, "csv_header", None):
            context["header"] = self.csv_header
        return context

    def params(self) -> dict:
        serializer = self.params_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def period(self, params: dict):
        """The engine's report period (the web form's defaults and checks): 400 naming the field."""
        try:
            return report_period(
                province=params.get("province"),
                baseline=params.get("baseline"),
                as_of=params.get("as_of"),
                measure=params.get("measure"),
                like_for_like=params.get("like_for_like", False),
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc


class StaffingReportView(ReportView):
    """Each district's headcount and focal points on a baseline date and on a later date."""

    params_class = StaffingParamsSerializer

    @extend_schema(parameters=[StaffingParamsSerializer], responses=StaffingReportSerializer)
    def get(self, request):
        params = self.params()
        province = params.get("province")
        # The web pages' rule (figures.engine.within_tier): after the end of the district tier,
        # the figures are those of its last day, and `note` says so.
        requested = self.period(params)
        period, tier = within_tier(requested, province)
        report = staffing_report(
            province=province,
            baseline=period.baseline,
            as_of=period.as_of,
            measure=period.measure,
            like_for_like=period.like_for_like,
        )
        data = {
            "baseline": report.baseline,
            "as_of": report.as_of,
            "province": province.code if province else None,
            "measure": report.measure,
            "like_for_like": report.like_for_like,
            "districts": [row.as_dict() for row in report.rows],
            "total": report.total.figures_dict(),
            "district_tier": tier_dict(tier),
            "requested_as_of": requested.as_of,
            "note": tier_message(tier, requested=requested.as_of),
        }
        if self.wants_csv():  # the districts, then the total (district "", name "Toàn tỉnh")
            period = {k: data[k] for k in ("baseline", "as_of", "province", "measure", "like_for_like")}
            # The date asked, last: a date after the district tier shows its last day's figures.
            rows = [{**row, "requested_as_of": requested.as_of} for row in (*data["districts"], report.total.as_dict())]
            return self.csv_response(rows, period, StaffingRowSerializer())
        # Plain values, encoded as StaffingReportSerializer describes them (dates as ISO text):
        # running the serializer over 700 rows would cost more than computing them.
        return Response(data)


def progress_csv_row(row: dict) -> dict:
    """A programme's progress as one flat CSV row: a column for each figure's source kind, the
    published source's date and citation, and the disagreements in words."""
    row = dict(row)
    kinds = row.pop("source_kinds")
    published = row.pop("published")
    discrepancies = row.pop("discrepancies")
    row.update({f"{name}_source_kind": kind for name, kind in kinds.items()})
    row["published_on"] = published["on"] if published else None
    row["published_source"] = published["source"] if published else None
    row["discrepancies"] = [f"{d['figure']}: {d['published']} / {d['districts']}" for d in discrepancies]
    return row


class ProgressReportView(ReportView):
    """For each programme: the districts active on a date that had completed it by then, and
    the staff and focal points its completed mergers removed; `totals`, the same for the
    province (the dashboard's cards); `district_tier`, whether the district tier still
    exists that day (from 2025-07-01 it does not: every `total` is 0, and it says why)."""

    params_class = ProgressParamsSerializer

    @extend_schema(parameters=[ProgressParamsSerializer], responses=ProgressReportSerializer)
    def get(self, request):
        params = self.params()
        province = params.get("province")
        as_of = params.get("as_of") or default_as_of(province)  # no baseline: the one default needed
        programmes = programme_figures(as_of=as_of, province=province, measure=params["measure"])
        data = {
            "as_of": as_of,
            "province": province.code if province else None,
            "measure": params["measure"],
            # `decision`: the programme's decision in the register (/api/v1/decisions/<id>/).
            "programmes": [{**progress_dict(p), "decision": p.programme.decision_id} for p in programmes],
            "totals": progress_totals(programmes),
            "district_tier": tier_dict(district_tier(province, as_of)),
        }
        if self.wants_csv():
            period = {k: data[k] for k in ("as_of", "province", "measure")}
            rows = [progress_csv_row(row) for row in data["programmes"]]
            return self.csv_response(rows, period, ProgrammeProgressSerializer())
        return Response(data)


class ActualReportView(ReportView):
    """Authorised and actual headcount and the gap (actual − authorised) on a date, per agency
    counted, per district active that day and for the province. An actual figure not entered is
    null, never 0, and so is every sum it is part of; `actual_status` and `note` say so."""

    params_class = ActualParamsSerializer

    @extend_schema(parameters=[ActualParamsSerializer], responses=ActualReportSerializer)
    def get(self, request):
        params = self.params()
        province = params.get("province")
        report = actual_report(province=province, on=params.get("as_of") or default_as_of(province))
        data = actual_report_dict(report, province=province)
        if self.wants_csv():  # each agency, then each district, then the province ("level" says which)
            figures = list(GapSerializer().fields)
            rows = [
                {"level": "agency", "district": a["district"], "id": a["id"], "name": a["name"],
                 "agency_type": a["agency_type"], **{k: a[k] for k in figures}}
                for a in data["agencies"]
            ] + [
                {"level": "district", "district": d["district"], "id": None, "name": d["name"],
                 "agency_type": None, **{k: d[k] for k in figures}}
                for d in data["districts"]
            ] + [
                {"level": "province", "district": None, "id": None, "name": None, "agency_type": None,
                 **{k: data["total"][k] for k in figures}}
            ]  # fmt: skip
            return self.csv_response(rows, {"as_of": data["as_of"], "province": data["province"]}, GapSerializer())
        return Response(data)


class FocalPointReportView(ReportView):
    """Focal-point reconciliation for a period, in the province (or one `district`): the agencies
    active on the baseline + established − merged away − dissolved otherwise = those active on
    the as-of date, each term listing its agencies, and `causes` grouping them by programme or
    by the decision that changed the districts."""

    params_class = FocalPointParamsSerializer

    @extend_schema(parameters=[FocalPointParamsSerializer], responses=FocalPointReportSerializer)
    def get(self, request):
        params = self.params()
        district = params.get("district")
        province = params.get("province") or (district.province if district is not None else None)
        period = self.period({**params, "province": province})
        reconciliation = reconcile_focal_points(
            start=period.baseline, end=period.as_of, province=province, district=district
        )
        return Response(reconciliation.as_dict())
