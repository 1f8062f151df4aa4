"""Build the Quảng Ninh data through the services; `fixtures/quang_ninh.json` is its dump.

What the two articles in shared/seeds/ say is recorded as official; everything else the
history needs (most headcounts, most dates and decision numbers) is demo and labelled so.

Official (from the articles):
- Decision 44-QĐ/TU of 2015-11-30 approved the MTTQ-bloc common advisory agency; by
  2017-09-27, 12 of 14 districts had it (not Hạ Long, Đầm Hà); staff cut 12.54% in 2 years;
  the Labour Federation's staffing stays managed outside the district quota.
- From early 2018 the Organisation-Home Affairs and Inspection-Inspectorate mergers were
  done in 14/14 districts, removing 28 focal points; Hạ Long's Cơ quan Tổ chức - Nội vụ went
  from 20 to 15 staff; titles were unified 2-3 years before the agencies merged.
- Hoành Bồ (204) merged into Hạ Long (193) from 2020-01-01.
"""

import datetime

from districts.choices import DistrictKind
from districts.models import District, Province
from mergers import services
from mergers.choices import MergerStatus, Sector, SourceKind
from mergers.models import Agency, AgencyType, Programme

D = datetime.date
DEMO = SourceKind.DEMO
OFFICIAL = SourceKind.OFFICIAL
DEMO_NOTE = "Số liệu minh họa (demo), không có trong nguồn"
ARTICLE_2017 = "Báo Quảng Ninh, 28/09/2017: sơ kết 2 năm Quyết định 44-QĐ/TU"
ARTICLE_2019 = "Báo Quảng Ninh: hợp nhất Tổ chức - Nội vụ, Kiểm tra - Thanh tra cấp huyện"

PROVINCE = ("22", "Quảng Ninh")

# code, name, kind
DISTRICTS = [
    ("193", "Hạ Long", DistrictKind.CITY),
    ("194", "Móng Cái", DistrictKind.CITY),
    ("195", "Cẩm Phả", DistrictKind.CITY),
    ("196", "Uông Bí", DistrictKind.CITY),
    ("198", "Bình Liêu", DistrictKind.RURAL),
    ("199", "Tiên Yên", DistrictKind.RURAL),
    ("200", "Đầm Hà", DistrictKind.RURAL),
    ("201", "Hải Hà", DistrictKind.RURAL),
    ("202", "Ba Chẽ", DistrictKind.RURAL),
    ("203", "Vân Đồn", DistrictKind.RURAL),
    ("204", "Hoành Bồ", DistrictKind.RURAL),
    ("205", "Đông Triều", DistrictKind.TOWN),
    ("206", "Quảng Yên", DistrictKind.TOWN),
    ("207", "Cô Tô", DistrictKind.RURAL),
]

# code, Vietnamese name, English name, sector, counted in the district quota
AGENCY_TYPES = [
    ("mttq", "Cơ quan Ủy ban MTTQ Việt Nam", "Fatherland Front committee office", Sector.FRONT, True),
    ("hoi-phu-nu", "Hội Liên hiệp Phụ nữ", "Women's Union", Sector.FRONT, True),
    ("doan-thanh-nien", "Đoàn Thanh niên Cộng sản Hồ Chí Minh", "Communist Youth Union", Sector.FRONT, True),
    ("hoi-nong-dan", "Hội Nông dân", "Farmers' Association", Sector.FRONT, True),
    ("hoi-cuu-chien-binh", "Hội Cựu chiến binh", "Veterans' Association", Sector.FRONT, True),
    ("lien-doan-lao-dong", "Liên đoàn Lao động", "Labour Federation", Sector.FRONT, False),
    (
        "khoi-mttq",
        "Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể",
        "Common advisory agency of the Fatherland Front bloc",
        Sector.FRONT,
        True,
    ),
    ("ban-to-chuc", "Ban Tổ chức", "Party Organisation Committee", Sector.PARTY, True),
    ("phong-noi-vu", "Phòng Nội vụ", "Home Affairs office", Sector.GOVERNMENT, True),
    ("to-chuc-noi-vu", "Cơ quan Tổ chức - Nội vụ", "Organisation and Home Affairs agency", Sector.PARTY, True),
    ("uy-ban-kiem-tra", "Ủy ban Kiểm tra", "Party Inspection Committee", Sector.PARTY, True),
    ("thanh-tra", "Thanh tra", "Inspectorate", Sector.GOVERNMENT, True),
    ("kiem-tra-thanh-tra", "Cơ quan Kiểm tra - Thanh tra", "Inspection and Inspectorate agency", Sector.PARTY, True),
]

