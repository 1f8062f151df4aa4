"""Every non-trivial read of agencies, mergers and headcounts, computed in the database.

The figures themselves (an agency's headcount on a day, a merger's before, after and
reduction, the quota rule, demo attribution) are defined once, in figures/engine.py.
"""

import dataclasses
import datetime

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from districts.models import District
from districts.validity import valid_on_q
from figures.engine import MEASURES, headcount_on, record_kind_on, with_merger_figures
from mergers.choices import MergerStatus
from mergers.models import Agency, Decision, HeadcountRecord, Merger, MergerStage, Programme


def agency_list() -> QuerySet[Agency]:
    return Agency.objects.select_related("district__province", "agency_type")


def merger_successor_id():
    """The result of the completed merger that absorbed the agency (an annotation; NULL: none)."""
    return Subquery(
        Merger.objects.filter(status=MergerStatus.COMPLETED, source_agencies=OuterRef("pk")).values("result_agency_id")[
            :1
        ]
    )


def agency_list_with_lineage() -> QuerySet[Agency]:
    """Agencies with where they came from and where they went, across districts too:
    `predecessor_list` (the sources of the merger that created it, and other districts' agencies
    merged into it) and `successor_ids` (its merger's result, or the agency it was merged into).
    Three queries more than `agency_list`, whatever the number of agencies."""
    completed = Merger.objects.filter(status=MergerStatus.COMPLETED).only("id", "result_agency_id")
    return (
        agency_list()
        .select_related("successor_province")
        .annotate(merger_successor_id=merger_successor_id())
        .prefetch_related(
            Prefetch(
                "resulting_mergers",
                queryset=completed.prefetch_related(
                    Prefetch(
                        "source_agencies", queryset=Agency.objects.only("id").order_by("pk"), to_attr="source_list"
                    )
                ),
                to_attr="created_by_list",
            ),
            Prefetch(
                "predecessors",
                queryset=Agency.objects.only("id", "successor_id").order_by("pk"),
                to_attr="merged_in_list",
            ),
        )
    )


@dataclasses.dataclass(frozen=True)
class LineageLink:
    """One step of an agency's lineage, for its page: the other agency (or the province), how, when, why."""

    agency: Agency | None
    how: str  # "merger" (a programme's merger) or "district" (a district merged into another, or the tier's end)
    on: datetime.date | None
    merger: Merger | None = None
    decision: Decision | None = None
    province: object = None


def agency_lineage(agency: Agency) -> tuple[list[LineageLink], list[LineageLink]]:
    """(predecessors, successors) of an agency, across districts, each with its merger or decision."""
    predecessors, successors = [], []
    for merger in Merger.objects.filter(result_agency=agency, status=MergerStatus.COMPLETED).select_related(
        "decision", "programme"
    ):
        for source in merger.source_agencies.select_related("district").order_by("pk"):
            predecessors.append(
                LineageLink(
                    agency=source, how="merger", on=merger.effective_on, merger=merger, decision=source.dissolved_by
                )
            )
    for source in agency.predecessors.select_related("district", "dissolved_by").order_by("pk"):
        predecessors.append(
            LineageLink(agency=source, how="district", on=source.dissolved_on, decision=source.dissolved_by)
        )
    merger = (
        Merger.objects.filter(source_agencies=agency, status=MergerStatus.COMPLETED)
        .select_related("result_agency__district", "programme")
        .first()
    )
    if merger is not None and merger.result_agency_id:
        successors.append(
            LineageLink(
                agency=merger.result_agency,
                how="merger",
                on=merger.effective_on,
                merger=merger,
                decision=agency.dissolved_by,
            )
        )
    if agency.successor_id:
        successors.append(
            LineageLink(agency=agency.successor, how="district", on=agency.dissolved_on, decision=agency.dissolved_by)
        )
    if agency.successor_province_id:
        successors.append(
            LineageLink(
                agency=None,
                how="district",
                on=agency.dissolved_on,
                decision=agency.dissolved_by,
                province=agency.successor_province,
            )
        )
    return predecessors, successors


def agencies_active_on(day: datetime.date, *, district=None) -> QuerySet[Agency]:
    qs = agency_list().filter(valid_on_q(day))
    if district is not None:
        qs = qs.filter(district=district)
    return qs


def agencies_with_headcount_on(day: datetime.date, *, district=None) -> QuerySet[Agency]:
    """Active agencies annotated with `authorised_on` and `actual_on` for `day` (NULL: no record)."""
    return agencies_active_on(day, district=district).annotate(
        authorised_on=headcount_on(agency_ref=OuterRef("pk"), on=day, measure="authorised"),
        actual_on=headcount_on(agency_ref=OuterRef("pk"), on=day, measure="actual"),
    )


