"""The API's CSV never hands a spreadsheet a formula (issue 13, observation 3): text an editor
typed that starts with = + - @, a tab or a carriage return is escaped with a quote, in lists and
details, in plain cells and in cells that join a list."""

import csv
import io

import pytest

from mergers.models import Agency, Decision, Merger

PAYLOAD = '=2+3+cmd|"/C calc"!A0'


def rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def poisoned(quang_ninh):
    merger = Merger.objects.get(programme__code="khoi-mttq", district__code="193")
    Decision.objects.filter(pk=merger.decision_id).update(number=PAYLOAD)
    agency = merger.source_agencies.order_by("pk").first()
    Agency.objects.filter(pk=agency.pk).update(name='=HYPERLINK("http://x","bấm")')
    return merger, agency


def test_a_formula_typed_as_a_decision_number_is_text_in_the_merger_csv(poisoned, analyst_client):
    merger, _ = poisoned
    cells = [
        cell for row in rows(analyst_client.get(f"/api/v1/mergers/{merger.pk}/", {"format": "csv"})) for cell in row
    ]
    assert "'" + PAYLOAD in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_a_formula_typed_as_an_agency_name_is_text_in_the_agency_list_csv(poisoned, analyst_client):
    _, agency = poisoned
    table = rows(analyst_client.get("/api/v1/agencies/", {"format": "csv", "page_size": 500}))
    header, body = table[0], table[1:]
    names = [row[header.index("name")] for row in body]
    assert '\'=HYPERLINK("http://x","bấm")' in names
    # Numbers stay numbers (a negative one may start with "-"); no text starts a formula.
    assert [cell for row in body for cell in row if cell[:1] in ("=", "+", "@", "\t", "\r")] == []
