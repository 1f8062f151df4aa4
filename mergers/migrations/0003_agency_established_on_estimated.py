"""An agency's establishment date becomes required (issue 11).

Step 1 of 2: the flag `established_on_estimated`, and every missing date filled with an
estimate, flagged as such: the district's establishment date or the earliest date known of
the agency (its first headcount record, the first stage or decision of a merger it was a
source of, its dissolution), whichever comes first, so that the agency stays active on every
date the records use it. An agency with nothing known gets the earliest date of the whole
database (or today). Step 2 (0004) makes the column NOT NULL.
"""

import datetime

from django.db import migrations, models


def _earliest(*days):
    known = [d for d in days if d is not None]
    return min(known) if known else None


def fill_established_on(apps, schema_editor):
    Agency = apps.get_model("mergers", "Agency")
    HistoricalAgency = apps.get_model("mergers", "HistoricalAgency")
    HeadcountRecord = apps.get_model("mergers", "HeadcountRecord")
    Merger = apps.get_model("mergers", "Merger")
    MergerStage = apps.get_model("mergers", "MergerStage")
    db = schema_editor.connection.alias

    first_record = dict(
        HeadcountRecord.objects.using(db)
        .values("agency_id")
        .annotate(first=models.Min("as_of"))
        .values_list("agency_id", "first")
    )
    first_decision = dict(
        Merger.source_agencies.through.objects.using(db)
        .values("agency_id")
        .annotate(first=models.Min("merger__decided_on"))
        .values_list("agency_id", "first")
    )
    first_stage = {}
    for agency_id, on in MergerStage.objects.using(db).values_list("merger__source_agencies", "on"):
        if agency_id is not None:
            first_stage[agency_id] = _earliest(first_stage.get(agency_id), on)
    everything = (
        _earliest(
            HeadcountRecord.objects.using(db).aggregate(d=models.Min("as_of"))["d"],
            Merger.objects.using(db).aggregate(d=models.Min("decided_on"))["d"],
            MergerStage.objects.using(db).aggregate(d=models.Min("on"))["d"],
        )
        or datetime.date.today()
    )

    filled = {}
    for agency in Agency.objects.using(db).filter(established_on__isnull=True).select_related("district"):
        day = (
            _earliest(
                agency.district.established_on,
                first_record.get(agency.pk),
                first_decision.get(agency.pk),
                first_stage.get(agency.pk),
                agency.dissolved_on,
            )
            or everything
        )
        filled[agency.pk] = day
        Agency.objects.using(db).filter(pk=agency.pk).update(established_on=day, established_on_estimated=True)
    # The history table's column becomes NOT NULL too: its rows get the same estimate.
    for row in HistoricalAgency.objects.using(db).filter(established_on__isnull=True):
        day = filled.get(row.id) or _earliest(row.dissolved_on) or everything
        HistoricalAgency.objects.using(db).filter(pk=row.pk).update(established_on=day, established_on_estimated=True)


class Migration(migrations.Migration):
    dependencies = [
        ("mergers", "0002_roles"),
    ]

    operations = [
        migrations.AddField(
            model_name="agency",
            name="established_on_estimated",
            field=models.BooleanField(
                default=False,
                help_text="Đánh dấu khi không biết chính xác ngày thành lập (ví dụ: cơ quan có trước thời kỳ ghi chép).",
                verbose_name="ngày thành lập là ước tính",
            ),
        ),
        migrations.AddField(
            model_name="historicalagency",
            name="established_on_estimated",
            field=models.BooleanField(
                default=False,
                help_text="Đánh dấu khi không biết chính xác ngày thành lập (ví dụ: cơ quan có trước thời kỳ ghi chép).",
                verbose_name="ngày thành lập là ước tính",
            ),
        ),
        migrations.RunPython(fill_established_on, migrations.RunPython.noop),
    ]