MTTQ_SOURCES = ["mttq", "hoi-phu-nu", "doan-thanh-nien", "hoi-nong-dan", "hoi-cuu-chien-binh", "lien-doan-lao-dong"]

PROGRAMMES = [
    {
        "code": "khoi-mttq",
        "name": "Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể chính trị - xã hội cấp huyện",
        "name_en": "Common advisory agency of the Fatherland Front and mass organisations",
        "decision_number": "44-QĐ/TU",
        "decided_on": D(2015, 11, 30),
        "description": "Đề án theo Quyết định số 44-QĐ/TU ngày 30/11/2015 của Ban Thường vụ Tỉnh ủy. "
        "Biên chế của Liên đoàn Lao động vẫn do hệ thống công đoàn quản lý, ngoài biên chế cấp huyện.",
        "sources": MTTQ_SOURCES,
        "result": "khoi-mttq",
    },
    {
        "code": "to-chuc-noi-vu",
        "name": "Hợp nhất Ban Tổ chức cấp ủy với Phòng Nội vụ cấp huyện",
        "name_en": "Merger of the Party Organisation Committee and the Home Affairs office",
        "decision_number": "",
        "decided_on": None,
        "description": "Triển khai từ đầu năm 2018; 14/14 đơn vị cấp huyện hoàn thành. "
        "Số quyết định của tỉnh không có trong nguồn.",
        "sources": ["ban-to-chuc", "phong-noi-vu"],
        "result": "to-chuc-noi-vu",
    },
    {
        "code": "kiem-tra-thanh-tra",
        "name": "Hợp nhất Ủy ban Kiểm tra cấp ủy với Thanh tra cấp huyện",
        "name_en": "Merger of the Party Inspection Committee and the Inspectorate",
        "decision_number": "",
        "decided_on": None,
        "description": "Triển khai từ đầu năm 2018; 14/14 đơn vị cấp huyện hoàn thành. "
        "Số quyết định của tỉnh không có trong nguồn.",
        "sources": ["uy-ban-kiem-tra", "thanh-tra"],
        "result": "kiem-tra-thanh-tra",
    },
]

# MTTQ bloc, per district: in-quota source headcounts (MTTQ, Phụ nữ, Đoàn, Nông dân, CCB) on
# 2015-01-01, the common agency's headcount after, the effective date. All demo, chosen so
# that the 12 early districts go from 279 to 244 staff: 35 fewer, 12.54%.
MTTQ_FIGURES = {
    "193": ([8, 6, 5, 4, 3], 23, D(2018, 6, 1)),
    "194": ([8, 5, 5, 4, 3], 22, D(2016, 3, 1)),
    "195": ([9, 6, 5, 4, 3], 24, D(2016, 1, 1)),
    "196": ([8, 5, 5, 4, 3], 22, D(2016, 4, 1)),
    "198": ([6, 4, 4, 4, 3], 18, D(2016, 7, 1)),
    "199": ([7, 5, 4, 4, 3], 20, D(2016, 6, 1)),
    "200": ([6, 4, 4, 4, 3], 19, D(2018, 3, 1)),
    "201": ([7, 5, 4, 4, 3], 20, D(2016, 9, 1)),
    "202": ([6, 4, 4, 4, 3], 18, D(2017, 1, 1)),
    "203": ([7, 5, 5, 4, 3], 21, D(2016, 10, 1)),
    "204": ([7, 5, 4, 4, 3], 20, D(2016, 8, 1)),
    "205": ([8, 5, 5, 4, 3], 22, D(2016, 5, 1)),
    "206": ([8, 5, 5, 4, 3], 22, D(2016, 2, 1)),
    "207": ([5, 4, 3, 3, 2], 15, D(2017, 6, 1)),
}

