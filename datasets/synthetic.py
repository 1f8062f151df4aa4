"""A deterministic national dataset for performance work: `manage.py generate_synthetic`.

Sizes follow the country before 2025: 63 provinces, about 700 districts, 8-20 agencies each
before the mergers, the three programmes completed at various dates, monthly headcount
records 2015-2025 (about two million rows). Every record is labelled synthetic.

Mergers go through the real services (merger_create, merger_advance, merger_complete), so
they obey every rule; agencies and the bulk of the headcount records are inserted in
batches (PostgreSQL COPY), checked by the database constraints, because two million
service calls would take hours. The command turns django-simple-history off while it
runs: generated rows need no audit trail.
"""

import csv
import datetime
import io
import random
from collections.abc import Callable, Iterator

from django.db import connection, transaction

from core import readcache
from core.actors import SYSTEM
from datasets.seed import AGENCY_TYPES, PROGRAMMES, create_programme
from districts.choices import DistrictKind
from districts.models import District, Province
from mergers import services
from mergers.choices import SourceKind
from mergers.models import Agency, AgencyType, HeadcountRecord, Programme

SYNTHETIC = SourceKind.SYNTHETIC
SOURCE = "Dữ liệu tổng hợp (synthetic) để đo hiệu năng"
# The programmes' intermediate stages are not generated: a skip would need its reason.
SKIP_REASON = "Dữ liệu tổng hợp: các giai đoạn trung gian không được tạo."
FIRST_MONTH = datetime.date(2015, 1, 1)
LAST_MONTH = datetime.date(2025, 12, 1)
EXTRA_TYPES = [
    ("van-phong", "Văn phòng HĐND và UBND", "People's Council and Committee office"),
    ("tai-chinh", "Phòng Tài chính - Kế hoạch", "Finance and Planning office"),
    ("tu-phap", "Phòng Tư pháp", "Justice office"),
    ("giao-duc", "Phòng Giáo dục và Đào tạo", "Education office"),
    ("y-te", "Phòng Y tế", "Health office"),
    ("van-hoa", "Phòng Văn hóa và Thông tin", "Culture office"),
    ("lao-dong", "Phòng Lao động - Thương binh và Xã hội", "Labour and Social Affairs office"),
    ("tai-nguyen", "Phòng Tài nguyên và Môi trường", "Natural Resources office"),
    ("kinh-te", "Phòng Kinh tế", "Economic office"),
    ("ban-tuyen-giao", "Ban Tuyên giáo", "Propaganda Committee"),
]


def months(start: datetime.date, end: datetime.date) -> Iterator[datetime.date]:
    """First days of the months from `start`'s month to `end` (both included)."""
    day = start.replace(day=1)
    while day <= end:
        yield day
        day = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _catalogue() -> tuple[dict[str, AgencyType], dict[str, Programme]]:
    types = {}
    for code, name, name_en, sector, quota in AGENCY_TYPES:
        types[code], _ = AgencyType.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sector": sector, "in_district_quota": quota}
        )
    for code, name, name_en in EXTRA_TYPES:
        types[code], _ = AgencyType.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sector": "government"}
        )
    programmes = {}
    for spec in PROGRAMMES:
        existing = Programme.objects.filter(code=spec["code"]).first()
        programmes[spec["code"]] = existing or create_programme(spec, types)
    return types, programmes


class HeadcountWriter:
    """Buffers headcount rows and writes them in batches (COPY on PostgreSQL)."""

    COLUMNS = ["agency_id", "as_of", "authorised", "actual", "source", "source_kind", "created_at", "version"]

    def __init__(self, batch_size: int, on_write: Callable[[int], None]):
        self.batch_size = batch_size
        self.rows: list[tuple] = []
        self.on_write = on_write
        self.written = 0
        self.now = datetime.datetime.now(datetime.UTC)

    def add(self, agency_id: int, as_of: datetime.date, authorised: int, actual: int) -> None:
        self.rows.append((agency_id, as_of, authorised, actual))
        if len(self.rows) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if connection.vendor == "postgresql":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for agency_id, as_of, authorised, actual in self.rows:
                writer.writerow(
                    [agency_id, as_of.isoformat(), authorised, actual, SOURCE, SYNTHETIC, self.now.isoformat(), 1]
                )
            buffer.seek(0)
            with connection.cursor() as cursor:
                cursor.copy_expert(
                    f"COPY {HeadcountRecord._meta.db_table} ({', '.join(self.COLUMNS)}) FROM STDIN WITH (FORMAT csv)",
                    buffer,
                )
        else:
            HeadcountRecord.objects.bulk_create(
                HeadcountRecord(agency_id=a, as_of=d, authorised=au, actual=ac, source=SOURCE, source_kind=SYNTHETIC)
                for a, d, au, ac in self.rows
            )
        self.written += len(self.rows)
        self.on_write(len(self.rows))
        self.rows = []


def generate(**kwargs) -> dict:
    """Create the dataset; returns counts. Deterministic for a given `seed`.

    The bulk inserts bypass the signals that renew the read cache's stamp: it is renewed once
    at the end.
    """
    counts, _district_ids = _generate(**kwargs)
    readcache.bump()
    return counts


