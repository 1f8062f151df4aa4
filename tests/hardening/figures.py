"""Every report figure of the data in the current database, as JSON: compared across a backup.

Run in-process, or in another process against another database:
    DATABASE_URL=... python manage.py shell -c "from tests.hardening.figures import dump; dump()"
"""

import datetime
import json

from django.apps import apps

from districts.models import Province
from figures.engine import MEASURES
from figures.selectors import merger_list
from reports.selectors import first_decision_date, programme_figures, progress_dict, staffing_report

DATES = [
    datetime.date(2015, 11, 30),
    datetime.date(2017, 9, 27),
    datetime.date(2018, 12, 31),
    datetime.date(2019, 12, 31),
    datetime.date(2020, 1, 1),
    datetime.date(2021, 6, 30),
]


def all_report_figures() -> dict:
    province = Province.objects.get(code="22")
    baseline = first_decision_date(province)
    staffing = {}
    for as_of in DATES:
        for measure in MEASURES:
            for like_for_like in (False, True):
                report = staffing_report(
                    province=province, baseline=baseline, as_of=as_of, measure=measure, like_for_like=like_for_like
                )
                staffing[f"{as_of} {measure} {like_for_like}"] = {
                    "rows": [row.as_dict() for row in report.rows],
                    "total": report.total.figures_dict(),
                }
    return {
        "baseline": baseline,
        "staffing": staffing,
        "progress": {
            f"{d} {measure}": [progress_dict(p) for p in programme_figures(province=province, as_of=d, measure=measure)]
            for d in DATES
            for measure in MEASURES
        },
        "mergers": {
            measure: [
                {
                    field: getattr(merger, field)
                    for field in ("pk", "status", "effective_on", "headcount_before", "headcount_after", "reduction")
                }
                for merger in merger_list(measure=measure).order_by("pk")
            ]
            for measure in MEASURES
        },
        "rows": {model._meta.label: model._default_manager.count() for model in apps.get_models()},
    }


def as_json(figures: dict) -> dict:
    """Dates as ISO strings, as they come back from another process."""
    return json.loads(json.dumps(figures, default=str))


def dump() -> None:
    print(json.dumps(all_report_figures(), default=str))
