"""CSV for people who open the data in a spreadsheet (`?format=csv`)."""

from rest_framework_csv.renderers import PaginatedCSVRenderer


class CSVRenderer(PaginatedCSVRenderer):
    """One page of a list as CSV: columns in the serializer's order.

    Lists inside a row (source agencies, stages) are joined with "; " in one cell; the file
    starts with a byte-order mark so that spreadsheets read the Vietnamese text as UTF-8.
    """

    results_field = "results"

    def render(self, data, media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        if not isinstance(data, dict) or self.results_field not in data:
            # A single object (detail) is a table of one row.
            data = {self.results_field: [data] if isinstance(data, dict) else data}
        body = super().render(data, media_type, renderer_context)
        return "\ufeff".encode() + body

    def flatten_item(self, item):
        if isinstance(item, dict):
            return {str(key): _cell(value) for key, value in item.items()}
        return super().flatten_item(item)


def _cell(value):
    if isinstance(value, list):
        return "; ".join(str(_cell(v)) for v in value)
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values() if v not in (None, ""))
    return "" if value is None else value
