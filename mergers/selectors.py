"""Every non-trivial read of agencies, mergers and headcounts, computed in the database.

An agency's headcount on D is its latest record dated on or before D. A merger's
headcount before is the sum of its sources' headcounts on the day before it took effect;
after is the result's headcount on the effective date. Agencies whose type is outside the
district quota (the Labour Federation) are not counted. Missing data stays NULL.
"""

import datetime

from django.db.models import (
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from districts.selectors import active_on_q
from mergers.models import Agency, HeadcountRecord, Merger, MergerStage

MEASURES = ("authorised", "actual")
FAR_FUTURE = datetime.date(9999, 12, 31)


def _measure(measure: str) -> str:
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {MEASURES}, not {measure!r}")
    return measure


def latest_headcount(*, agency_ref, on, measure: str = "authorised", strictly_before: bool = False) -> Subquery:
    """The agency's `measure` from its latest record on (or strictly before) `on`.

    `agency_ref` and `on` may be values or outer references.
    """
    lookup = "as_of__lt" if strictly_before else "as_of__lte"
    return Subquery(
        HeadcountRecord.objects.filter(agency=agency_ref, **{lookup: on})
        .order_by("-as_of")
        .values(_measure(measure))[:1],
        output_field=IntegerField(),
    )


def agency_list() -> QuerySet[Agency]:
    return Agency.objects.select_related("district__province", "agency_type")


def agencies_active_on(day: datetime.date, *, district=None) -> QuerySet[Agency]:
    qs = agency_list().filter(active_on_q(day))
    if district is not None:
        qs = qs.filter(district=district)
    return qs


def agencies_with_headcount_on(day: datetime.date, *, district=None) -> QuerySet[Agency]:
    """Active agencies annotated with `authorised_on` and `actual_on` for `day` (NULL: no record)."""
    return agencies_active_on(day, district=district).annotate(
        authorised_on=latest_headcount(agency_ref=OuterRef("pk"), on=day, measure="authorised"),
        actual_on=latest_headcount(agency_ref=OuterRef("pk"), on=day, measure="actual"),
    )


def agency_headcount_on(agency: Agency, day: datetime.date) -> HeadcountRecord | None:
    """The record in force for `agency` on `day`, or None when there is none."""
    return HeadcountRecord.objects.filter(agency=agency, as_of__lte=day).order_by("-as_of").first()


def headcount_list() -> QuerySet[HeadcountRecord]:
    return HeadcountRecord.objects.select_related("agency__district", "agency__agency_type")


def summed_headcount(agencies: QuerySet[Agency], *, group_by: str, measure: str, on) -> Subquery:
    """Sum of the in-quota agencies' headcounts, grouped by `group_by`; NULL if any lacks one.

    `agencies` must already be restricted to the outer row (an OuterRef filter).
    """
    rows = (
        agencies.filter(agency_type__in_district_quota=True)
        .annotate(_hc=latest_headcount(agency_ref=OuterRef("pk"), on=on, measure=measure))
        .order_by()
        .values(group_by)
        .annotate(_total=Sum("_hc"), _n=Count("pk"), _with=Count("_hc"))
        .annotate(_safe=Case(When(_n=F("_with"), then=F("_total")), default=None, output_field=IntegerField()))
        .values("_safe")
    )
    return Subquery(rows, output_field=IntegerField())


def merger_figures_annotations(measure: str = "authorised") -> dict:
    """Annotations for a Merger queryset: headcount_before/after, reduction, reduction_pct."""
    effective = Coalesce(OuterRef(OuterRef("effective_on")), Value(FAR_FUTURE, output_field=DateField()))
    before_rows = (
        Agency.objects.filter(absorbing_mergers=OuterRef("pk"), agency_type__in_district_quota=True)
        .annotate(
            _hc=Subquery(
                HeadcountRecord.objects.filter(agency=OuterRef("pk"), as_of__lt=effective)
                .order_by("-as_of")
                .values(_measure(measure))[:1],
                output_field=IntegerField(),
            )
        )
        .order_by()
        .values("absorbing_mergers")
        .annotate(_total=Sum("_hc"), _n=Count("pk"), _with=Count("_hc"))
        .annotate(_safe=Case(When(_n=F("_with"), then=F("_total")), default=None, output_field=IntegerField()))
        .values("_safe")
    )
    after = Subquery(
        HeadcountRecord.objects.filter(agency=OuterRef("result_agency"), as_of__lte=OuterRef("effective_on"))
        .order_by("-as_of")
        .values(measure)[:1],
        output_field=IntegerField(),
    )
    return {
        "headcount_before": Subquery(before_rows, output_field=IntegerField()),
        "headcount_after": after,
        "reduction": ExpressionWrapper(F("headcount_before") - F("headcount_after"), output_field=IntegerField()),
        "reduction_pct": Case(
            When(
                headcount_before__gt=0,
                then=ExpressionWrapper(
                    (F("headcount_before") - F("headcount_after")) * Value(100.0) / F("headcount_before"),
                    output_field=FloatField(),
                ),
            ),
            default=None,
            output_field=FloatField(),
        ),
    }


def merger_list(*, measure: str = "authorised", as_lists: bool = False) -> QuerySet[Merger]:
    """Mergers with their programme, district, sources, result, stages and figures.

    With `as_lists`, the sources and stages come as plain lists in `source_list` and
    `stage_list` instead of through the related managers: the same two queries, without a
    manager and a queryset clone per merger (what makes a 50-row API page slow).
    """
    sources = Agency.objects.select_related("agency_type").order_by("pk")
    stages = MergerStage.objects.select_related("created_by").order_by("on", "id")
    if as_lists:
        prefetches = [
            Prefetch("source_agencies", queryset=sources, to_attr="source_list"),
            Prefetch("stages", queryset=stages, to_attr="stage_list"),
        ]
    else:
        prefetches = [Prefetch("source_agencies", queryset=sources), Prefetch("stages", queryset=stages)]
    return (
        Merger.objects.select_related("programme", "district__province", "result_agency__agency_type")
        .prefetch_related(*prefetches)
        .annotate(**merger_figures_annotations(measure))
    )


def merger_with_figures(pk: int, *, measure: str = "authorised") -> Merger:
    return merger_list(measure=measure).get(pk=pk)


# --- issue polish: the headcount entry form says which pre-filled figures are demo ----------------


def agencies_for_headcount_entry(day: datetime.date, *, district) -> QuerySet[Agency]:
    """`agencies_with_headcount_on`, plus `headcount_kind`: the source_kind of the record in force on `day`."""
    kind = HeadcountRecord.objects.filter(agency=OuterRef("pk"), as_of__lte=day).order_by("-as_of")
    return agencies_with_headcount_on(day, district=district).annotate(
        headcount_kind=Subquery(kind.values("source_kind")[:1])
    )
