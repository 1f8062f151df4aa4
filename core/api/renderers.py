"""CSV for people who open the data in a spreadsheet (`?format=csv`)."""

from rest_framework_csv.renderers import PaginatedCSVRenderer

from core.spreadsheet import safe_cell

BOM = "\ufeff"


class CSVRenderer(PaginatedCSVRenderer):
    """A list (every filtered row: core.api.views.CompleteCSVMixin streams it) or an object as
    CSV: columns in the serializer's order.

    A foreign key's brief object is its natural key (the district's GSO code, the agency's id),
    as filters and writes take it. Lists inside a row (source agencies, stages) are joined
    with "; " in one cell; the file
    starts with a byte-order mark so that spreadsheets read the Vietnamese text as UTF-8.
    Text that a spreadsheet could run as a formula is escaped (core.spreadsheet.safe_cell).
    """

    results_field = "results"

    def render(self, data, media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        if not isinstance(data, dict) or self.results_field not in data:
            # A single object (detail) is a table of one row.
            data = {self.results_field: [data] if isinstance(data, dict) else data}
        body = super().render(data, media_type, renderer_context)
        return BOM.encode() + body

    def flatten_item(self, item):
        if isinstance(item, dict):
            return {str(key): _cell(value) for key, value in item.items()}
        return super().flatten_item(item)


def _cell(value):
    if isinstance(value, list):
        return safe_cell("; ".join(str(_cell(v)) for v in value))
    if isinstance(value, dict) and "url" in value and "display" in value:  # a brief object
        return safe_cell(value.get("code", value.get("id")))
    if isinstance(value, dict):
        return safe_cell(" ".join(str(v) for v in value.values() if v not in (None, "")))
    return "" if value is None else safe_cell(value)