def _generate(
    *,
    provinces: int,
    seed: int,
    districts_per_province: tuple[int, int] = (8, 14),
    extra_agencies: tuple[int, int] = (6, 10),
    batch_size: int = 50_000,
    progress: Callable[[str, int, int], None] | None = None,
) -> tuple[dict, list[int]]:
    rng = random.Random(seed)
    tick = progress or (lambda stage, done, total: None)
    types, programmes = _catalogue()
    programme_list = [programmes["khoi-mttq"], programmes["to-chuc-noi-vu"], programmes["kiem-tra-thanh-tra"]]
    source_codes = {p.code: [t.code for t in p.source_types.order_by("code")] for p in programme_list}
    extra_codes = [code for code, _, _ in EXTRA_TYPES]
    quota = {code: t.in_district_quota for code, t in types.items()}

    # 1. Provinces, districts and their agencies, in bulk.
    plan = []  # (district, [(agency, programme_code or None, base size)])
    with transaction.atomic():
        for p in range(1, provinces + 1):
            province = Province.objects.create(code=f"S{p:02d}", name=f"Tỉnh tổng hợp {p:02d}")
            count = rng.randint(*districts_per_province)
            districts = District.objects.bulk_create(
                [
                    District(
                        province=province,
                        code=f"S{p:02d}{i:02d}",
                        name=f"Tổng hợp {p:02d}-{i:02d}",
                        kind=rng.choice(DistrictKind.values),
                        search_name=f"tong hop {p:02d}-{i:02d}",
                    )
                    for i in range(1, count + 1)
                ]
            )
            for district in districts:
                wanted = [(code, prog.code) for prog in programme_list for code in source_codes[prog.code]]
                wanted += [(code, None) for code in rng.sample(extra_codes, rng.randint(*extra_agencies))]
                agencies = [
                    Agency(
                        district=district,
                        agency_type=types[code],
                        name=f"{types[code].name} {district.name}",
                        search_name=f"{code} {district.search_name}",
                        established_on=FIRST_MONTH,
                        established_on_estimated=True,
                    )
                    for code, _ in wanted
                ]
                for agency in agencies:
                    agency.full_clean(exclude=["district", "agency_type", "search_name"])
                Agency.objects.bulk_create(agencies)
                plan.append(
                    (
                        district,
                        [(a, prog, rng.randint(3, 12)) for a, (code, prog) in zip(agencies, wanted, strict=True)],
                    )
                )
            tick("districts", p, provinces)

    # 2. Monthly headcounts of every agency until its merger (or to the end), then the mergers.
    total_mergers = len(plan) * len(programme_list)
    writer = HeadcountWriter(batch_size, lambda n: tick("headcounts", n, 0))
    schedule = []
    for district, agencies in plan:
        for prog in programme_list:
            done = rng.random() < 0.9  # one in ten never completes
            effective = FIRST_MONTH + datetime.timedelta(days=rng.randint(365, 365 * 9))
            effective = effective.replace(day=15)
            sources = [(a, size) for a, code, size in agencies if code == prog.code]
            schedule.append((district, prog, sources, effective if done else None))
    ends = {}
    for _district, _prog, sources, effective in schedule:
        for agency, _size in sources:
            ends[agency.pk] = effective
    with transaction.atomic():
        for _district, agencies in plan:
            for agency, _code, size in agencies:
                if not quota[agency.agency_type.code]:
                    continue
                end = ends.get(agency.pk) or LAST_MONTH
                for month in months(FIRST_MONTH, min(end, LAST_MONTH)):
                    if month >= (ends.get(agency.pk) or datetime.date.max):
                        break
                    drift = rng.randint(-1, 1)
                    authorised = max(1, size + drift)
                    writer.add(agency.pk, month, authorised, max(0, authorised - rng.randint(0, 2)))
        writer.flush()

    # 3. The mergers, through the services; then the results' monthly records.
    results = []
    with transaction.atomic():
        for n, (district, prog, sources, effective) in enumerate(schedule, start=1):
            decided_on = (effective or datetime.date(2024, 6, 1)) - datetime.timedelta(days=30)
            merger = services.merger_create(
                user=SYSTEM,
                programme=prog,
                district=district,
                source_agencies=[a for a, _ in sources],
                decision_number=f"SYN-{district.code}-{prog.code}",
                decided_on=decided_on,
                source_kind=SYNTHETIC,
                source=SOURCE,
            )
            if effective is not None:
                quota_before = sum(size for a, size in sources if quota[a.agency_type.code])
                after = max(1, round(quota_before * rng.uniform(0.75, 0.95)))
                merger = services.merger_complete(
                    user=SYSTEM,
                    merger=merger,
                    effective_on=effective,
                    headcount_after=after,
                    actual_after=after,
                    headcount_source=SOURCE,
                    headcount_source_kind=SYNTHETIC,
                    skip_reason=SKIP_REASON,
                )
                results.append((merger.result_agency_id, effective, after))
            if n % 100 == 0 or n == total_mergers:
                tick("mergers", n, total_mergers)
        for agency_id, effective, after in results:
            for month in months(first_of_next_month(effective), LAST_MONTH):
                writer.add(agency_id, month, after, max(0, after - rng.randint(0, 1)))
        writer.flush()

    counts = {
        "provinces": provinces,
        "districts": len(plan),
        "agencies": Agency.objects.filter(district__province__code__startswith="S").count(),
        "mergers": total_mergers,
        "completed": len(results),
        "headcounts": writer.written + len(results),
    }
    return counts, [district.pk for district, _ in plan]
