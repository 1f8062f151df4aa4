"""headcount_record_many (issue 4): a district's headcounts on one date, all written or none."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.actors import SYSTEM
from districts.models import EditorScope
from mergers.models import HeadcountRecord
from mergers.services import headcount_record_many, row_errors, validate_headcount_many
from tests.factories import AgencyFactory, DistrictFactory, HeadcountFactory

D = datetime.date


@pytest.fixture
def two(db):
    district = DistrictFactory(code="801")
    return district, AgencyFactory(district=district, name="Một"), AgencyFactory(district=district, name="Hai")


def test_writes_every_row_and_corrects_existing_records(two):
    district, one, other = two
    existing = HeadcountFactory(agency=one, as_of=D(2018, 1, 1), authorised=5)
    saved = headcount_record_many(
        user=SYSTEM,
        district=district,
        as_of=D(2018, 1, 1),
        rows=[{"agency": one, "authorised": 6, "actual": 6}, {"agency": other, "authorised": None, "actual": 3}],
        source="Báo cáo",
    )
    assert [(r.agency, r.authorised, r.actual, r.source) for r in saved] == [
        (one, 6, 6, "Báo cáo"),
        (other, None, 3, "Báo cáo"),
    ]
    existing.refresh_from_db()
    assert (existing.authorised, existing.version) == (6, 2)
    assert HeadcountRecord.objects.count() == 2


def test_lists_every_bad_row_and_writes_nothing(two):
    district, one, other = two
    stranger = AgencyFactory(name="Ngoài")
    gone = AgencyFactory(district=district, name="Đã giải thể", dissolved_on=D(2017, 1, 1))
    with pytest.raises(ValidationError) as caught:
        headcount_record_many(
            user=SYSTEM,
            district=district,
            as_of=D(2018, 1, 1),
            rows=[
                {"agency": one, "authorised": 6, "actual": None},
                {"agency": other, "authorised": -1, "actual": None},
                {"agency": stranger, "authorised": 1, "actual": None},
                {"agency": gone, "authorised": 1, "actual": None},
                {"agency": one, "authorised": 1, "actual": None},
                {"agency": AgencyFactory(district=district, name="Trống"), "authorised": None, "actual": None},
            ],
            source="Báo cáo",
        )
    assert caught.value.message_dict == {
        "rows.1.authorised": ["Số liệu không được âm."],
        "rows.2.agency": [f"Cơ quan “Ngoài” không thuộc {district.full_name}."],
        "rows.3.agency": ["Cơ quan “Đã giải thể” không hoạt động vào ngày 01/01/2018."],
        "rows.4.agency": ["Cơ quan “Một” có nhiều hơn một dòng."],
        "rows.5.authorised": ["Cần ít nhất một số liệu: biên chế được giao hoặc thực tế."],
    }
    assert HeadcountRecord.objects.count() == 0


def test_source_and_rows_are_required(two):
    district, one, _ = two
    with pytest.raises(ValidationError) as caught:
        headcount_record_many(
            user=SYSTEM, district=district, as_of=D(2018, 1, 1), rows=[{"agency": one, "authorised": 1}]
        )
    assert caught.value.message_dict == {"rows.0.source": ["Cần ghi nguồn của số liệu."]}
    with pytest.raises(ValidationError) as caught:
        headcount_record_many(user=SYSTEM, district=district, as_of=D(2018, 1, 1), rows=[], source="x")
    assert caught.value.message_dict == {"rows": ["Chưa nhập số liệu nào."]}


def test_editor_outside_the_district_is_refused(two, editor):
    district, one, _ = two
    EditorScope.objects.create(user=editor)
    with pytest.raises(PermissionDenied):
        headcount_record_many(
            district=district, as_of=D(2018, 1, 1), rows=[{"agency": one, "authorised": 1}], source="x", user=editor
        )
    assert HeadcountRecord.objects.count() == 0


def test_a_record_changed_meanwhile_refuses_its_row(two):
    district, one, other = two
    HeadcountFactory(agency=one, as_of=D(2018, 1, 1), authorised=5)
    with pytest.raises(ValidationError) as caught:
        headcount_record_many(
            user=SYSTEM,
            district=district,
            as_of=D(2018, 1, 1),
            rows=[
                {"agency": one, "authorised": 6, "expected_version": 0},
                {"agency": other, "authorised": 2, "expected_version": 0},
            ],
            source="x",
        )
    assert caught.value.message_dict == {
        "rows.0.agency": ["Bản ghi đã được người khác thay đổi. Hãy tải lại trang để xem thay đổi rồi nhập lại."]
    }
    assert HeadcountRecord.objects.count() == 1


def test_validate_lists_the_same_refusals_and_writes_nothing(two):
    district, one, other = two
    HeadcountFactory(agency=one, as_of=D(2018, 1, 1), authorised=5)
    arguments = {
        "user": SYSTEM,
        "district": district,
        "as_of": D(2018, 1, 1),
        "rows": [{"agency": one, "authorised": 6, "actual": None}, {"agency": other, "authorised": -1, "actual": None}],
        "source": "Báo cáo",
    }
    refusals = []
    for check in (validate_headcount_many, headcount_record_many):
        with pytest.raises(ValidationError) as exc:
            check(**arguments)
        refusals.append(exc.value.message_dict)
    assert refusals[0] == refusals[1] == {"rows.1.authorised": ["Số liệu không được âm."]}
    assert list(HeadcountRecord.objects.values_list("agency", "authorised")) == [(one.pk, 5)]
    arguments["rows"] = arguments["rows"][:1]
    existing = validate_headcount_many(**arguments)
    assert list(existing) == [one.pk] and existing[one.pk].authorised == 5


def test_row_errors_split_the_rows_from_the_rest():
    rows, others = row_errors(
        {"rows.0.agency": ["a"], "rows.2.authorised": ["b"], "rows.2.actual": ["c"], "source": ["d"]}
    )
    assert rows == {0: {"agency": ["a"]}, 2: {"authorised": ["b"], "actual": ["c"]}}
    assert others == {"source": ["d"]}
