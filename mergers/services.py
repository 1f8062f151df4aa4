"""Every write to agencies, programmes, mergers and headcounts.

Forms, the API, the admin and management commands all call these functions, so each rule
is written once. Each service is atomic, validates everything before it writes anything,
and refuses with a ValidationError whose keys name the offending field.
"""

import datetime
import inspect
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.actors import is_system
from core.audit import history_reason, save_new_with_links
from core.dates import fmt_date
from core.errors import MSG_STALE_VERSION, MergerStateConflict, StaleVersion  # noqa: F401  (re-exported)
from core.roles import ANALYSTS, EDITORS, LEADERS
from core.services import refuse_key_change, set_fields
from core.validation import (  # noqa: F401  (re-exported)
    MAX_DATE,
    MAX_HEADCOUNT,
    MIN_DATE,
    MSG_CONTROL_CHARACTER,
    MSG_DATE_OUT_OF_RANGE,
    MSG_TOO_LARGE,
    bad_input_errors,
    format_count,
    refuse_bad_input,
)
from districts.models import AccessChange, District, EditorScope
from districts.scope import require_district, require_province_wide
from districts.services import MSG_ALREADY_DISSOLVED, MSG_SUCCESSOR_SELF, dissolution_errors  # noqa: F401  (re-exported)
from districts.text import search_key
from mergers.choices import (
    DISTRICT_ISSUERS,
    OPEN_STATUSES,
    PROGRAMME_STAGES,
    STAGE_ORDER,
    DecisionIssuer,
    DecisionKind,
    MergerStatus,
    SourceKind,
)
from mergers.models import (
    Agency,
    AgencyType,
    Decision,
    HeadcountRecord,
    Merger,
    MergerStage,
    Programme,
    PublishedAggregate,
)

ROLES = (EDITORS, LEADERS, ANALYSTS)

MSG_TOO_FEW_SOURCES = _("Cần ít nhất hai cơ quan để hợp nhất.")
MSG_SOURCE_OTHER_DISTRICT = _("Cơ quan “%(agency)s” không thuộc %(district)s.")
MSG_SOURCE_NOT_ACTIVE = _("Cơ quan “%(agency)s” không hoạt động vào ngày %(date)s.")
MSG_SOURCE_WRONG_TYPE = _("Cơ quan “%(agency)s” không thuộc loại cơ quan mà đề án này hợp nhất.")
MSG_SOURCE_IN_OTHER_MERGER = _("Cơ quan “%(agency)s” đã thuộc một hợp nhất khác chưa bị hủy.")
MSG_DISTRICT_NOT_ACTIVE = _("%(district)s không hoạt động vào ngày %(date)s.")
MSG_MERGER_EXISTS = _("%(district)s đã có một hợp nhất theo đề án này.")
MSG_EFFECTIVE_BEFORE_DECISION = _("Ngày hiệu lực không được trước ngày quyết định (%(date)s).")
MSG_ALREADY_COMPLETED = _("Hợp nhất này đã hoàn thành.")
MSG_CANCELLED = _("Hợp nhất này đã bị hủy.")
MSG_STAGE_NOT_FORWARD = _("Không thể chuyển từ giai đoạn “%(current)s” sang “%(target)s”.")
MSG_STAGE_USE_OPERATION = _("Dùng thao tác “Hoàn thành” hoặc “Hủy” cho giai đoạn này.")
MSG_STAGE_DATE_BEFORE_LAST = _("Ngày này không được trước giai đoạn gần nhất (%(date)s).")
MSG_RESULT_OTHER_DISTRICT = _("Cơ quan sau hợp nhất phải thuộc %(district)s.")
MSG_RESULT_IS_SOURCE = _("Cơ quan sau hợp nhất không được là một trong các cơ quan hợp nhất.")
MSG_RESULT_NOT_ACTIVE = _("Cơ quan sau hợp nhất không hoạt động vào ngày %(date)s.")
MSG_RESULT_NAME_AND_AGENCY = _("Chỉ nhập tên cơ quan mới hoặc chọn cơ quan có sẵn, không cả hai.")
MSG_HEADCOUNT_NOT_ACTIVE = _("Cơ quan “%(agency)s” không hoạt động vào ngày %(date)s.")
MSG_HEADCOUNT_EXISTS = _("Cơ quan “%(agency)s” đã có số liệu biên chế ngày %(date)s.")
MSG_HEADCOUNT_NO_FIGURE = _("Cần ít nhất một số liệu: biên chế được giao hoặc thực tế.")
MSG_NEGATIVE = _("Số liệu không được âm.")
MSG_SOURCE_REQUIRED = _("Cần ghi nguồn của số liệu.")


_fmt = fmt_date


def _check_version(obj, expected_version: int | None) -> None:
    if expected_version is not None and obj.version != expected_version:
        raise StaleVersion(MSG_STALE_VERSION, code="stale")


# --- one form of every text, duplicates refused ---------------------------------------------
# A name typed with combining diacritics ("Cô Tô" as C o U+0302 ...) looks the same as the
# precomposed one but is another string: every text a service stores is normalised to NFC
# first, whatever the entry point (forms, API, admin, import, commands).

MSG_AGENCY_DUPLICATE = _(
    "Đã có cơ quan “%(agency)s” (mã số %(id)s) cùng tên, cùng loại, cùng đơn vị, hoạt động trong cùng thời gian."
)


def nfc(value):
    """`value` in Unicode normalisation form C when it is a text; anything else unchanged."""
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def nfc_data(data: dict) -> dict:
    """A service's `data` dict with every text normalised (nfc)."""
    return {key: nfc(value) for key, value in data.items()}


def name_key(name: str) -> str:
    """What makes two agency names the same: NFC, case and runs of spaces ignored."""
    return " ".join(unicodedata.normalize("NFC", name or "").casefold().split())


def duplicate_agency(
    *,
    district: District,
    agency_type: AgencyType,
    name: str,
    established_on: datetime.date | None,
    dissolved_on: datetime.date | None,
    exclude_pk: int | None = None,
) -> Agency | None:
    """An agency of the same district and type, with the same name, active at some time the
    new one would be (periods [established, dissolved) overlap), or None."""
    if district is None or agency_type is None or not name:
        return None
    key = name_key(name)
    candidates = Agency.objects.filter(district=district, agency_type=agency_type).exclude(pk=exclude_pk)
    if dissolved_on is not None:
        candidates = candidates.filter(established_on__lt=dissolved_on)
    if established_on is not None:
        candidates = candidates.filter(Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=established_on))
    for agency in candidates.order_by("pk"):
        if name_key(agency.name) == key:
            return agency
    return None


def duplicate_agency_error(agency: Agency) -> ValidationError:
    return ValidationError(MSG_AGENCY_DUPLICATE, code="duplicate", params={"agency": agency.name, "id": agency.pk})


def count_errors(value) -> list[ValidationError]:
    """A headcount figure: not negative, at most MAX_HEADCOUNT. Used by the forms too, so that
    every refusal comes in the same round as the form's own."""
    if value is None:
        return []
    if value < 0:
        return [ValidationError(MSG_NEGATIVE, code="negative")]
    if value > MAX_HEADCOUNT:
        return [ValidationError(MSG_TOO_LARGE, code="too_large", params={"max": format_count(MAX_HEADCOUNT)})]
    return []


# --- agencies ---------------------------------------------------------------------------


@transaction.atomic
def agency_create(
    *,
    district: District,
    agency_type: AgencyType,
    name: str,
    established_on: datetime.date | None,
    established_on_estimated: bool = False,
    dissolved_on: datetime.date | None = None,
    established_by: Decision | None = None,
    dissolved_by: Decision | None = None,
    user,
) -> Agency:
    """Create an agency; its establishment date is required (an estimate, flagged, if not known).
    `established_by` and `dissolved_by` cite the decisions (issued on or before the dates)."""
    require_district(user, district)
    name = nfc(name)
    refuse_bad_input(dates={"established_on": established_on, "dissolved_on": dissolved_on}, texts={"name": name})
    _refuse_no_establishment(established_on)
    same = duplicate_agency(
        district=district, agency_type=agency_type, name=name, established_on=established_on, dissolved_on=dissolved_on
    )
    if same is not None:
        raise ValidationError({"name": duplicate_agency_error(same)})
    agency = Agency(
        district=district,
        agency_type=agency_type,
        name=name,
        established_on=established_on,
        established_on_estimated=established_on_estimated,
        dissolved_on=dissolved_on,
        established_by=established_by,
        dissolved_by=dissolved_by,
    )
    _refuse_agency_decisions_after(agency)
    agency.full_clean()
    agency.save()
    return agency


AGENCY_EDITABLE_FIELDS = (
    "agency_type",
    "name",
    "established_on",
    "established_on_estimated",
    "dissolved_on",
    "established_by",
    "dissolved_by",
)


