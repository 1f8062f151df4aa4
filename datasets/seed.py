"""Build the Quảng Ninh data through the services; `fixtures/quang_ninh.json` is its dump.

What the two articles in shared/seeds/ say is recorded as published (source kind `published`:
real figures from a newspaper, not an official record); everything else the history needs
(most headcounts, most dates and decision numbers) is demo and labelled so.

Published (from the articles):
- Decision 44-QĐ/TU of 2015-11-30 approved the MTTQ-bloc common advisory agency; by
  2017-09-27, 12 of 14 districts had it (not Hạ Long, Đầm Hà); staff cut 12.54% in 2 years;
  the Labour Federation's staffing stays managed outside the district quota.
- From early 2018 the Organisation-Home Affairs and Inspection-Inspectorate mergers were
  done in 14/14 districts, removing 28 focal points; Hạ Long's Cơ quan Tổ chức - Nội vụ went
  from 20 to 15 staff; titles were unified 2-3 years before the agencies merged.

Actual headcounts are not in the articles: demo values (`demo_actual`) on the demo records from
each merger's result on, so that the actual-against-authorised report is not empty.

Official (public record; not in the two articles):
- Resolution 837/NQ-UBTVQH14 of the Standing Committee of the National Assembly, 17/12/2019:
  Hoành Bồ (204) merged into Hạ Long (193) from 2020-01-01; "the district-level bodies of
  equivalent function of the two localities are merged": each Hoành Bồ agency into Hạ Long's
  agency of the same type.
- Scheme 373/ĐA-CP of the Government, 09/05/2025: Quảng Ninh reorganised into 54 commune-level
  units; the district tier ended nationwide on 2025-07-01. Every district and its agencies end
  that day, their functions going to the province.

Every merger, stage and district change cites a decision of the register: the three above, or
demo ones (the 2018 programmes' scheme, plan and title unifications, each district's decision)
labelled so.
"""

import datetime
from decimal import Decimal

from core.actors import SYSTEM
from districts.choices import DistrictKind
from districts.models import District, Province
from mergers import services
from mergers.choices import DecisionIssuer, DecisionKind, MergerStatus, Sector, SourceKind
from mergers.models import Agency, AgencyType, Decision
from mergers.sources import ARTICLE_2017, ARTICLE_2019

D = datetime.date
DEMO = SourceKind.DEMO
PUBLISHED = SourceKind.PUBLISHED  # taken from the articles
OFFICIAL = SourceKind.OFFICIAL  # a public record named by the brief (837/NQ-UBTVQH14, 373/ĐA-CP)
DEMO_NOTE = "Số liệu minh họa (demo), không có trong nguồn"
PUBLIC_RECORD = "Văn bản công bố chính thức; không có trong hai bài báo nguồn"

