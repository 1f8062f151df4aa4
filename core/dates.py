"""The one date format of the pages, messages and exports: 30/11/2015."""

import datetime

DATE_FORMAT = "%d/%m/%Y"


def fmt_date(day: datetime.date | None) -> str:
    """30/11/2015; "" for no date."""
    return day.strftime(DATE_FORMAT) if day else ""