# The 2018 programmes: (source headcounts, headcount after, effective date) per district.
# Demo except Hạ Long's Tổ chức - Nội vụ total 20 -> 15 and Đầm Hà's date 2018-04-11.
TCNV_FIGURES = {
    "193": ([9, 11], 15, D(2018, 1, 2)),
    "194": ([8, 9], 14, D(2018, 2, 1)),
    "195": ([8, 9], 14, D(2018, 1, 15)),
    "196": ([8, 9], 14, D(2018, 2, 1)),
    "198": ([6, 7], 11, D(2018, 3, 1)),
    "199": ([6, 7], 11, D(2018, 3, 1)),
    "200": ([6, 7], 11, D(2018, 4, 11)),
    "201": ([6, 7], 11, D(2018, 3, 15)),
    "202": ([6, 7], 11, D(2018, 4, 1)),
    "203": ([6, 7], 11, D(2018, 2, 15)),
    "204": ([6, 7], 11, D(2018, 1, 15)),
    "205": ([7, 8], 13, D(2018, 2, 1)),
    "206": ([7, 8], 13, D(2018, 3, 1)),
    "207": ([4, 5], 8, D(2018, 5, 1)),
}
KTTT_FIGURES = {
    "193": ([8, 9], 14, D(2018, 1, 2)),
    "194": ([7, 8], 13, D(2018, 2, 1)),
    "195": ([7, 8], 13, D(2018, 1, 15)),
    "196": ([7, 8], 13, D(2018, 2, 1)),
    "198": ([5, 6], 10, D(2018, 3, 1)),
    "199": ([5, 6], 10, D(2018, 3, 1)),
    "200": ([5, 6], 10, D(2018, 4, 11)),
    "201": ([5, 6], 10, D(2018, 3, 15)),
    "202": ([5, 6], 10, D(2018, 4, 1)),
    "203": ([5, 6], 10, D(2018, 2, 15)),
    "204": ([5, 6], 10, D(2018, 1, 15)),
    "205": ([6, 7], 11, D(2018, 2, 1)),
    "206": ([6, 7], 11, D(2018, 3, 1)),
    "207": ([4, 4], 7, D(2018, 6, 1)),
}

BASELINE_DAY = D(2015, 1, 1)
HOANH_BO_MERGED = D(2020, 1, 1)


def party_committee(district: District) -> str:
    return {DistrictKind.CITY: "Thành ủy", DistrictKind.TOWN: "Thị ủy"}.get(district.kind, "Huyện ủy")


def agency_name(agency_type: AgencyType, district: District) -> str:
    """ "Ban Tổ chức Thành ủy Hạ Long", "Phòng Nội vụ thành phố Hạ Long"."""
    if agency_type.sector == Sector.PARTY:
        return f"{agency_type.name} {party_committee(district)} {district.name}"
    return f"{agency_type.name} {district.full_name[0].lower()}{district.full_name[1:]}"


def create_programme(spec: dict, types: dict[str, AgencyType]) -> Programme:
    """One of PROGRAMMES, through the service."""
    return services.programme_create(
        code=spec["code"],
        name=spec["name"],
        name_en=spec["name_en"],
        decision_number=spec["decision_number"],
        decided_on=spec["decided_on"],
        description=spec["description"],
        result_type=types[spec["result"]],
        source_types=[types[c] for c in spec["sources"]],
    )


def build_quang_ninh() -> None:
    """Create the whole Quảng Ninh history in an empty database, through the services."""
    province = Province.objects.create(code=PROVINCE[0], name=PROVINCE[1])
    districts = {
        code: District.objects.create(province=province, code=code, name=name, kind=kind)
        for code, name, kind in DISTRICTS
    }
    types = {
        code: AgencyType.objects.create(code=code, name=name, name_en=name_en, sector=sector, in_district_quota=quota)
        for code, name, name_en, sector, quota in AGENCY_TYPES
    }
    programmes = {spec["code"]: create_programme(spec, types) for spec in PROGRAMMES}
    for code, district in districts.items():
        _build_mttq(district, types, programmes["khoi-mttq"], MTTQ_FIGURES[code])
        for programme_code, figures, titles_on in (
            ("to-chuc-noi-vu", TCNV_FIGURES, D(2015, 6, 1)),
            ("kiem-tra-thanh-tra", KTTT_FIGURES, D(2016, 1, 4)),
        ):
            _build_2018(district, types, programmes[programme_code], figures[code], titles_on)
    _merge_hoanh_bo(districts["204"], districts["193"])


def _source_agencies(district, types, type_codes, figures, *, source, source_kind):
    agencies = []
    for i, code in enumerate(type_codes):
        agency = services.agency_create(
            district=district, agency_type=types[code], name=agency_name(types[code], district)
        )
        if types[code].in_district_quota:
            services.headcount_record(
                agency=agency, as_of=BASELINE_DAY, authorised=figures[i], source=source, source_kind=source_kind
            )
        agencies.append(agency)
    return agencies