# The decision register: (key, number, date, issuer, kind, title, source, source kind).
DECISIONS = [
    (
        "44",
        "44-QĐ/TU",
        D(2015, 11, 30),
        DecisionIssuer.PROVINCIAL_STANDING,
        DecisionKind.DECISION,
        "Phê duyệt Đề án “Xây dựng cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể chính trị - xã hội "
        "cấp huyện”",
        ARTICLE_2017,
        PUBLISHED,
    ),
    (
        "plan-2018",
        "DEMO-01/KH-TU",
        D(2015, 3, 1),
        DecisionIssuer.PROVINCIAL_STANDING,
        DecisionKind.PLAN,
        "Kế hoạch hợp nhất Ban Tổ chức với Phòng Nội vụ, Ủy ban Kiểm tra với Thanh tra cấp huyện (minh họa)",
        f"{ARTICLE_2019}. Số và ngày là giá trị minh họa (demo).",
        DEMO,
    ),
    (
        "titles-tcnv",
        "DEMO-02/QĐ-TU",
        D(2015, 6, 1),
        DecisionIssuer.PROVINCIAL_STANDING,
        DecisionKind.DECISION,
        "Nhất thể hóa chức danh Trưởng Ban Tổ chức cấp ủy và Trưởng phòng Nội vụ cấp huyện (minh họa)",
        f"{ARTICLE_2019}: chức danh được nhất thể hóa 2-3 năm trước khi hợp nhất. Số và ngày là minh họa (demo).",
        DEMO,
    ),
    (
        "titles-kttt",
        "DEMO-03/QĐ-TU",
        D(2016, 1, 4),
        DecisionIssuer.PROVINCIAL_STANDING,
        DecisionKind.DECISION,
        "Nhất thể hóa chức danh Chủ nhiệm Ủy ban Kiểm tra cấp ủy và Chánh Thanh tra cấp huyện (minh họa)",
        f"{ARTICLE_2019}: chức danh được nhất thể hóa 2-3 năm trước khi hợp nhất. Số và ngày là minh họa (demo).",
        DEMO,
    ),
    (
        "scheme-2018",
        "DEMO-04/ĐA-TU",
        D(2017, 12, 1),
        DecisionIssuer.PROVINCIAL_STANDING,
        DecisionKind.SCHEME,
        "Đề án hợp nhất Ban Tổ chức cấp ủy với Phòng Nội vụ, Ủy ban Kiểm tra cấp ủy với Thanh tra cấp huyện (minh họa)",
        f"{ARTICLE_2019}: triển khai từ đầu năm 2018. Số và ngày của tỉnh không có trong nguồn: minh họa (demo).",
        DEMO,
    ),
    (
        "837",
        "837/NQ-UBTVQH14",
        D(2019, 12, 17),
        DecisionIssuer.NATIONAL_ASSEMBLY_STANDING,
        DecisionKind.RESOLUTION,
        "Về việc sắp xếp các đơn vị hành chính cấp huyện, cấp xã thuộc tỉnh Quảng Ninh: nhập huyện Hoành Bồ vào "
        "thành phố Hạ Long từ 01/01/2020; các cơ quan cấp huyện có chức năng tương đương của hai địa phương hợp nhất",
        PUBLIC_RECORD,
        OFFICIAL,
    ),
    (
        "373",
        "373/ĐA-CP",
        D(2025, 5, 9),
        DecisionIssuer.GOVERNMENT,
        DecisionKind.SCHEME,
        "Đề án sắp xếp đơn vị hành chính cấp xã của tỉnh Quảng Ninh năm 2025: 54 đơn vị hành chính cấp xã (30 "
        "phường, 22 xã, 2 đặc khu Vân Đồn và Cô Tô); chính quyền cấp huyện kết thúc hoạt động từ 01/07/2025",
        f"{PUBLIC_RECORD}; được Nghị quyết 1679/NQ-UBTVQH15 ngày 16/06/2025 viện dẫn",
        OFFICIAL,
    ),
]

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
        "decision": "44",
        # Decision 44-QĐ/TU approved the bloc for every district: each district's common agency
        # goes from planned to completed.
        "stages": [MergerStatus.COMPLETED],
        "description": "Đề án theo Quyết định số 44-QĐ/TU ngày 30/11/2015 của Ban Thường vụ Tỉnh ủy. "
        "Biên chế của Liên đoàn Lao động vẫn do hệ thống công đoàn quản lý, ngoài biên chế cấp huyện.",
        "sources": MTTQ_SOURCES,
        "result": "khoi-mttq",
    },
    {
        "code": "to-chuc-noi-vu",
        "name": "Hợp nhất Ban Tổ chức cấp ủy với Phòng Nội vụ cấp huyện",
        "name_en": "Merger of the Party Organisation Committee and the Home Affairs office",
        "decision": "scheme-2018",
        "stages": [MergerStatus.TITLES_UNIFIED, MergerStatus.APPROVED, MergerStatus.COMPLETED],
        "description": "Triển khai từ đầu năm 2018; 14/14 đơn vị cấp huyện hoàn thành. "
        "Số quyết định của tỉnh không có trong nguồn: quyết định ghi ở đây là minh họa (demo).",
        "sources": ["ban-to-chuc", "phong-noi-vu"],
        "result": "to-chuc-noi-vu",
    },
    {
        "code": "kiem-tra-thanh-tra",
        "name": "Hợp nhất Ủy ban Kiểm tra cấp ủy với Thanh tra cấp huyện",
        "name_en": "Merger of the Party Inspection Committee and the Inspectorate",
        "decision": "scheme-2018",
        "stages": [MergerStatus.TITLES_UNIFIED, MergerStatus.APPROVED, MergerStatus.COMPLETED],
        "description": "Triển khai từ đầu năm 2018; 14/14 đơn vị cấp huyện hoàn thành. "
        "Số quyết định của tỉnh không có trong nguồn: quyết định ghi ở đây là minh họa (demo).",
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

# Province-level figures the articles give (published aggregates): (programme, date, figures,
# source, note). The per-district figures behind them are demo; these are not.
PUBLISHED_AGGREGATES = [
    (
        "khoi-mttq",
        D(2017, 9, 27),
        {"completed": 12, "total": 14, "reduction_pct": Decimal("12.54")},
        f"{ARTICLE_2017}: “toàn tỉnh có 12/14 huyện, thị xã, thành phố thực hiện”, “tinh giản 12,54% biên chế "
        "trong 2 năm”",
        "Bài báo không cho số biên chế trước và sau: 279 → 244 là tổng số liệu minh họa (demo) của các đơn vị.",
    ),
    *(
        (
            code,
            D(2019, 1, 1),
            {"completed": 14, "total": 14},
            f"{ARTICLE_2019}: “tất cả 14/14 huyện thị thành phố của Quảng Ninh đều đã hoàn thành việc hợp nhất”",
            "Bài báo không ghi ngày; “sau hơn 1 năm triển khai” từ đầu năm 2018: ghi 01/01/2019. Bài báo cho 28 "
            "đầu mối giảm của cả hai đề án, không chia theo đề án.",
        )
        for code in ("to-chuc-noi-vu", "kiem-tra-thanh-tra")
    ),
]

DEMO_DECISION_SUFFIX = {"to-chuc-noi-vu": "TCNV", "kiem-tra-thanh-tra": "KTTT"}

BASELINE_DAY = D(2015, 1, 1)
HOANH_BO_MERGED = D(2020, 1, 1)
DISTRICT_TIER_ENDED = D(2025, 7, 1)


def demo_actual(authorised: int) -> int:
    """A demo actual headcount (số người làm việc thực tế): one post in eight left vacant.

    The articles give no actual figures. The demo data records them from each merger's
    result onward (the sources' records before the mergers have none, so a date before them
    shows actual figures as not entered), always on a demo record.
    """
    return authorised - authorised // 8


def party_committee(district: District) -> str:
    return {DistrictKind.CITY: "Thành ủy", DistrictKind.TOWN: "Thị ủy"}.get(district.kind, "Huyện ủy")


def agency_name(agency_type: AgencyType, district: District) -> str:
    """ "Ban Tổ chức Thành ủy Hạ Long", "Phòng Nội vụ thành phố Hạ Long"."""
    if agency_type.sector == Sector.PARTY:
        return f"{agency_type.name} {party_committee(district)} {district.name}"
    return f"{agency_type.name} {district.full_name[0].lower()}{district.full_name[1:]}"


def register_decisions() -> dict[str, Decision]:
    """The decisions of DECISIONS, found in the register or added to it (through the service)."""
    decisions = {}
    for key, number, day, issuer, kind, title, source, source_kind in DECISIONS:
        found = Decision.objects.filter(number=number, issuer=issuer, date=day, district=None).first()
        decisions[key] = found or services.decision_create(
            user=SYSTEM,
            number=number,
            date=day,
            issuer=issuer,
            kind=kind,
            title=title,
            source=source,
            source_kind=source_kind,
        )
    return decisions


def create_programme(spec: dict, types: dict[str, AgencyType], decisions: dict[str, Decision] | None = None):
    """One of PROGRAMMES, through the service."""
    decisions = decisions if decisions is not None else register_decisions()
    return services.programme_create(
        user=SYSTEM,
        code=spec["code"],
        name=spec["name"],
        name_en=spec["name_en"],
        decision=decisions[spec["decision"]],
        stages=spec["stages"],
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
    decisions = register_decisions()
    programmes = {spec["code"]: create_programme(spec, types, decisions) for spec in PROGRAMMES}
    for code, district in districts.items():
        _build_mttq(district, types, programmes["khoi-mttq"], MTTQ_FIGURES[code])
        for programme_code, figures, titles in (
            ("to-chuc-noi-vu", TCNV_FIGURES, decisions["titles-tcnv"]),
            ("kiem-tra-thanh-tra", KTTT_FIGURES, decisions["titles-kttt"]),
        ):
            _build_2018(district, types, programmes[programme_code], figures[code], titles, decisions["plan-2018"])
    _publish_aggregates(province, programmes)
    _merge_hoanh_bo(districts["204"], districts["193"], decisions["837"])
    _end_district_tier(province, decisions["373"])


def _source_agencies(district, types, type_codes, figures, *, source, source_kind):
    agencies = []
    for i, code in enumerate(type_codes):
        agency = services.agency_create(
            user=SYSTEM,
            district=district,
            agency_type=types[code],
            name=agency_name(types[code], district),
            # The agencies predate the records: their first figures' date, flagged as an estimate.
            established_on=BASELINE_DAY,
            established_on_estimated=True,
        )
        if types[code].in_district_quota:
            services.headcount_record(
                user=SYSTEM,
                agency=agency,
                as_of=BASELINE_DAY,
                authorised=figures[i],
                source=source,
                source_kind=source_kind,
                confirm=True,  # figures chosen to match the articles
            )
        agencies.append(agency)
    return agencies


def _build_mttq(district, types, programme, figures):
    before, after, effective_on = figures
    sources = _source_agencies(district, types, MTTQ_SOURCES, before, source=DEMO_NOTE, source_kind=DEMO)
    merger = services.merger_create(
        user=SYSTEM,
        programme=programme,
        district=district,
        source_agencies=sources,
        decision=programme.decision,
        note="Theo Quyết định số 44-QĐ/TU của Ban Thường vụ Tỉnh ủy.",
        source_kind=DEMO,
        source=f"{ARTICLE_2017}. Ngày hiệu lực theo từng đơn vị là giá trị minh họa (demo).",
    )
    services.merger_complete(
        user=SYSTEM,
        merger=merger,
        effective_on=effective_on,
        headcount_after=after,
        actual_after=demo_actual(after),
        result_name=f"{types['khoi-mttq'].name} {district.full_name[0].lower()}{district.full_name[1:]}",
        headcount_source=DEMO_NOTE,
        headcount_source_kind=DEMO,
        note="Cơ quan Khối đi vào hoạt động.",
    )


def _build_2018(district, types, programme, figures, titles: Decision, plan: Decision):
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
        user=SYSTEM,
        programme=programme,
        district=district,
        source_agencies=sources,
        decision=services.decision_create(
            user=SYSTEM,
            # Made up, and reads so: no "QĐ" that the pages' "Quyết định" label would repeat.
            number=f"DEMO-{district.code}-{DEMO_DECISION_SUFFIX[programme.code]}",
            date=decided_on,
            issuer=DecisionIssuer.DISTRICT_PARTY,
            district=district,
            kind=DecisionKind.DECISION,
            title=f"{programme.name}: {district.full_name} (minh họa)",
            source=f"{ARTICLE_2019}. Số và ngày là giá trị minh họa (demo).",
            source_kind=DEMO,
        ),
        planned_on=plan.date,
        planned_decision=plan,
        note="Kế hoạch hợp nhất (minh họa).",
        source_kind=DEMO,
        source=(
            f"{ARTICLE_2019}. Công bố ngày 11/04/2018; số quyết định là minh họa (demo)."
            if is_dam_ha_kttt
            else f"{ARTICLE_2019}. Ngày và số quyết định là giá trị minh họa (demo)."
        ),
    )
    services.merger_advance(
        user=SYSTEM,
        merger=merger,
        status=MergerStatus.TITLES_UNIFIED,
        on=titles.date,
        decision=titles,
        note="Nhất thể hóa chức danh người đứng đầu, 2-3 năm trước khi hợp nhất.",
    )
    services.merger_advance(
        user=SYSTEM, merger=merger, status=MergerStatus.APPROVED, on=decided_on, note="Phê duyệt đề án."
    )
    services.merger_complete(
        user=SYSTEM,
        merger=merger,
        effective_on=effective_on,
        headcount_after=after,
        # An official record holds official figures only: Hạ Long's has no actual figure.
        actual_after=None if is_ha_long_tcnv else demo_actual(after),
        result_name=agency_name(programme.result_type, district),
        headcount_source=(f"{ARTICLE_2019}: biên chế giảm từ 20 xuống còn 15 người" if is_ha_long_tcnv else DEMO_NOTE),
        headcount_source_kind=PUBLISHED if is_ha_long_tcnv else DEMO,
        note="Cơ quan hợp nhất đi vào hoạt động.",
    )


def _publish_aggregates(province: Province, programmes: dict) -> None:
    """The articles' province-level figures (PUBLISHED_AGGREGATES), each citing its article and
    the programme's decision when the article names it (44-QĐ/TU)."""
    for code, on, figures, source, note in PUBLISHED_AGGREGATES:
        programme = programmes[code]
        services.published_aggregate_create(
            user=SYSTEM,
            province=province,
            programme=programme,
            on=on,
            source=source,
            source_kind=PUBLISHED,
            decision=programme.decision if programme.decision.source_kind != DEMO else None,
            note=note,
            **figures,
        )


def _merge_hoanh_bo(hoanh_bo: District, ha_long: District, decision: Decision) -> None:
    """Hoành Bồ joins Hạ Long on 2020-01-01 (837/NQ-UBTVQH14): each of its agencies into Hạ Long's
    of the same type; its staff move to them (demo figures)."""
    day_before = HOANH_BO_MERGED - datetime.timedelta(days=1)
    moving = {}
    for agency in Agency.objects.filter(district=hoanh_bo).filter(dissolved_on__isnull=True):
        record = agency.headcounts.filter(as_of__lte=day_before).order_by("-as_of").first()
        moving[agency.agency_type_id] = record.authorised if record else None
    services.district_dissolve(user=SYSTEM, district=hoanh_bo, on=HOANH_BO_MERGED, successor=ha_long, decision=decision)
    for agency in Agency.objects.filter(district=ha_long, dissolved_on__isnull=True).order_by("pk"):
        current = agency.headcounts.order_by("-as_of").first()
        if agency.agency_type_id in moving and current is not None and moving[agency.agency_type_id] is not None:
            authorised = current.authorised + moving[agency.agency_type_id]
            services.headcount_record(
                user=SYSTEM,
                agency=agency,
                as_of=HOANH_BO_MERGED,
                authorised=authorised,
                actual=demo_actual(authorised),
                source="Minh họa (demo): cộng biên chế của cơ quan cùng loại huyện Hoành Bồ chuyển sang",
                source_kind=DEMO,
                confirm=True,  # the jump is the point: Hoành Bồ's staff arrive
            )


def _end_district_tier(province: Province, decision: Decision) -> None:
    """The district tier ends on 2025-07-01 (373/ĐA-CP): every district still active and its
    agencies end that day, their functions going to the province."""
    for district in District.objects.filter(province=province, dissolved_on__isnull=True).order_by("code"):
        services.district_dissolve(
            user=SYSTEM, district=district, on=DISTRICT_TIER_ENDED, successor_province=province, decision=decision
        )