def _refuse_agency_decisions_after(agency: Agency) -> None:
    errors = {
        **_decision_not_after(agency.established_by, agency.established_on, "established_by"),
        **_decision_not_after(agency.dissolved_by, agency.dissolved_on, "dissolved_by"),
    }
    if errors:
        raise ValidationError(errors)


MSG_ESTABLISHED_REQUIRED = _(
    "Cần ghi ngày thành lập của cơ quan. Nếu không biết chính xác, hãy ghi ngày ước tính và đánh dấu “ước tính”."
)


def _refuse_no_establishment(established_on) -> None:
    if established_on is None:
        raise ValidationError({"established_on": ValidationError(MSG_ESTABLISHED_REQUIRED, code="required")})


@transaction.atomic
def agency_update(*, agency: Agency, data: dict, user, expected_version: int | None = None) -> Agency:
    """Change an agency's own fields. Its district never changes: create a new agency."""
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    require_district(user, agency.district)
    _check_version(agency, expected_version)
    data = nfc_data(data)
    refuse_bad_input(
        dates={f: data.get(f) for f in ("established_on", "dissolved_on")}, texts={"name": data.get("name")}
    )
    if "established_on" in data:
        _refuse_no_establishment(data["established_on"])
    set_fields(agency, data, AGENCY_EDITABLE_FIELDS)
    same = duplicate_agency(
        district=agency.district,
        agency_type=agency.agency_type,
        name=agency.name,
        established_on=agency.established_on,
        dissolved_on=agency.dissolved_on,
        exclude_pk=agency.pk,
    )
    if same is not None:
        raise ValidationError({"name": duplicate_agency_error(same)})
    _refuse_agency_decisions_after(agency)
    agency.full_clean()
    agency.version += 1
    agency.save()
    return agency


# --- the decision register -----------------------------------------------------------------

NO_NUMBER = "(không số)"
# Django's own "blank" message, as the free-text field said before the register.
MSG_DECISION_NUMBER_REQUIRED = models.Field.default_error_messages["blank"]
MSG_DECISION_DATE_REQUIRED = _("Cần ghi ngày quyết định.")
MSG_DECISION_UNDATED = _("Quyết định %(number)s chưa có ngày ban hành: hãy ghi ngày trong sổ quyết định trước.")
MSG_DECISION_DISTRICT_REQUIRED = _("Văn bản của %(issuer)s phải ghi đơn vị cấp huyện ban hành.")
MSG_DECISION_DISTRICT_FORBIDDEN = _("Chỉ văn bản của Huyện ủy hoặc UBND huyện mới ghi đơn vị cấp huyện.")
MSG_DECISION_EXISTS = _("Sổ đã có văn bản này (cùng số, cơ quan ban hành và ngày).")
MSG_DECISION_AFTER = _("Quyết định %(number)s ban hành ngày %(date)s, sau ngày %(on)s.")
MSG_DECISION_DATE_AFTER_EVENTS = _(
    "Không thể ghi ngày này: văn bản đã cho phép một sự kiện ngày %(date)s (ngày ban hành không được sau sự kiện)."
)
MSG_DECISION_DATE_NEEDED = _("Văn bản này đã được một hợp nhất viện dẫn: cần giữ ngày ban hành.")
MSG_SCAN_TOO_LARGE = _("Tệp quá lớn (tối đa %(max)s MB).")
MSG_SCAN_TYPE = _("Chỉ nhận bản chụp PDF, PNG hoặc JPEG.")
MSG_SCAN_NOT_MATCHING = _("Nội dung tệp không phải PDF, PNG hay JPEG như phần mở rộng của tên tệp.")

# A scanned copy: its extension and the bytes it starts with must agree.
SCAN_SIGNATURES = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
}
SCAN_CONTENT_TYPES = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def scan_max_bytes() -> int:
    return settings.DECISION_SCAN_MAX_BYTES


