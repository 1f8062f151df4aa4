"""The decision register: every programme, merger, stage and district change cites an entry."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext_lazy as _

from core.dates import fmt_date
from core.validation import (
    format_count,
    refuse_bad_input,
)
from districts.models import District
from districts.scope import require_district, require_province_wide
from districts.text import search_key
from mergers.choices import (
    DISTRICT_ISSUERS,
    DecisionIssuer,
    DecisionKind,
    SourceKind,
)
from mergers.models import (
    Decision,
)
from mergers.services.base import _check_version

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
                ValidationError(
                    MSG_DECISION_DATE_AFTER_EVENTS, code="after_events", params={"date": fmt_date(earliest)}
                )
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
                params={"number": decision.number, "date": fmt_date(decision.date), "on": fmt_date(on)},
            )
        ]
    }