def agency_headcount_on(agency: Agency, day: datetime.date) -> HeadcountRecord | None:
    """The record in force for `agency` on `day`, or None when there is none."""
    return HeadcountRecord.objects.filter(agency=agency, as_of__lte=day).order_by("-as_of").first()


def headcount_list() -> QuerySet[HeadcountRecord]:
    return HeadcountRecord.objects.select_related("agency__district", "agency__agency_type")


def headcount_rows() -> QuerySet[HeadcountRecord]:
    """Headcount records with what the API shows of their agency and district (names and keys):
    every column of the record, none of the agency type."""
    return HeadcountRecord.objects.select_related("agency__district").only(
        *(field.name for field in HeadcountRecord._meta.concrete_fields),
        "agency__id",
        "agency__name",
        "agency__district__id",
        "agency__district__code",
        "agency__district__name",
        "agency__district__kind",
    )


# What the API shows of a merger and the rows it names (`merger_list(as_lists=True)`): every
# column of the merger (the writes' answers and If-Match read them), only the names and keys of
# its programme, district, result and decision (a programme's description is long text).
MERGER_API_COLUMNS = (
    *(field.name for field in Merger._meta.concrete_fields),
    "programme__id",
    "programme__code",
    "programme__name",
    "district__id",
    "district__code",
    "district__name",
    "district__kind",
    "result_agency__id",
    "result_agency__name",
    "decision__id",
    "decision__number",
    "decision__date",
)


class SourceAgency:
    """A merger's source agency as the API names it: its id and its name, which is how an agency
    is shown (`Agency.__str__`); no model instance for each of a page's 300 sources."""

    __slots__ = ("id", "name")

    def __init__(self, id: int, name: str):
        self.id, self.name = id, name

    @property
    def pk(self) -> int:
        return self.id

    def __str__(self) -> str:
        return self.name

    def __eq__(self, other) -> bool:
        return isinstance(other, SourceAgency) and (self.id, self.name) == (other.id, other.name)

    def __repr__(self) -> str:
        return f"SourceAgency({self.id!r}, {self.name!r})"


def set_source_lists(mergers: list[Merger]) -> None:
    """`source_list` on each merger: its source agencies by id, as `SourceAgency` (one query)."""
    by_merger = {merger.pk: [] for merger in mergers}
    if not by_merger:
        return
    # The name as a subquery, not a join: joined, PostgreSQL hashes all the agencies (15,000
    # nationally, 4 ms) rather than look up the page's 300 by key (0.6 ms). Unordered: one row
    # by its key, and the agencies' ordering would join their district and type to each (4.7 ms
    # against 1.0 on the national mergers' first page).
    name = Subquery(Agency.objects.filter(pk=OuterRef("agency_id")).order_by().values("name")[:1])
    rows = (
        Merger.source_agencies.through.objects.filter(merger_id__in=list(by_merger))
        .annotate(agency_name=name)
        .order_by("agency_id")
        .values_list("merger_id", "agency_id", "agency_name")
    )
    for merger_id, agency_id, name in rows:
        by_merger[merger_id].append(SourceAgency(agency_id, name))
    for merger in mergers:
        merger.source_list = by_merger[merger.pk]


class StageRow:
    """A merger's stage as the API shows it (MergerStageSerializer's columns), without a model
    instance. `serializable_value` is the one Model method DRF reads (for `decision`'s id)."""

    __slots__ = ("status", "on", "note", "decision_id", "skipped", "skip_reason")

    def __init__(self, status, on, note, decision_id, skipped, skip_reason):
        self.status, self.on, self.note = status, on, note
        self.decision_id, self.skipped, self.skip_reason = decision_id, skipped, skip_reason

    def serializable_value(self, field_name: str):
        return self.decision_id if field_name == "decision" else getattr(self, field_name)


STAGE_ROW_COLUMNS = ("status", "on", "note", "decision_id", "skipped", "skip_reason")


def set_stage_lists(mergers: list[Merger]) -> None:
    """`stage_list` on each merger: its stages by date (then id), as `StageRow` (one query)."""
    by_merger = {merger.pk: [] for merger in mergers}
    if not by_merger:
        return
    rows = (
        MergerStage.objects.filter(merger_id__in=list(by_merger))
        .order_by("on", "id")
        .values_list("merger_id", *STAGE_ROW_COLUMNS)
    )
    for merger_id, *columns in rows:
        by_merger[merger_id].append(StageRow(*columns))
    for merger in mergers:
        merger.stage_list = by_merger[merger.pk]