def scan_errors(upload) -> list[ValidationError]:
    """A scanned copy is a PDF, PNG or JPEG (by name and by content) of at most DECISION_SCAN_MAX_BYTES."""
    if upload is None:
        return []
    name = getattr(upload, "name", "") or ""
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in SCAN_SIGNATURES:
        return [ValidationError(MSG_SCAN_TYPE, code="scan_type")]
    size = getattr(upload, "size", None)
    if size is not None and size > scan_max_bytes():
        return [
            ValidationError(
                MSG_SCAN_TOO_LARGE, code="scan_too_large", params={"max": format_count(scan_max_bytes() // 2**20)}
            )
        ]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not head.startswith(SCAN_SIGNATURES[suffix]):
        return [ValidationError(MSG_SCAN_NOT_MATCHING, code="scan_content")]
    return []


def guess_issuer(number: str, *, in_district: bool) -> str:
    """The issuing body a number's suffix names: 837/NQ-UBTVQH14 the Standing Committee of the
    National Assembly, 373/ĐA-CP the Government, 44-QĐ/TU the Tỉnh ủy, 12-QĐ/HU a Huyện ủy,
    5/QĐ-UBND a People's Committee (a district's when the decision concerns one district)."""
    key = search_key(number).replace(" ", "")
    if "ubtvqh" in key:
        return DecisionIssuer.NATIONAL_ASSEMBLY_STANDING
    if key.endswith(("-cp", "/cp", "-ttg")) or "/nq-cp" in key:
        return DecisionIssuer.GOVERNMENT
    if "hdnd" in key:
        return DecisionIssuer.PROVINCIAL_COUNCIL
    if "ubnd" in key:
        return DecisionIssuer.DISTRICT_COMMITTEE if in_district else DecisionIssuer.PROVINCIAL_COMMITTEE
    if key.endswith(("/hu", "/thu", "/txu")):
        return DecisionIssuer.DISTRICT_PARTY
    if key.endswith("/tu"):
        return DecisionIssuer.PROVINCIAL_PARTY
    return DecisionIssuer.DISTRICT_PARTY if in_district else DecisionIssuer.PROVINCIAL_PARTY


def guess_kind(number: str) -> str:
    """The kind a number's letters name: NQ nghị quyết, KL kết luận, ĐA đề án, KH kế hoạch, else quyết định."""
    key = search_key(number)
    for letters, kind in (
        ("nq", DecisionKind.RESOLUTION),
        ("kl", DecisionKind.CONCLUSION),
        ("da", DecisionKind.SCHEME),
        ("kh", DecisionKind.PLAN),
    ):
        if f"-{letters}" in key or f"/{letters}" in key or key.startswith(f"{letters}-"):
            return kind
    return DecisionKind.DECISION


def _require_decision_scope(user, issuer: str, district: District | None) -> None:
    """A district's decisions: its editors; the province's and the State's: province-wide editors."""
    if issuer in DISTRICT_ISSUERS and district is not None:
        require_district(user, district)
    else:
        require_province_wide(user)


def _decision_field_errors(decision: Decision) -> dict:
    errors: dict[str, list] = {}
    if not (decision.number or "").strip():
        errors["number"] = [ValidationError(MSG_DECISION_NUMBER_REQUIRED, code="required")]
    if decision.issuer in DISTRICT_ISSUERS and decision.district_id is None:
        errors["district"] = [
            ValidationError(
                MSG_DECISION_DISTRICT_REQUIRED,
                code="district_required",
                params={"issuer": DecisionIssuer(decision.issuer).label},
            )
        ]
    elif decision.issuer not in DISTRICT_ISSUERS and decision.district_id is not None:
        errors["district"] = [ValidationError(MSG_DECISION_DISTRICT_FORBIDDEN, code="district_forbidden")]
    return errors


def _save_decision(decision: Decision, errors: dict) -> Decision:
    try:
        decision.full_clean(exclude=["scan"])
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault("number" if field == "__all__" else field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            decision.save()
    except IntegrityError as exc:  # the same number, issuer and date registered meanwhile
        raise ValidationError({"number": ValidationError(MSG_DECISION_EXISTS, code="exists")}) from exc
    return decision


@transaction.atomic
def decision_create(
    *,
    number: str,
    date: datetime.date | None,
    issuer: str,
    kind: str,
    title: str = "",
    district: District | None = None,
    scan=None,
    source: str = "",
    source_kind: str = SourceKind.OFFICIAL,
    note: str = "",
    user,
) -> Decision:
    """Register a decision. A district body's decision names its district (and needs an editor
    of that district); the province's and the State's need a province-wide editor."""
    _require_decision_scope(user, issuer, district)
    refuse_bad_input(
        dates={"date": date}, texts={"number": number, "title": title, "source": source}, multiline={"note": note}
    )
    decision = Decision(
        number=(number or "").strip(),
        date=date,
        issuer=issuer,
        kind=kind,
        title=(title or "").strip(),
        district=district,
        source=(source or "").strip(),
        source_kind=source_kind,
        note=note or "",
    )
    errors = _decision_field_errors(decision)
    bad_scan = scan_errors(scan)
    if bad_scan:
        errors["scan"] = bad_scan
    decision = _save_decision(decision, errors)
    if scan is not None:
        decision.scan.save(scan.name, scan, save=False)
        decision.save(update_fields=["scan"])
    return decision


DECISION_EDITABLE_FIELDS = ("number", "date", "issuer", "district", "kind", "title", "source", "source_kind", "note")


def _earliest_event(decision: Decision) -> datetime.date | None:
    """The first day an event this decision authorised took effect (its date may not be later)."""
    days = [
        *decision.stages.values_list("on", flat=True),
        *decision.mergers.exclude(effective_on=None).values_list("effective_on", flat=True),
        *decision.districts_dissolved.values_list("dissolved_on", flat=True),
        *decision.agencies_established.values_list("established_on", flat=True),
        *decision.agencies_dissolved.exclude(dissolved_on=None).values_list("dissolved_on", flat=True),
    ]
    days = [d for d in days if d is not None]
    return min(days) if days else None


@transaction.atomic
def decision_update(*, decision: Decision, data: dict, user, expected_version: int | None = None) -> Decision:
    """Correct a decision. Its date stays on or before every event it authorised; one cited by a
    merger keeps a date. `scan`: a new file, or False to remove the copy."""
    decision = Decision.objects.select_for_update(of=("self",)).select_related("district").get(pk=decision.pk)
    _require_decision_scope(user, decision.issuer, decision.district)
    _check_version(decision, expected_version)
    refuse_bad_input(
        dates={"date": data.get("date")},
        texts={f: data.get(f) for f in ("number", "title", "source")},
        multiline={"note": data.get("note")},
    )
    for field in DECISION_EDITABLE_FIELDS:
        if field in data:
            value = data[field]
            setattr(decision, field, value.strip() if isinstance(value, str) and field != "note" else value)
    _require_decision_scope(user, decision.issuer, decision.district)
    errors = _decision_field_errors(decision)
    if "date" in data:
        if decision.date is None and decision.mergers.exists():
            errors.setdefault("date", []).append(ValidationError(MSG_DECISION_DATE_NEEDED, code="date_needed"))
        earliest = _earliest_event(decision)
        if decision.date is not None and earliest is not None and decision.date > earliest:
            errors.setdefault("date", []).append(
                ValidationError(MSG_DECISION_DATE_AFTER_EVENTS, code="after_events", params={"date": _fmt(earliest)})
            )
    scan = data.get("scan")
    if scan:
        bad_scan = scan_errors(scan)
        if bad_scan:
            errors["scan"] = bad_scan
    decision.version += 1
    decision = _save_decision(decision, errors)
    if scan:
        old = decision.scan.name if decision.scan else None
        decision.scan.save(scan.name, scan, save=False)
        decision.save(update_fields=["scan"])
        if old:
            transaction.on_commit(lambda: decision.scan.storage.delete(old))
    elif scan is False and decision.scan:
        old = decision.scan.name
        decision.scan = ""
        decision.save(update_fields=["scan"])
        transaction.on_commit(lambda: decision.scan.storage.delete(old))
    return decision


def decision_register(
    *,
    number: str,
    date: datetime.date | None,
    issuer: str | None = None,
    kind: str | None = None,
    district: District | None = None,
    title: str = "",
    source: str = "",
    source_kind: str = SourceKind.OFFICIAL,
    user,
) -> Decision:
    """The register's entry for a number and date typed as text (a merger's or a programme's),
    created when there is none: the issuer read from the number unless given (`guess_issuer`; a
    district body's decision names `district`), the kind from its letters. An entry of `district`
    or of no district is found first. The caller has checked the user's rights on what cites it.
    """
    number = (number or "").strip() or NO_NUMBER
    candidates = Decision.objects.filter(number=number, date=date)
    if issuer:
        candidates = candidates.filter(issuer=issuer)
    found = sorted(
        (d for d in candidates if d.district_id is None or (district is not None and d.district_id == district.pk)),
        key=lambda d: (d.district_id is None, d.pk),
    )
    if found:
        return found[0]
    issuer = issuer or guess_issuer(number, in_district=district is not None)
    decision = Decision(
        number=number,
        date=date,
        issuer=issuer,
        kind=kind or guess_kind(number),
        title=title,
        district=district if issuer in DISTRICT_ISSUERS else None,
        source=source or "",
        source_kind=source_kind,
    )
    return _save_decision(decision, _decision_field_errors(decision))


def _decision_not_after(decision: Decision | None, on: datetime.date | None, field: str) -> dict:
    """{field: [error]} when `decision` was issued after `on` (an event comes after its decision)."""
    if decision is None or on is None or decision.date is None or decision.date <= on:
        return {}
    return {
        field: [
            ValidationError(
                MSG_DECISION_AFTER,
                code="decision_after",
                params={"number": decision.number, "date": _fmt(decision.date), "on": _fmt(on)},
            )
        ]
    }


# --- programmes -------------------------------------------------------------------------


@transaction.atomic
def programme_create(
    *,
    code: str,
    name: str,
    result_type: AgencyType,
    source_types: Iterable[AgencyType],
    name_en: str = "",
    decision: Decision | None = None,
    decision_number: str = "",
    decided_on: datetime.date | None = None,
    stages: Sequence[str] = (),
    description: str = "",
    user,
) -> Programme:
    """A programme citing `decision`, or the register's entry for `decision_number` and
    `decided_on` (created when there is none: `decision_register`). `stages`: see
    `stage_rule_errors`."""
    require_province_wide(user)
    code, name, name_en, decision_number, description = map(nfc, (code, name, name_en, decision_number, description))
    refuse_bad_input(
        dates={"decided_on": decided_on},
        texts={"code": code, "name": name, "name_en": name_en, "decision_number": decision_number},
        multiline={"description": description},
    )
    stages = _clean_stages(stages)
    if decision is None and ((decision_number or "").strip() or decided_on is not None):
        decision = decision_register(number=decision_number, date=decided_on, user=user)
    programme = Programme(
        code=code,
        name=name,
        name_en=name_en,
        decision=decision,
        stages=stages,
        description=description,
        result_type=result_type,
    )
    programme.full_clean()
    save_new_with_links(programme, {"source_types": source_types})
    return programme


@transaction.atomic
def published_aggregate_create(
    *,
    province,
    programme: Programme,
    on: datetime.date,
    source: str,
    source_kind: str = SourceKind.PUBLISHED,
    decision: Decision | None = None,
    completed: int | None = None,
    total: int | None = None,
    headcount_before: int | None = None,
    headcount_after: int | None = None,
    reduction_pct=None,
    focal_points_removed: int | None = None,
    note: str = "",
    user,
) -> PublishedAggregate:
    """Record a province-level figure of a programme from a published source (or an official
    record), with its citation. Never demo: made-up figures belong on the districts' records."""
    require_province_wide(user)
    source, note = nfc(source), nfc(note)
    counts = {
        "completed": completed,
        "total": total,
        "headcount_before": headcount_before,
        "headcount_after": headcount_after,
        "focal_points_removed": focal_points_removed,
    }
    refuse_bad_input(dates={"on": on}, counts=counts, texts={"source": source}, multiline={"note": note})
    aggregate = PublishedAggregate(
        province=province,
        programme=programme,
        on=on,
        source=(source or "").strip(),
        source_kind=source_kind,
        decision=decision,
        reduction_pct=reduction_pct,
        note=note or "",
        **counts,
    )
    aggregate.full_clean()
    aggregate.save()
    return aggregate


PROGRAMME_EDITABLE_FIELDS = ("name", "name_en", "decision", "stages", "description", "result_type")


@transaction.atomic
def programme_update(*, programme: Programme, data: dict, user, expected_version: int | None = None) -> Programme:
    """Change a programme; its code is its public identifier and never changes.

    Its decision: `decision` (an entry of the register, or None), or `decision_number` and
    `decided_on` as text (the register's entry for them; an empty number and no date: none).
    """
    require_province_wide(user)
    programme = Programme.objects.select_for_update(of=("self",)).select_related("decision").get(pk=programme.pk)
    _check_version(programme, expected_version)
    data = nfc_data(data)
    refuse_bad_input(
        dates={"decided_on": data.get("decided_on")},
        texts={f: data.get(f) for f in ("name", "name_en", "decision_number")},
        multiline={"description": data.get("description")},
    )
    data = dict(data)
    if "stages" in data:
        data["stages"] = _clean_stages(data["stages"])
    if "decision" not in data and ("decision_number" in data or "decided_on" in data):
        number = data.get("decision_number", programme.decision_number)
        day = data.get("decided_on", programme.decided_on)
        same = programme.decision_id and number == programme.decision_number and day == programme.decided_on
        if not same:
            has_any = (number or "").strip() or day is not None
            data["decision"] = decision_register(number=number, date=day, user=user) if has_any else None
    set_fields(programme, data, PROGRAMME_EDITABLE_FIELDS)
    programme.full_clean()
    programme.version += 1
    if "source_types" in data:
        # Set before the save, without a history record of its own: the save's record then holds
        # the fields and the new source types together (one change in the history, not three).
        programme.skip_history_when_saving = True
        try:
            programme.source_types.set(data["source_types"])
        finally:
            del programme.skip_history_when_saving
    programme.save()
    return programme


MSG_STAGES_UNKNOWN = _("Giai đoạn không hợp lệ: %(stage)s.")
MSG_STAGES_ORDER = _("Các giai đoạn phải theo thứ tự: nhất thể hóa chức danh, phê duyệt, hoàn thành.")
MSG_STAGES_END = _("Các giai đoạn phải kết thúc bằng “Hoàn thành”.")


def _clean_stages(stages) -> list[str]:
    """A programme's stages after "planned": a part of PROGRAMME_STAGES in its order, ending with
    "completed"; empty: the programme sets no stage rule."""
    stages = [str(s) for s in (stages or [])]
    for stage in stages:
        if stage not in PROGRAMME_STAGES:
            raise ValidationError(
                {"stages": ValidationError(MSG_STAGES_UNKNOWN, code="unknown", params={"stage": stage})}
            )
    positions = [PROGRAMME_STAGES.index(s) for s in stages]
    if positions != sorted(set(positions)):
        raise ValidationError({"stages": ValidationError(MSG_STAGES_ORDER, code="order")})
    if stages and stages[-1] != MergerStatus.COMPLETED:
        raise ValidationError({"stages": ValidationError(MSG_STAGES_END, code="end")})
    return stages


# --- headcounts -------------------------------------------------------------------------


def _validate_headcount(*, agency: Agency, as_of: datetime.date, authorised, actual, source: str) -> dict:
    errors = bad_input_errors(
        dates={"as_of": as_of}, counts={"authorised": authorised, "actual": actual}, texts={"source": source}
    )
    if errors.get("as_of"):
        return errors  # a date out of range: nothing else can be checked against it
    if not agency.is_active_on(as_of):
        errors.setdefault("as_of", []).append(
            ValidationError(
                MSG_HEADCOUNT_NOT_ACTIVE, code="agency_not_active", params={"agency": agency.name, "date": _fmt(as_of)}
            )
        )
    if authorised is None and actual is None:
        errors.setdefault("authorised", []).append(ValidationError(MSG_HEADCOUNT_NO_FIGURE, code="no_figure"))
    for field, value in (("authorised", authorised), ("actual", actual)):
        if value is not None and value < 0:
            errors.setdefault(field, []).extend(count_errors(value))
    if not (source or "").strip():
        errors.setdefault("source", []).append(ValidationError(MSG_SOURCE_REQUIRED, code="required"))
    return errors


@transaction.atomic
def headcount_record(
    *,
    agency: Agency,
    as_of: datetime.date,
    authorised: int | None = None,
    actual: int | None = None,
    source: str,
    source_kind: str = SourceKind.OFFICIAL,
    confirm: bool = False,
    user,
) -> HeadcountRecord:
    """Record an agency's headcount on a date (one record per agency per date).

    Implausible figures (see `headcount_warnings`) are refused with HeadcountWarnings unless
    `confirm` says the editor has seen the warnings and keeps the figures.
    """
    agency = Agency.objects.select_related("district").get(pk=agency.pk)
    require_district(user, agency.district)
    source = nfc(source)
    errors = _validate_headcount(agency=agency, as_of=as_of, authorised=authorised, actual=actual, source=source)
    if HeadcountRecord.objects.filter(agency=agency, as_of=as_of).exists():
        errors.setdefault("as_of", []).append(
            ValidationError(MSG_HEADCOUNT_EXISTS, code="duplicate", params={"agency": agency.name, "date": _fmt(as_of)})
        )
    if errors:
        raise ValidationError(errors)
    if not confirm:
        refuse_unconfirmed(headcount_warnings(agency=agency, as_of=as_of, authorised=authorised, actual=actual))
    return _headcount_insert(
        agency=agency, as_of=as_of, authorised=authorised, actual=actual, source=source, source_kind=source_kind
    )


def _headcount_insert(
    *, agency: Agency, as_of: datetime.date, authorised, actual, source: str, source_kind: str, concurrent: bool = True
) -> HeadcountRecord:
    """Insert a validated record (inside the caller's transaction). `agency` was just read, so its
    existence is not checked again, and the constraints were checked by `_validate_headcount` and
    the duplicate test (the database enforces them all). `concurrent=False`: no other transaction
    can insert the same agency and date (an agency created in this transaction), so no savepoint."""
    record = HeadcountRecord(
        agency=agency,
        as_of=as_of,
        authorised=authorised,
        actual=actual,
        source=source.strip(),
        source_kind=source_kind,
    )
    record.full_clean(exclude=["agency"], validate_constraints=False)
    if not concurrent:
        record.save()
        return record
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as exc:  # a concurrent insert of the same agency and date
        raise ValidationError(
            {"as_of": ValidationError(MSG_HEADCOUNT_EXISTS % {"agency": agency.name, "date": _fmt(as_of)})}
        ) from exc
    return record


@transaction.atomic
def headcount_update(
    *,
    record: HeadcountRecord,
    authorised: int | None,
    actual: int | None,
    source: str,
    source_kind: str = SourceKind.OFFICIAL,
    confirm: bool = False,
    user,
    expected_version: int | None = None,
) -> HeadcountRecord:
    """Correct a headcount record's figures (its agency and date never change).

    Implausible figures are refused with HeadcountWarnings unless `confirm` (as headcount_record).
    """
    record = HeadcountRecord.objects.select_for_update().select_related("agency__district").get(pk=record.pk)
    require_district(user, record.agency.district)
    _check_version(record, expected_version)
    source = nfc(source)
    errors = _validate_headcount(
        agency=record.agency, as_of=record.as_of, authorised=authorised, actual=actual, source=source
    )
    if errors:
        raise ValidationError(errors)
    if not confirm:
        changed = {f for f, v in (("authorised", authorised), ("actual", actual)) if getattr(record, f) != v}
        refuse_unconfirmed(
            headcount_warnings(
                agency=record.agency, as_of=record.as_of, authorised=authorised, actual=actual, changed=changed
            )
        )
    record.authorised, record.actual = authorised, actual
    record.source, record.source_kind = source.strip(), source_kind
    # The agency was just read; the constraints (one record per agency and date: neither changes;
    # figures not negative, one at least, a source) were checked by _validate_headcount, and the
    # database enforces them: checking them again would cost 16 queries.
    record.full_clean(exclude=["agency"], validate_constraints=False)
    record.version += 1
    record.save()
    return record


# --- mergers ----------------------------------------------------------------------------


def _source_errors(
    *,
    programme: Programme,
    district: District,
    sources: Sequence[Agency],
    day: datetime.date,
    exclude_merger: Merger | None = None,
) -> list[ValidationError]:
    errors: list[ValidationError] = []
    if len(sources) < 2:
        errors.append(ValidationError(MSG_TOO_FEW_SOURCES, code="too_few_sources"))
    allowed_types = set(programme.source_types.values_list("id", flat=True))
    for agency in sources:
        params = {"agency": agency.name, "district": district.full_name, "date": _fmt(day)}
        if agency.district_id != district.id:
            errors.append(ValidationError(MSG_SOURCE_OTHER_DISTRICT, code="source_other_district", params=params))
        elif not agency.is_active_on(day):
            errors.append(ValidationError(MSG_SOURCE_NOT_ACTIVE, code="source_not_active", params=params))
        if allowed_types and agency.agency_type_id not in allowed_types:
            errors.append(ValidationError(MSG_SOURCE_WRONG_TYPE, code="source_wrong_type", params=params))
    busy = Agency.objects.filter(
        pk__in=[a.pk for a in sources], absorbing_mergers__status__in=OPEN_STATUSES + [MergerStatus.COMPLETED]
    )
    if exclude_merger is not None:
        busy = busy.exclude(absorbing_mergers=exclude_merger)
    for agency in busy.distinct():
        errors.append(
            ValidationError(MSG_SOURCE_IN_OTHER_MERGER, code="source_in_other_merger", params={"agency": agency.name})
        )
    return errors


def _add_stage(
    *,
    merger: Merger,
    status: str,
    on: datetime.date,
    note: str,
    user,
    decision: Decision | None = None,
    skipped: Sequence[str] = (),
    skip_reason: str = "",
) -> MergerStage:
    stage = MergerStage(
        merger=merger,
        status=status,
        on=on,
        note=note or "",
        decision=decision,
        skipped=list(skipped),
        skip_reason=(skip_reason or "").strip() if skipped else "",
        created_by=_real_user(user),
    )
    stage.save()
    return stage


def _real_user(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _last_stage_date(merger: Merger) -> datetime.date | None:
    return merger.stages.order_by("-on", "-id").values_list("on", flat=True).first()


def merger_create_errors(
    *,
    programme: Programme,
    district: District,
    source_agencies: Sequence[Agency],
    decision: Decision | None = None,
    decision_number: str = "",
    decided_on: datetime.date | None = None,
    planned_on: datetime.date | None = None,
    planned_decision: Decision | None = None,
    note: str = "",
    source_kind: str = SourceKind.OFFICIAL,
    source: str = "",
    user,
) -> dict[str, list]:
    """Field -> [ValidationError]: every rule `merger_create` checks, without writing anything.

    The form calls it too, so that an editor sees the service's refusals in the same round as
    the form's own (a missing decision number and a source of the wrong type together).
    """
    require_district(user, district)
    decision_number, note, source = nfc(decision_number), nfc(note), nfc(source)
    errors = bad_input_errors(
        dates={"decided_on": decided_on, "planned_on": planned_on},
        texts={"decision_number": decision_number, "source": source},
        multiline={"note": note},
    )
    if decision is not None:
        decided_on = decision.date
        if decided_on is None:
            errors["decision"] = [
                ValidationError(MSG_DECISION_UNDATED, code="undated", params={"number": decision.number})
            ]
    else:
        if not (decision_number or "").strip():
            errors.setdefault("decision_number", []).append(
                ValidationError(MSG_DECISION_NUMBER_REQUIRED, code="required")
            )
        elif len(decision_number.strip()) > 50:
            errors.setdefault("decision_number", []).append(
                ValidationError(_("Số quyết định tối đa 50 ký tự."), code="max_length")
            )
        if decided_on is None and "decided_on" not in errors:
            errors["decided_on"] = [ValidationError(MSG_DECISION_DATE_REQUIRED, code="required")]
    if errors.get("decided_on") or errors.get("decision") or decided_on is None:
        return errors  # nothing else can be checked without a date in range
    if not district.is_active_on(decided_on):
        errors["district"] = [
            ValidationError(
                MSG_DISTRICT_NOT_ACTIVE,
                code="district_not_active",
                params={"district": district.full_name, "date": _fmt(decided_on)},
            )
        ]
    elif Merger.objects.filter(programme=programme, district=district).exclude(status=MergerStatus.CANCELLED).exists():
        errors["district"] = [
            ValidationError(MSG_MERGER_EXISTS, code="merger_exists", params={"district": district.full_name})
        ]
    source_errors = _source_errors(programme=programme, district=district, sources=source_agencies, day=decided_on)
    if source_errors:
        errors["source_agencies"] = source_errors
    if not errors.get("planned_on"):
        errors.update(_decision_not_after(planned_decision, planned_on or decided_on, "planned_decision"))
    return errors


MSG_STAGE_NOT_IN_PROGRAMME = _("Đề án này không có giai đoạn “%(stage)s” (các giai đoạn: %(stages)s).")
MSG_STAGE_SKIP_NEEDS_REASON = _("Bỏ qua giai đoạn %(stages)s của đề án: cần ghi lý do.")


def _stage_labels(stages) -> str:
    return ", ".join(f"“{MergerStatus(s).label}”" for s in stages)


def stage_rule(*, merger: Merger, target: str, skip_reason: str = "") -> tuple[list[str], dict]:
    """The programme's stages a move from the merger's stage to `target` goes past (without
    passing them), and the refusals: a stage the programme does not have, or a skip without a
    reason. A programme without stages sets no rule."""
    stages = list(merger.programme.stages or [])
    if not stages:
        return [], {}
    errors: dict[str, list] = {}
    if target not in stages:
        errors["status"] = [
            ValidationError(
                MSG_STAGE_NOT_IN_PROGRAMME,
                code="not_in_programme",
                params={"stage": MergerStatus(target).label, "stages": _stage_labels(stages)},
            )
        ]
        return [], errors
    here, there = STAGE_ORDER.index(merger.status), STAGE_ORDER.index(target)
    skipped = [s for s in stages if here < STAGE_ORDER.index(s) < there]
    if skipped and not (skip_reason or "").strip():
        errors["skip_reason"] = [
            ValidationError(
                MSG_STAGE_SKIP_NEEDS_REASON, code="skip_needs_reason", params={"stages": _stage_labels(skipped)}
            )
        ]
    return skipped, errors


@transaction.atomic
def merger_create(**arguments) -> Merger:
    """Plan a merger of two or more agencies of one district under a programme.

    It cites `decision` (an entry of the register, with a date), or the register's entry for
    `decision_number` and `decided_on` (created when there is none, as official as the merger:
    `source_kind`, `source`). `planned_on` dates the "planned" stage (default: the decision
    date); title unification often came years before the decision, so it may be earlier. The
    stage cites `planned_decision`, or the merger's decision when issued by then. Its arguments
    (keywords) and their rules are `merger_create_errors`'s: one signature for both.
    """
    plan = inspect.signature(merger_create_errors).bind(**arguments)  # TypeError as a signature gives
    plan.apply_defaults()
    a = plan.arguments
    programme, district, decision, user = a["programme"], a["district"], a["decision"], a["user"]
    decided_on, planned_on, planned_decision = a["decided_on"], a["planned_on"], a["planned_decision"]
    source_kind, source, note = a["source_kind"], nfc(a["source"]), nfc(a["note"])
    require_district(user, district)
    # Read the sources afresh (and lock them): callers may hold stale instances.
    sources = list(
        Agency.objects.select_for_update().filter(pk__in={s.pk for s in a["source_agencies"]}).order_by("pk")
    )
    errors = merger_create_errors(**{**a, "source_agencies": sources})
    if errors:
        raise ValidationError(errors)
    if decision is not None:
        decided_on = decision.date
    planned_on = planned_on or decided_on
    if decision is None:
        decision = decision_register(
            number=nfc(a["decision_number"]),
            date=decided_on,
            district=district,
            source=source,
            source_kind=source_kind,
            user=user,
        )
    merger = Merger(
        programme=programme,
        district=district,
        decision=decision,
        status=MergerStatus.PLANNED,
        source_kind=source_kind,
        source=source,
    )
    try:
        merger.full_clean(validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from exc
    try:
        with transaction.atomic():
            save_new_with_links(merger, {"source_agencies": sources})
    except IntegrityError as exc:  # a concurrent creation for the same programme and district
        raise ValidationError({"district": MSG_MERGER_EXISTS % {"district": district.full_name}}) from exc
    if planned_decision is None and decision.date <= planned_on:
        planned_decision = decision
    _add_stage(
        merger=merger, status=MergerStatus.PLANNED, on=planned_on, note=note, user=user, decision=planned_decision
    )
    return merger


merger_create.__signature__ = inspect.signature(merger_create_errors).replace(return_annotation=Merger)


def _lock(merger: Merger) -> Merger:
    return (
        Merger.objects.select_for_update()
        .select_related("programme__result_type", "district", "decision")
        .get(pk=merger.pk)
    )


def _refuse_closed(merger: Merger) -> None:
    if merger.status == MergerStatus.COMPLETED:
        raise MergerStateConflict({"status": ValidationError(MSG_ALREADY_COMPLETED, code="already_completed")})
    if merger.status == MergerStatus.CANCELLED:
        raise MergerStateConflict({"status": ValidationError(MSG_CANCELLED, code="cancelled")})


def _refuse_date_before_last(merger: Merger, on: datetime.date, field: str) -> None:
    last = _last_stage_date(merger)
    if last is not None and on < last:
        raise ValidationError(
            {field: ValidationError(MSG_STAGE_DATE_BEFORE_LAST, code="date_before_last", params={"date": _fmt(last)})}
        )


@transaction.atomic
def merger_advance(
    *,
    merger: Merger,
    status: str,
    on: datetime.date,
    note: str = "",
    decision: Decision | None = None,
    skip_reason: str = "",
    user,
    expected_version: int | None = None,
) -> Merger:
    """Move an open merger forward to "titles unified" or "approved".

    The stage cites `decision` (issued on or before `on`); an approval cites the merger's own
    decision by default, when issued by then. When the programme lists its stages, the target
    must be one of them, and going past one needs `skip_reason` (recorded with the stage).
    """
    merger = _lock(merger)
    require_district(user, merger.district)
    note, skip_reason = nfc(note), nfc(skip_reason)
    refuse_bad_input(dates={"on": on}, multiline={"note": note, "skip_reason": skip_reason})
    _check_version(merger, expected_version)
    _refuse_closed(merger)
    if status in (MergerStatus.COMPLETED, MergerStatus.CANCELLED):
        raise ValidationError({"status": ValidationError(MSG_STAGE_USE_OPERATION, code="use_operation")})
    if status not in STAGE_ORDER or STAGE_ORDER.index(status) <= STAGE_ORDER.index(merger.status):
        raise ValidationError(
            {
                "status": ValidationError(
                    MSG_STAGE_NOT_FORWARD,
                    code="not_forward",
                    params={
                        "current": merger.get_status_display(),
                        "target": MergerStatus(status).label if status in MergerStatus.values else status,
                    },
                )
            }
        )
    _refuse_date_before_last(merger, on, "on")
    skipped, errors = stage_rule(merger=merger, target=status, skip_reason=skip_reason)
    errors.update(_decision_not_after(decision, on, "decision"))
    if errors:
        raise ValidationError(errors)
    if decision is None and status == MergerStatus.APPROVED and merger.decision.date <= on:
        decision = merger.decision
    merger.status = status
    merger.version += 1
    merger.save(update_fields=["status", "version", "updated_at"])
    _add_stage(
        merger=merger,
        status=status,
        on=on,
        note=note,
        user=user,
        decision=decision,
        skipped=skipped,
        skip_reason=skip_reason,
    )
    return merger


@transaction.atomic
def merger_cancel(
    *, merger: Merger, on: datetime.date, note: str = "", user, expected_version: int | None = None
) -> Merger:
    """Cancel an open merger; its sources become free for another merger."""
    merger = _lock(merger)
    require_district(user, merger.district)
    note = nfc(note)
    refuse_bad_input(dates={"on": on}, multiline={"note": note})
    _check_version(merger, expected_version)
    _refuse_closed(merger)
    _refuse_date_before_last(merger, on, "on")
    merger.status = MergerStatus.CANCELLED
    merger.version += 1
    merger.save(update_fields=["status", "version", "updated_at"])
    _add_stage(merger=merger, status=MergerStatus.CANCELLED, on=on, note=note, user=user)
    return merger


def default_result_name(merger: Merger) -> str:
    """ "Cơ quan Tổ chức - Nội vụ thành phố Hạ Long": the district's kind is lower-case inside a name."""
    with translation.override("vi"):  # a stored name, in Vietnamese whatever the editor's language
        full_name = merger.district.full_name
        return f"{merger.programme.result_type.name} {full_name[:1].lower()}{full_name[1:]}"


@dataclass
class Completion:
    """What completing a merger will do, as `validate_merger_complete` found it."""

    merger: Merger  # locked
    effective_on: datetime.date
    sources: list[Agency]  # locked; dissolved on the effective date
    result: Agency  # to be created (no pk yet) or linked
    decision: Decision  # cited by the completion, the sources' end and a new result's establishment
    skipped: list[str]  # the programme's stages gone past
    skip_reason: str
    note: str
    headcount_after: int | None
    actual_after: int | None
    headcount_source: str | None  # the result's record's source; None: no figure given


@transaction.atomic
def validate_merger_complete(
    *,
    merger: Merger,
    effective_on: datetime.date,
    headcount_after: int | None = None,
    actual_after: int | None = None,
    result_name: str | None = None,
    result_agency: Agency | None = None,
    headcount_source: str = "",
    note: str = "",
    decision: Decision | None = None,
    skip_reason: str = "",
    user,
    expected_version: int | None = None,
) -> Completion:
    """Every refusal `merger_complete` gives for these arguments, all in one ValidationError,
    writing nothing; else what the completion will do. The completion page's preview calls it,
    and `merger_complete` before it writes: the rules are written here only. It locks the
    merger and its sources for the rest of the caller's transaction."""
    merger = _lock(merger)
    require_district(user, merger.district)
    result_name, headcount_source, note = nfc(result_name), nfc(headcount_source), nfc(note)
    refuse_bad_input(
        dates={"effective_on": effective_on},
        counts={"headcount_after": headcount_after, "actual_after": actual_after},
        texts={"result_name": result_name, "headcount_source": headcount_source},
        multiline={"note": note, "skip_reason": skip_reason},
    )
    _check_version(merger, expected_version)
    _refuse_closed(merger)
    district = merger.district
    sources = list(merger.source_agencies.select_for_update().order_by("pk"))
    errors: dict[str, list] = {}

    if effective_on < merger.decided_on:
        errors["effective_on"] = [
            ValidationError(
                MSG_EFFECTIVE_BEFORE_DECISION, code="before_decision", params={"date": _fmt(merger.decided_on)}
            )
        ]
    else:
        last = _last_stage_date(merger)
        if last is not None and effective_on < last:
            errors["effective_on"] = [
                ValidationError(MSG_STAGE_DATE_BEFORE_LAST, code="date_before_last", params={"date": _fmt(last)})
            ]
    source_errors = _source_errors(
        programme=merger.programme, district=district, sources=sources, day=effective_on, exclude_merger=merger
    )
    if source_errors:
        errors["source_agencies"] = source_errors
    skipped, rule_errors = stage_rule(merger=merger, target=MergerStatus.COMPLETED, skip_reason=skip_reason)
    errors.update(rule_errors)
    errors.update(_decision_not_after(decision, effective_on, "decision"))
    decision = decision or merger.decision

    name = (result_name or "").strip()
    if result_agency is not None:
        if name:
            errors.setdefault("result_name", []).append(ValidationError(MSG_RESULT_NAME_AND_AGENCY, code="both"))
        if result_agency.district_id != district.id:
            errors.setdefault("result_agency", []).append(
                ValidationError(
                    MSG_RESULT_OTHER_DISTRICT, code="other_district", params={"district": district.full_name}
                )
            )
        elif result_agency.pk in {s.pk for s in sources}:
            errors.setdefault("result_agency", []).append(ValidationError(MSG_RESULT_IS_SOURCE, code="is_source"))
        elif not result_agency.is_active_on(effective_on):
            errors.setdefault("result_agency", []).append(
                ValidationError(MSG_RESULT_NOT_ACTIVE, code="not_active", params={"date": _fmt(effective_on)})
            )
        result = result_agency
    else:
        result = Agency(
            district=district,
            agency_type=merger.programme.result_type,
            name=name or default_result_name(merger),
            established_on=effective_on,
            established_by=decision,
        )
        try:
            # The district and the type were read with the locked merger: no existence queries.
            # The one constraint (dissolved on or after established) holds: dissolved_on is empty.
            result.full_clean(exclude=["district", "agency_type"], validate_constraints=False)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault("result_name" if field == "name" else field, []).extend(messages)
        same = duplicate_agency(
            district=district, agency_type=result.agency_type, name=result.name, established_on=effective_on,
            dissolved_on=None,
        )  # fmt: skip
        if same is not None:
            errors.setdefault("result_name", []).append(duplicate_agency_error(same))

    source_text = None
    if headcount_after is not None or actual_after is not None:
        with translation.override("vi"):  # stored text, in Vietnamese whatever the editor's language
            source_text = str(headcount_source or _("Quyết định %(number)s") % {"number": merger.decision_number})
        for field, value in (("headcount_after", headcount_after), ("actual_after", actual_after)):
            if value is not None and value < 0:
                errors.setdefault(field, []).extend(count_errors(value))
        if not errors:  # the result's record, as headcount_record or headcount_update would check it
            errors.update(
                _validate_headcount(
                    agency=result,
                    as_of=effective_on,
                    authorised=headcount_after,
                    actual=actual_after,
                    source=source_text,
                )
            )
    if errors:
        raise ValidationError(errors)
    return Completion(
        merger=merger,
        effective_on=effective_on,
        sources=sources,
        result=result,
        decision=decision,
        skipped=skipped,
        skip_reason=skip_reason,
        note=note,
        headcount_after=headcount_after,
        actual_after=actual_after,
        headcount_source=source_text,
    )


@transaction.atomic
def merger_complete(*, headcount_source_kind: str = SourceKind.OFFICIAL, **arguments) -> Merger:
    """Complete a merger in one atomic step, once `validate_merger_complete(**arguments)`
    refuses nothing (its keywords: merger, effective_on, headcount_after, actual_after,
    result_name or result_agency, headcount_source, note, decision, skip_reason, user,
    expected_version); the result's headcount record is of `headcount_source_kind`.

    The merger row is locked, so two simultaneous completions produce one result. The
    sources are dissolved on `effective_on`; the result agency is created (named
    `result_name`, or after the programme's result type) or an existing one is linked; its
    headcount after the merger is recorded when given; the merger becomes completed. The
    completion cites `decision` (default: the merger's), and so do the sources' end and a new
    result's establishment. Going past a stage the programme lists needs `skip_reason`.
    """
    plan = validate_merger_complete(**arguments)
    merger, sources, result, decision, effective_on = (
        plan.merger, plan.sources, plan.result, plan.decision, plan.effective_on
    )  # fmt: skip
    user = arguments["user"]

    # The sources (locked) are dissolved by one UPDATE, and their history records, the same as
    # each save would make, by one INSERT.
    for source_agency in sources:
        source_agency.dissolved_on = effective_on
        source_agency.dissolved_by = decision
        source_agency.version += 1
    Agency.objects.filter(pk__in=[s.pk for s in sources]).update(
        dissolved_on=effective_on, dissolved_by=decision, version=F("version") + 1
    )
    Agency.history.bulk_history_create(sources, update=True, default_change_reason=history_reason())
    new_result = result.pk is None
    if new_result:
        result.save()
    if plan.headcount_source is not None:
        # A result created just now has no record yet.
        existing = None if new_result else HeadcountRecord.objects.filter(agency=result, as_of=effective_on).first()
        if existing is None:  # checked by validate_merger_complete, as headcount_record would, without its queries
            _headcount_insert(
                agency=result,
                as_of=effective_on,
                authorised=plan.headcount_after,
                actual=plan.actual_after,
                source=plan.headcount_source,
                source_kind=headcount_source_kind,
                concurrent=not new_result,
            )
        else:
            headcount_update(
                record=existing,
                authorised=plan.headcount_after,
                actual=plan.actual_after,
                source=plan.headcount_source,
                source_kind=headcount_source_kind,
                confirm=True,
                user=user,  # already checked on the merger's district, the result's
            )
    merger.status = MergerStatus.COMPLETED
    merger.effective_on = effective_on
    merger.result_agency = result
    merger.version += 1
    # Its programme, district and result were read (locked) or saved above; its constraints were
    # checked above (effective on or after the decision) or hold by construction (completed with
    # a result; one merger per programme and district since its creation); the database enforces
    # them all. Without these, full_clean costs 12 queries.
    merger.full_clean(exclude=["programme", "district", "result_agency"], validate_constraints=False)
    merger.save()
    _add_stage(
        merger=merger,
        status=MergerStatus.COMPLETED,
        on=effective_on,
        note=plan.note,
        user=user,
        decision=decision,
        skipped=plan.skipped,
        skip_reason=plan.skip_reason,
    )
    return merger


# --- districts --------------------------------------------------------------------------


@transaction.atomic
def district_dissolve(
    *,
    district: District,
    on: datetime.date,
    successor: District | None = None,
    successor_province=None,
    decision: Decision | None = None,
    user,
) -> District:
    """Dissolve a district on `on` (exclusive) and end its agencies' activity that day.

    The rules (not dissolved yet; the successor in the same province, active that day; or the
    district's own province taking over its functions; a decision issued by then) are
    districts.services.dissolution_errors and `_decision_not_after`. Each agency ends citing
    `decision`, and goes (lineage across districts):

    - with a successor district: into its agency of the same type active that day, when it
      has exactly one ("the bodies of equivalent function of the two localities are merged");
      otherwise it is dissolved;
    - with a successor province: its functions go to the province.

    Its staff move to the successor's agencies: record their new headcounts there.
    """
    district = District.objects.select_for_update().select_related("province").get(pk=district.pk)
    require_district(user, district)
    refuse_bad_input(dates={"dissolved_on": on})
    errors = dissolution_errors(district=district, on=on, successor=successor, successor_province=successor_province)
    errors.update(_decision_not_after(decision, on, "dissolution_decision"))
    if errors:
        raise ValidationError(errors)
    district.dissolved_on = on
    district.successor = successor
    district.successor_province = successor_province
    district.dissolution_decision = decision
    district.full_clean()
    district.save()
    receivers: dict[int, list[Agency]] = {}
    if successor is not None:
        for agency in Agency.objects.filter(district=successor).filter(
            Q(established_on__lte=on), Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=on)
        ):
            receivers.setdefault(agency.agency_type_id, []).append(agency)
    for agency in Agency.objects.filter(district=district, dissolved_on__isnull=True).select_for_update():
        same_function = receivers.get(agency.agency_type_id, [])
        agency.dissolved_on = on
        agency.dissolved_by = decision
        agency.successor = same_function[0] if len(same_function) == 1 else None
        agency.successor_province = successor_province
        agency.version += 1
        agency.full_clean()
        agency.save(update_fields=["dissolved_on", "dissolved_by", "successor", "successor_province", "version"])
    return district


# --- agency types (the admin writes through here too) ---------------------------------------

MSG_AGENCY_TYPE_CODE_FIXED = _("Mã loại cơ quan không thể thay đổi.")
MSG_AGENCY_TYPE_IN_USE = _("Không thể xóa loại cơ quan “%(type)s”: %(count)s cơ quan hoặc đề án đang dùng nó.")
AGENCY_TYPE_EDITABLE_FIELDS = ("name", "name_en", "sector", "in_district_quota")


@transaction.atomic
def agency_type_create(
    *, code: str, name: str, name_en: str, sector: str, in_district_quota: bool = True, user
) -> AgencyType:
    require_province_wide(user)
    code, name, name_en = nfc(code), nfc(name), nfc(name_en)
    refuse_bad_input(texts={"code": code, "name": name, "name_en": name_en})
    agency_type = AgencyType(code=code, name=name, name_en=name_en, sector=sector, in_district_quota=in_district_quota)
    agency_type.full_clean()
    agency_type.save()
    return agency_type


@transaction.atomic
def agency_type_update(*, agency_type: AgencyType, data: dict, user) -> AgencyType:
    """Change an agency type. `in_district_quota` changes every district's headcount: the
    figures computed from it follow (this service is where a summary would be refreshed)."""
    require_province_wide(user)
    agency_type = AgencyType.objects.select_for_update().get(pk=agency_type.pk)
    data = nfc_data(data)
    refuse_key_change(agency_type, data, MSG_AGENCY_TYPE_CODE_FIXED)
    refuse_bad_input(texts={f: data.get(f) for f in ("name", "name_en")})
    set_fields(agency_type, data, AGENCY_TYPE_EDITABLE_FIELDS)
    agency_type.full_clean()
    agency_type.save()
    return agency_type


@transaction.atomic
def agency_type_delete(*, agency_type: AgencyType, user) -> None:
    """Delete an agency type that no agency and no programme uses."""
    require_province_wide(user)
    agency_type = AgencyType.objects.select_for_update().get(pk=agency_type.pk)
    used = (
        agency_type.agencies.count()
        + agency_type.source_of_programmes.count()
        + agency_type.result_of_programmes.count()
    )
    if used:
        raise ValidationError(MSG_AGENCY_TYPE_IN_USE, code="in_use", params={"type": agency_type.name, "count": used})
    agency_type.delete()


@transaction.atomic
def headcount_delete(*, record: HeadcountRecord, user) -> None:
    """Delete a headcount record entered by mistake (the admin only; the history keeps it)."""
    record = HeadcountRecord.objects.select_for_update().select_related("agency__district").get(pk=record.pk)
    require_district(user, record.agency.district)
    record.delete()


# --- a district's headcounts on one date, all together or none ------------------------------

MSG_HEADCOUNT_ROW_OTHER_DISTRICT = _("Cơ quan “%(agency)s” không thuộc %(district)s.")
MSG_HEADCOUNT_ROW_TWICE = _("Cơ quan “%(agency)s” có nhiều hơn một dòng.")
MSG_HEADCOUNT_NO_ROWS = _("Chưa nhập số liệu nào.")


def row_errors(error_dict: dict) -> tuple[dict[int, dict[str, list]], dict[str, list]]:
    """A refusal of `headcount_record_many` split into its rows' errors (index -> field ->
    errors, from the keys "rows.<index>.<field>") and the others (key -> errors)."""
    rows: dict[int, dict[str, list]] = {}
    others: dict[str, list] = {}
    for key, errors in error_dict.items():
        if key.startswith("rows."):
            _rows, index, field = key.split(".", 2)
            rows.setdefault(int(index), {})[field] = errors
        else:
            others[key] = errors
    return rows, others


@transaction.atomic
def validate_headcount_many(
    *,
    district: District,
    as_of: datetime.date,
    rows: Sequence[dict],
    source: str = "",
    confirm: bool = False,
    user,
) -> dict[int, HeadcountRecord]:
    """Every refusal `headcount_record_many` gives for these rows, writing nothing (then its
    warnings, HeadcountWarnings, unless `confirm`); else the records that exist on `as_of`, by
    agency id, locked for the rest of the caller's transaction. The workbook import checks a
    file with it even when some of its lines could not be read, so that every problem is listed
    at once."""
    require_district(user, district)
    source = nfc(source)
    refuse_bad_input(dates={"as_of": as_of}, texts={"source": source})
    errors: dict[str, list] = {}
    existing = {
        r.agency_id: r
        for r in HeadcountRecord.objects.select_for_update().filter(
            agency__in=[row["agency"] for row in rows], as_of=as_of
        )
    }
    if not rows:
        errors["rows"] = [ValidationError(MSG_HEADCOUNT_NO_ROWS, code="no_rows")]
    seen: set[int] = set()
    for index, row in enumerate(rows):
        agency = row["agency"]
        row_source = nfc(row.get("source")) or source
        row_errors: dict[str, list] = {}
        if agency.district_id != district.id:
            row_errors["agency"] = [
                ValidationError(
                    MSG_HEADCOUNT_ROW_OTHER_DISTRICT,
                    code="other_district",
                    params={"agency": agency.name, "district": district.full_name},
                )
            ]
        elif agency.pk in seen:
            row_errors["agency"] = [
                ValidationError(MSG_HEADCOUNT_ROW_TWICE, code="twice", params={"agency": agency.name})
            ]
        else:
            row_errors = _validate_headcount(
                agency=agency,
                as_of=as_of,
                authorised=row.get("authorised"),
                actual=row.get("actual"),
                source=row_source,
            )
            if "as_of" in row_errors:  # the agency, not the date, is what is wrong on that row
                row_errors["agency"] = row_errors.pop("as_of")
        expected = row.get("expected_version")
        current = existing[agency.pk].version if agency.pk in existing else 0
        if expected is not None and expected != current and "agency" not in row_errors:
            row_errors["agency"] = [ValidationError(MSG_STALE_VERSION, code="stale")]
        seen.add(agency.pk)
        for field, messages in row_errors.items():
            errors[f"rows.{index}.{field}"] = messages
    if errors:
        raise ValidationError(errors)
    if not confirm:
        warnings: dict[str, list] = {}
        for index, row in enumerate(rows):
            row_warnings = headcount_warnings(
                agency=row["agency"], as_of=as_of, authorised=row.get("authorised"), actual=row.get("actual")
            )
            for field, messages in row_warnings.items():
                warnings[f"rows.{index}.{field}"] = messages
        refuse_unconfirmed(warnings)
    return existing


@transaction.atomic
def headcount_record_many(
    *,
    district: District,
    as_of: datetime.date,
    rows: Sequence[dict],
    source: str = "",
    source_kind: str = SourceKind.OFFICIAL,
    confirm: bool = False,
    user,
) -> list[HeadcountRecord]:
    """Record the headcounts of several agencies of one district on one date, all or none.

    Each row is a dict with `agency`, `authorised`, `actual` and optionally `source`,
    `source_kind` (default: the arguments) and `expected_version`: the version of the
    agency's record on `as_of` that the user saw, 0 if he saw none; when given, a record
    created or changed meanwhile refuses the row instead of being overwritten. Every row is
    checked first (`validate_headcount_many`); a refusal lists each bad row under the key
    "rows.<index>.<field>" (index into `rows`; `row_errors` splits them). An agency that
    already has a record on `as_of` has it corrected; otherwise a record is created. When
    every row is valid, the rows' plausibility warnings (keyed the same way) refuse the whole
    entry with HeadcountWarnings unless `confirm`.
    """
    source = nfc(source)
    rows = [{**row, "source": nfc(row.get("source"))} if row.get("source") else row for row in rows]
    existing = validate_headcount_many(
        district=district, as_of=as_of, rows=rows, source=source, confirm=confirm, user=user
    )

    saved = []
    for row in rows:
        agency = row["agency"]
        kwargs = {
            "authorised": row.get("authorised"),
            "actual": row.get("actual"),
            "source": row.get("source") or source,
            "source_kind": row.get("source_kind") or source_kind,
        }
        if agency.pk in existing:
            saved.append(headcount_update(record=existing[agency.pk], user=user, confirm=True, **kwargs))
        else:
            saved.append(headcount_record(agency=agency, as_of=as_of, user=user, confirm=True, **kwargs))
    return saved


# --- plausibility warnings --------------------------------------------------------------------
# Figures that are possible but unlikely: more people at work than the agency's quota, or a jump
# of more than half between an agency's consecutive records (a typo such as 150 for 15). They are
# not refused outright: the editor confirms them (`confirm=True`), on every entry path.

MSG_ACTUAL_ABOVE_AUTHORISED = _("Số người làm việc thực tế (%(actual)s) lớn hơn biên chế được giao (%(authorised)s).")
MSG_BIG_CHANGE = _("%(measure)s thay đổi hơn một nửa so với số liệu ngày %(date)s: %(before)s → %(after)s.")
MSG_CONFIRM_WARNINGS = _(
    "Số liệu có điểm bất thường (xem cảnh báo). Hãy kiểm tra lại; nếu số liệu đúng, hãy xác nhận để lưu."
)
MEASURE_LABELS = {"authorised": _("Biên chế được giao"), "actual": _("Số người làm việc thực tế")}


class HeadcountWarnings(ValidationError):
    """Plausibility warnings, keyed by field like a refusal, plus "confirm": saved only once confirmed."""

    def warnings(self) -> dict[str, list[str]]:
        """The warnings alone (without the "confirm" request): field -> messages."""
        return {key: messages for key, messages in self.message_dict.items() if key != "confirm"}


def _big_change(before: int, after: int) -> bool:
    """More than half of the earlier figure (from 0, any rise)."""
    return abs(after - before) * 2 > before


def headcount_warnings(
    *,
    agency: Agency,
    as_of: datetime.date,
    authorised: int | None,
    actual: int | None,
    changed: set[str] | None = None,
) -> dict[str, list[ValidationError]]:
    """Field -> warnings for a record of `agency` on `as_of` with these figures.

    The neighbours are the agency's records just before and just after `as_of` (any record on
    `as_of` itself is the one being replaced). `changed` (a correction): only the figures it
    names are questioned, so that a figure confirmed before is not questioned again. One query.
    """
    warnings: dict[str, list] = {}
    if changed is not None and not changed:
        return warnings
    if authorised is not None and actual is not None and actual > authorised:
        warnings["actual"] = [
            ValidationError(
                MSG_ACTUAL_ABOVE_AUTHORISED,
                code="actual_above_authorised",
                params={"actual": actual, "authorised": authorised},
            )
        ]
    others = list(
        HeadcountRecord.objects.filter(agency=agency)
        .exclude(as_of=as_of)
        .order_by("as_of")
        .values_list("as_of", "authorised", "actual")
    )
    previous = [r for r in others if r[0] < as_of][-1:]
    following = [r for r in others if r[0] > as_of][:1]
    figures = {"authorised": authorised, "actual": actual}
    for index, field in ((1, "authorised"), (2, "actual")):
        value = figures[field]
        if value is None or (changed is not None and field not in changed):
            continue
        for neighbour, is_before in ((previous, True), (following, False)):
            if not neighbour or neighbour[0][index] is None:
                continue
            other = neighbour[0][index]
            before, after = (other, value) if is_before else (value, other)
            if _big_change(before, after):
                warnings.setdefault(field, []).append(
                    ValidationError(
                        MSG_BIG_CHANGE,
                        code="big_change",
                        params={
                            "measure": MEASURE_LABELS[field],
                            "date": _fmt(neighbour[0][0]),
                            "before": before,
                            "after": after,
                        },
                    )
                )
    return warnings


def refuse_unconfirmed(warnings: dict) -> None:
    """Raise HeadcountWarnings (the warnings plus a request to confirm) when there are any."""
    if warnings:
        raise HeadcountWarnings({**warnings, "confirm": [ValidationError(MSG_CONFIRM_WARNINGS, code="unconfirmed")]})


# --- roles and district scopes, set by an administrator in the application ------------------

MSG_ACCESS_ADMIN_ONLY = _("Chỉ quản trị viên mới được phân quyền người dùng.")
MSG_ACCESS_BAD_ROLE = _("Vai trò không hợp lệ.")
ACCESS_PERMISSION = "districts.change_editorscope"


def user_role(user) -> str:
    """The user's role (group name among ROLES), or "" without one."""
    names = [g.name for g in user.groups.all() if g.name in ROLES]
    return names[0] if names else ""


def user_scope(user) -> list[str] | None:
    """District codes the user may edit, sorted; None: the whole province."""
    scope = EditorScope.objects.filter(user=user).first()
    if scope is None:
        return None
    return sorted(scope.districts.values_list("code", flat=True))


@transaction.atomic
def user_access_set(*, user, role: str, districts: Iterable[District] | None, by) -> AccessChange | None:
    """Give `user` one role (or none: "") and a district scope (None: the whole province; an
    empty list: no district, as an EditorScope without districts means).

    Only an administrator (the `districts.change_editorscope` permission) or the system (`by=SYSTEM`)
    may; `by=None` is no one, refused. Each change is recorded (AccessChange: before, after, by whom;
    no one named for the system); nothing changed, nothing recorded.
    """
    if not (is_system(by) or (by is not None and by.is_authenticated and by.has_perm(ACCESS_PERMISSION))):
        raise PermissionDenied(MSG_ACCESS_ADMIN_ONLY)
    if role not in ("", *ROLES):
        raise ValidationError({"role": ValidationError(MSG_ACCESS_BAD_ROLE, code="invalid")})
    districts = None if districts is None else list(districts)  # []: a scope of no district
    role_before, scope_before = user_role(user), user_scope(user)
    scope_after = None if districts is None else sorted(d.code for d in districts)
    if (role_before, scope_before) == (role, scope_after):
        return None
    user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name=role))
    if role:
        user.groups.add(Group.objects.get(name=role))
    if districts is None:
        EditorScope.objects.filter(user=user).delete()
    else:
        scope, _created = EditorScope.objects.get_or_create(user=user)
        scope.districts.set(districts)
    return AccessChange.objects.create(
        user=user,
        changed_by=_real_user(by),
        role_before=role_before,
        role_after=role,
        scope_before=scope_before,
        scope_after=scope_after,
    )
