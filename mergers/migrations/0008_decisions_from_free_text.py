"""The free-text decision numbers of programmes and mergers become entries of the register.

Every (number, date) a programme or a merger holds becomes one Decision (the same number and
date on several mergers of one district, or of the province, is one entry) and the object
cites it; nothing typed is lost: a date without a number gets the number "(không số)", a
number without a date an entry without a date. The issuer is read from the number's suffix
(/TU Tỉnh ủy, /HU Huyện ủy, -UBND, -CP, UBTVQH ...); the kind from its letters (QĐ, NQ, KL,
ĐA, KH). A merger's decision is as official as the merger's own dates and number
(`source_kind`); 44-QĐ/TU of 30/11/2015 is the known one (Ban Thường vụ Tỉnh ủy, official).

The stages that a merger's decision authorised (planned, approved, completed, when dated on or
after it) and the agencies its completion ended and created cite it too. The functions are
copied here, frozen: later changes to the application must not change what this did.
"""

import datetime

from django.db import migrations
from unidecode import unidecode

NO_NUMBER = "(không số)"
MIGRATED = "Chuyển từ số quyết định ghi trên {what} (migration 0008)."
DISTRICT_ISSUERS = ("huyen-uy", "ubnd-huyen")
KNOWN = {
    ("44-QĐ/TU", datetime.date(2015, 11, 30)): {
        "issuer": "btv-tinh-uy",
        "kind": "quyet-dinh",
        "source_kind": "official",
        "title": "Phê duyệt Đề án “Xây dựng cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể "
        "chính trị - xã hội cấp huyện”",
    },
}


def search_key(text: str) -> str:
    return " ".join(unidecode(text or "").lower().split())


def guess_issuer(number: str, *, in_district: bool) -> str:
    key = search_key(number).replace(" ", "")
    if "ubtvqh" in key:
        return "ubtvqh"
    if key.endswith(("-cp", "/cp", "-ttg")) or "/nq-cp" in key:
        return "chinh-phu"
    if "hdnd" in key:
        return "hdnd-tinh"
    if "ubnd" in key:
        return "ubnd-huyen" if in_district else "ubnd-tinh"
    if key.endswith(("/hu", "/thu", "/txu")):
        return "huyen-uy"
    if key.endswith("/tu"):
        return "tinh-uy"
    return "huyen-uy" if in_district else "tinh-uy"


def guess_kind(number: str) -> str:
    key = search_key(number)
    for letters, kind in (("nq", "nghi-quyet"), ("kl", "ket-luan"), ("da", "de-an"), ("kh", "ke-hoach")):
        if f"-{letters}" in key or f"/{letters}" in key or key.startswith(f"{letters}-"):
            return kind
    return "quyet-dinh"


def forwards(apps, schema_editor):
    Decision = apps.get_model("mergers", "Decision")
    Programme = apps.get_model("mergers", "Programme")
    Merger = apps.get_model("mergers", "Merger")
    MergerStage = apps.get_model("mergers", "MergerStage")
    Agency = apps.get_model("mergers", "Agency")
    found = {}

    def register(number, date, *, district_id, source_kind, what):
        number = (number or "").strip() or NO_NUMBER
        known = KNOWN.get((number, date), {})
        issuer = known.get("issuer") or guess_issuer(number, in_district=district_id is not None)
        district_id = district_id if issuer in DISTRICT_ISSUERS else None
        key = (number, issuer, date, district_id)
        if key not in found:
            decision = Decision.objects.filter(number=number, issuer=issuer, date=date, district_id=district_id).first()
            if decision is None:
                title = known.get("title", "")
                decision = Decision.objects.create(
                    number=number,
                    date=date,
                    issuer=issuer,
                    district_id=district_id,
                    kind=known.get("kind") or guess_kind(number),
                    title=title,
                    source=MIGRATED.format(what=what),
                    source_kind=known.get("source_kind", source_kind),
                    search_name=search_key(f"{number} {title}"),
                )
            found[key] = decision
        return found[key]

    for programme in Programme.objects.order_by("pk"):
        if not (programme.decision_number or "").strip() and programme.decided_on is None:
            continue
        number = programme.decision_number or ""
        kind = (
            "demo"
            if number.upper().startswith("DEMO")
            else "synthetic"
            if number.upper().startswith("SYN")
            else "official"
        )
        programme.decision = register(number, programme.decided_on, district_id=None, source_kind=kind, what="đề án")
        programme.save(update_fields=["decision"])

    for merger in Merger.objects.order_by("pk"):
        decision = register(
            merger.decision_number,
            merger.decided_on,
            district_id=merger.district_id,
            source_kind=merger.source_kind,
            what="hợp nhất",
        )
        merger.decision = decision
        merger.save(update_fields=["decision"])
        for stage in MergerStage.objects.filter(merger=merger, status__in=["planned", "approved", "completed"]):
            if decision.date is None or stage.on >= decision.date:
                stage.decision = decision
                stage.save(update_fields=["decision"])
        if merger.status == "completed":
            Agency.objects.filter(absorbing_mergers=merger, dissolved_by__isnull=True).update(dissolved_by=decision)
            if merger.result_agency_id:
                Agency.objects.filter(pk=merger.result_agency_id, established_by__isnull=True).update(
                    established_by=decision
                )


class Migration(migrations.Migration):
    dependencies = [
        ("mergers", "0007_decision_register"),
        ("districts", "0003_district_dissolution_decision"),
    ]

    # Backwards: 0009 gives the numbers back to the text fields; 0007 removes the register.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
