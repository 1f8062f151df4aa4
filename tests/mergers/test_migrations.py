"""The data migration that makes an agency's establishment date required (mergers 0003/0004)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

D = datetime.date
BEFORE = [("mergers", "0002_roles")]
AFTER = [("mergers", "0004_agency_established_on_required")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_missing_dates_are_filled_with_an_estimate_and_flagged():
    apps = migrate(BEFORE)
    Province = apps.get_model("districts", "Province")
    District = apps.get_model("districts", "District")
    AgencyType = apps.get_model("mergers", "AgencyType")
    Agency = apps.get_model("mergers", "Agency")
    HeadcountRecord = apps.get_model("mergers", "HeadcountRecord")
    Programme = apps.get_model("mergers", "Programme")
    Merger = apps.get_model("mergers", "Merger")
    MergerStage = apps.get_model("mergers", "MergerStage")
    try:
        province = Province.objects.create(code="99", name="Thử", search_name="thu")
        dated = District.objects.create(
            province=province, code="991", name="Có ngày", kind="huyen", established_on=D(2010, 5, 1), search_name="a"
        )
        undated = District.objects.create(
            province=province, code="992", name="Không ngày", kind="huyen", search_name="b"
        )
        kind = AgencyType.objects.create(code="t", name="T", name_en="T", sector="party")
        known = Agency.objects.create(district=dated, agency_type=kind, name="Biết ngày", established_on=D(2001, 1, 1))
        in_dated = Agency.objects.create(district=dated, agency_type=kind, name="Trong huyện có ngày")
        with_record = Agency.objects.create(district=undated, agency_type=kind, name="Có số liệu")
        HeadcountRecord.objects.create(agency=with_record, as_of=D(2016, 1, 1), authorised=5, source="x")
        HeadcountRecord.objects.create(agency=with_record, as_of=D(2015, 6, 1), authorised=5, source="x")
        source = Agency.objects.create(district=undated, agency_type=kind, name="Được hợp nhất")
        programme = Programme.objects.create(code="p", name="P", result_type=kind)
        merger = Merger.objects.create(
            programme=programme, district=undated, decision_number="1", decided_on=D(2015, 11, 30)
        )
        merger.source_agencies.set([source])
        MergerStage.objects.create(merger=merger, status="planned", on=D(2015, 3, 1))
        nothing = Agency.objects.create(district=undated, agency_type=kind, name="Không biết gì")

        apps = migrate(AFTER)
        Agency = apps.get_model("mergers", "Agency")
        found = {a.name: (a.established_on, a.established_on_estimated) for a in Agency.objects.all()}
        assert found == {
            "Biết ngày": (D(2001, 1, 1), False),
            "Trong huyện có ngày": (D(2010, 5, 1), True),  # the district's establishment date
            "Có số liệu": (D(2015, 6, 1), True),  # its first record
            "Được hợp nhất": (D(2015, 3, 1), True),  # the first stage of its merger
            "Không biết gì": (D(2015, 3, 1), True),  # the earliest date of the database
        }
        assert nothing.pk and known.pk and in_dated.pk
    finally:
        migrate(executor_leaf())


def executor_leaf():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