def set_lists(mergers: list[Merger]) -> None:
    if mergers:
        set_source_lists(mergers)
        set_stage_lists(mergers)


_LISTS_CLASSES: dict[type, type] = {}


def _with_lists(iterable_class: type) -> type:
    """`iterable_class` that sets `source_list` and `stage_list` (`set_lists`: two queries) on
    the mergers it reads: on all of them at once, or on each chunk of `iterator(chunk_size=...)`
    (the CSV's 500 rows)."""
    if iterable_class not in _LISTS_CLASSES:

        class WithLists(iterable_class):
            def __iter__(self):
                size = self.chunk_size if self.chunked_fetch else None
                chunk = []
                for merger in super().__iter__():
                    chunk.append(merger)
                    if size is not None and len(chunk) >= size:
                        set_lists(chunk)
                        yield from chunk
                        chunk = []
                set_lists(chunk)
                yield from chunk

        _LISTS_CLASSES[iterable_class] = WithLists
    return _LISTS_CLASSES[iterable_class]


_MERGER_LISTS: dict[tuple[str, bool], QuerySet[Merger]] = {}


def merger_list(*, measure: str = "authorised", as_lists: bool = False) -> QuerySet[Merger]:
    """`build_merger_list`, built once per process and measure and cloned for each call.

    Resolving the figures' five subqueries cost a fifth of an uncached page of mergers. The
    queryset depends on nothing but its arguments (no date, no language, no user), and each
    caller gets its own clone (`all()`), as a view's class-level `queryset` is given."""
    if measure not in MEASURES:
        return build_merger_list(measure=measure, as_lists=as_lists)
    key = (measure, as_lists)
    if key not in _MERGER_LISTS:
        _MERGER_LISTS[key] = build_merger_list(measure=measure, as_lists=as_lists)
    return _MERGER_LISTS[key].all()


def build_merger_list(*, measure: str = "authorised", as_lists: bool = False) -> QuerySet[Merger]:
    """Mergers with their programme, district, sources, result, stages and figures
    (`figures.with_merger_figures`).

    With `as_lists` (the API), what the API shows and nothing more: the sources and stages
    as plain lists in `source_list` and `stage_list` rather than through the related managers
    (no manager and queryset clone per merger), as rows rather than model instances
    (`SourceAgency`, `StageRow`: one query each, as prefetching them was), and only the
    columns the API names of the related rows.
    """
    if as_lists:
        queryset = Merger.objects.select_related("programme", "district", "result_agency", "decision").only(
            *MERGER_API_COLUMNS
        )
        queryset = with_merger_figures(queryset, measure)
        queryset._iterable_class = _with_lists(queryset._iterable_class)
        return queryset
    else:
        sources = Agency.objects.select_related("agency_type").order_by("pk")
        stages = MergerStage.objects.select_related("created_by", "decision").order_by("on", "id")
        queryset = Merger.objects.select_related(
            "programme__decision", "district__province", "result_agency__agency_type", "decision__district"
        ).prefetch_related(Prefetch("source_agencies", queryset=sources), Prefetch("stages", queryset=stages))
    return with_merger_figures(queryset, measure)


def merger_rows(*, measure: str = "authorised") -> QuerySet[Merger]:
    """Mergers with what a row of the mergers page shows: programme, district, result and
    figures (`figures.with_merger_figures`), without the sources and stages it does not show."""
    queryset = Merger.objects.select_related("programme__decision", "district__province", "result_agency", "decision")
    return with_merger_figures(queryset, measure)


def merger_with_figures(pk: int, *, measure: str = "authorised") -> Merger:
    return merger_list(measure=measure).get(pk=pk)


def agencies_for_headcount_entry(day: datetime.date, *, district) -> QuerySet[Agency]:
    """`agencies_with_headcount_on`, plus `headcount_kind`: the source_kind of the record in force on `day`."""
    return agencies_with_headcount_on(day, district=district).annotate(
        headcount_kind=record_kind_on(agency_ref=OuterRef("pk"), on=day)
    )


# --- the decision register ------------------------------------------------------------------


def decision_list() -> QuerySet[Decision]:
    """Decisions with everything they authorised, as lists (`programme_list`, `merger_list`,
    `stage_list`, `district_list`, `established_list`, `dissolved_list`): six queries more,
    whatever the number of decisions."""
    return Decision.objects.select_related("district").prefetch_related(
        Prefetch("programmes", queryset=Programme.objects.order_by("code"), to_attr="programme_list"),
        Prefetch(
            "mergers",
            queryset=Merger.objects.select_related("programme", "district").order_by("pk"),
            to_attr="merger_list",
        ),
        Prefetch(
            "stages",
            queryset=MergerStage.objects.select_related("merger__programme", "merger__district").order_by("on", "id"),
            to_attr="stage_list",
        ),
        Prefetch(
            "districts_dissolved",
            queryset=District.objects.select_related("successor", "successor_province").order_by("code"),
            to_attr="district_list",
        ),
        Prefetch(
            "agencies_established",
            queryset=Agency.objects.select_related("district").order_by("pk"),
            to_attr="established_list",
        ),
        Prefetch(
            "agencies_dissolved",
            queryset=Agency.objects.select_related("district", "successor__district", "successor_province").order_by(
                "pk"
            ),
            to_attr="dissolved_list",
        ),
    )


