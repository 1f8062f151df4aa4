"""The three roles and their model permissions (used by the data migration and tests)."""

from django.utils.translation import gettext_lazy as _

EDITORS, LEADERS, ANALYSTS = "editors", "leaders", "analysts"
ROLE_LABELS = {EDITORS: _("Biên tập"), LEADERS: _("Lãnh đạo"), ANALYSTS: _("Phân tích")}

# What editors may add and change, as "app_label.model".
EDITABLE_MODELS = [
    "mergers.agency",
    "mergers.programme",
    "mergers.merger",
    "mergers.mergerstage",
    "mergers.headcountrecord",
    "mergers.decision",
]
# Models whose data the roles work with: the editable ones, and the province's frame, only viewed.
DATA_MODELS = ["districts.province", "districts.district", "mergers.agencytype", *EDITABLE_MODELS]


def role_permissions() -> dict[str, list[tuple[str, str]]]:
    """{group: [(app_label, codename), ...]}"""
    view = [(m.split(".")[0], f"view_{m.split('.')[1]}") for m in DATA_MODELS]
    write = [(m.split(".")[0], f"{action}_{m.split('.')[1]}") for m in EDITABLE_MODELS for action in ("add", "change")]
    return {EDITORS: view + write, LEADERS: list(view), ANALYSTS: list(view)}


# What a report (dashboard, exports, open data, the report API, a district's page) needs: the
# one list, for pages and API alike.
REPORT_PERMISSIONS = ("mergers.view_merger", "mergers.view_headcountrecord", "districts.view_district")