def _build_mttq(district, types, programme, figures):
    before, after, effective_on = figures
    sources = _source_agencies(district, types, MTTQ_SOURCES, before, source=DEMO_NOTE, source_kind=DEMO)
    merger = services.merger_create(
        programme=programme,
        district=district,
        source_agencies=sources,
        decision_number="44-QĐ/TU",
        decided_on=D(2015, 11, 30),
        note="Theo Quyết định số 44-QĐ/TU của Ban Thường vụ Tỉnh ủy.",
        source_kind=DEMO,
        source=f"{ARTICLE_2017}. Ngày hiệu lực theo từng đơn vị là giá trị minh họa (demo).",
    )
    services.merger_complete(
        merger=merger,
        effective_on=effective_on,
        headcount_after=after,
        result_name=f"{types['khoi-mttq'].name} {district.full_name[0].lower()}{district.full_name[1:]}",
        headcount_source=DEMO_NOTE,
        headcount_source_kind=DEMO,
        note="Cơ quan Khối đi vào hoạt động.",
    )


def _build_2018(district, types, programme, figures, titles_on):
    before, after, effective_on = figures
    is_ha_long_tcnv = district.code == "193" and programme.code == "to-chuc-noi-vu"
    is_dam_ha_kttt = district.code == "200" and programme.code == "kiem-tra-thanh-tra"
    source_codes = [t.code for t in programme.source_types.order_by("sector")]
    if is_ha_long_tcnv:
        source_text = f"{ARTICLE_2019}: tổng 20 người trước hợp nhất (chính thức); chia theo cơ quan là minh họa"
    else:
        source_text = DEMO_NOTE
    sources = _source_agencies(district, types, source_codes, before, source=source_text, source_kind=DEMO)
    decided_on = effective_on - datetime.timedelta(days=14)
    merger = services.merger_create(
        programme=programme,
        district=district,
        source_agencies=sources,
        decision_number=f"DEMO-{district.code}/QĐ-{programme.code.upper()}",
        decided_on=decided_on,
        planned_on=D(2015, 3, 1),
        note="Kế hoạch hợp nhất (minh họa).",
        source_kind=DEMO,
        source=(
            f"{ARTICLE_2019}. Công bố ngày 11/04/2018; số quyết định là minh họa (demo)."
            if is_dam_ha_kttt
            else f"{ARTICLE_2019}. Ngày và số quyết định là giá trị minh họa (demo)."
        ),
    )
    services.merger_advance(
        merger=merger,
        status=MergerStatus.TITLES_UNIFIED,
        on=titles_on,
        note="Nhất thể hóa chức danh người đứng đầu, 2-3 năm trước khi hợp nhất.",
    )
    services.merger_advance(merger=merger, status=MergerStatus.APPROVED, on=decided_on, note="Phê duyệt đề án.")
    services.merger_complete(
        merger=merger,
        effective_on=effective_on,
        headcount_after=after,
        result_name=agency_name(programme.result_type, district),
        headcount_source=(f"{ARTICLE_2019}: biên chế giảm từ 20 xuống còn 15 người" if is_ha_long_tcnv else DEMO_NOTE),
        headcount_source_kind=OFFICIAL if is_ha_long_tcnv else DEMO,
        note="Cơ quan hợp nhất đi vào hoạt động.",
    )


def _merge_hoanh_bo(hoanh_bo: District, ha_long: District) -> None:
    """Hoành Bồ joins Hạ Long on 2020-01-01; its staff move to Hạ Long's agencies (demo)."""
    day_before = HOANH_BO_MERGED - datetime.timedelta(days=1)
    moving = {}
    for agency in Agency.objects.filter(district=hoanh_bo).filter(dissolved_on__isnull=True):
        record = agency.headcounts.filter(as_of__lte=day_before).order_by("-as_of").first()
        moving[agency.agency_type_id] = record.authorised if record else None
    services.district_dissolve(district=hoanh_bo, on=HOANH_BO_MERGED, successor=ha_long)
    for agency in Agency.objects.filter(district=ha_long, dissolved_on__isnull=True).order_by("pk"):
        current = agency.headcounts.order_by("-as_of").first()
        if agency.agency_type_id in moving and current is not None and moving[agency.agency_type_id] is not None:
            services.headcount_record(
                agency=agency,
                as_of=HOANH_BO_MERGED,
                authorised=current.authorised + moving[agency.agency_type_id],
                source="Minh họa (demo): cộng biên chế của cơ quan cùng loại huyện Hoành Bồ chuyển sang",
                source_kind=DEMO,
            )