@dataclasses.dataclass(frozen=True)
class DecisionEvent:
    """Something a decision authorised: a programme, a merger, a stage, a district's end, an
    agency's establishment or end."""

    type: str
    id: int | str
    date: datetime.date | None
    label: str
    url: str
    extra: dict = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"type": self.type, "id": self.id, "date": self.date, "label": self.label, "url": self.url, **self.extra}


def decision_events(decision: Decision) -> list[DecisionEvent]:
    """Every event the decision authorised, from `decision_list`'s lists, by kind then date."""
    events = []
    for programme in decision.programme_list:
        events.append(
            DecisionEvent("programme", programme.code, decision.date, programme.name, programme.get_absolute_url())
        )
    for merger in decision.merger_list:
        events.append(
            DecisionEvent(
                "merger",
                merger.pk,
                merger.effective_on,
                f"{merger.programme.name} – {merger.district.full_name}",
                merger.get_absolute_url(),
                {"programme": merger.programme.code, "district": merger.district.code, "status": merger.status},
            )
        )
    for stage in decision.stage_list:
        events.append(
            DecisionEvent(
                "merger_stage",
                stage.pk,
                stage.on,
                f"{stage.get_status_display()}: {stage.merger.programme.name} – {stage.merger.district.full_name}",
                stage.merger.get_absolute_url(),
                {"merger": stage.merger_id, "status": stage.status},
            )
        )
    for district in decision.district_list:
        if district.successor_id:
            label = _("%(district)s sáp nhập vào %(successor)s") % {
                "district": district.full_name,
                "successor": district.successor.full_name,
            }
        elif district.successor_province_id:
            label = _("%(district)s kết thúc; chức năng chuyển về tỉnh %(province)s") % {
                "district": district.full_name,
                "province": district.successor_province.name,
            }
        else:
            label = _("%(district)s giải thể") % {"district": district.full_name}
        events.append(
            DecisionEvent(
                "district_dissolved",
                district.code,
                district.dissolved_on,
                label,
                district.get_absolute_url(),
                {
                    "successor": district.successor.code if district.successor_id else None,
                    "successor_province": district.successor_province.code if district.successor_province_id else None,
                },
            )
        )
    for agency in decision.established_list:
        events.append(
            DecisionEvent(
                "agency_established",
                agency.pk,
                agency.established_on,
                f"{agency.name} ({agency.district.code})",
                agency.get_absolute_url(),
                {"district": agency.district.code},
            )
        )
    for agency in decision.dissolved_list:
        label = f"{agency.name} ({agency.district.code})"
        if agency.successor_id:
            label += f" → {agency.successor.name} ({agency.successor.district.code})"
        elif agency.successor_province_id:
            label += " → " + _("tỉnh %(province)s") % {"province": agency.successor_province.name}
        events.append(
            DecisionEvent(
                "agency_dissolved",
                agency.pk,
                agency.dissolved_on,
                label,
                agency.get_absolute_url(),
                {
                    "district": agency.district.code,
                    "successor": agency.successor_id,
                    "successor_province": agency.successor_province.code if agency.successor_province_id else None,
                },
            )
        )
    return events


def decision_event_groups(decision: Decision) -> list[tuple[str, list[DecisionEvent]]]:
    """The events by kind, with the kind's name, for the decision's page."""
    names = {
        "programme": _("Đề án"),
        "merger": _("Hợp nhất"),
        "merger_stage": _("Giai đoạn hợp nhất"),
        "district_dissolved": _("Đơn vị cấp huyện giải thể hoặc sáp nhập"),
        "agency_established": _("Cơ quan thành lập"),
        "agency_dissolved": _("Cơ quan chấm dứt hoạt động"),
    }
    groups: dict[str, list[DecisionEvent]] = {}
    for event in decision_events(decision):
        groups.setdefault(event.type, []).append(event)
    return [(names[kind], groups[kind]) for kind in names if kind in groups]


def decision_url(decision_id: int | None) -> str:
    return reverse("registry:decision", kwargs={"pk": decision_id}) if decision_id else ""
