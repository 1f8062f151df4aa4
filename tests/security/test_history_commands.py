"""Writes made by management commands are in the history, named after the command (issue 7, audit)."""

import io

from django.core.management import call_command

from core.audit import command_reason
from mergers.models import Agency, HeadcountRecord
from tests.security.conftest import token_client
from tests.security.test_history import history


def test_build_quang_ninh_names_itself(db, tmp_path, analyst):
    call_command("build_quang_ninh", output=str(tmp_path / "data.json"))
    agency = Agency.objects.get(name="Cơ quan tham mưu, giúp việc chung khối MTTQ và các đoàn thể thành phố Hạ Long")
    rows = history(token_client(analyst), f"/api/v1/agencies/{agency.pk}/history/")
    # Created, then ended on 2025-07-01 with the district tier (issue 14): both by the command.
    assert [(r["history_type"], r["history_user"], r["history_change_reason"]) for r in rows] == [
        ("~", None, command_reason("build_quang_ninh")),
        ("+", None, command_reason("build_quang_ninh")),
    ]


def test_seed_gives_loaded_objects_a_creation_record_once(db, analyst):
    call_command("seed_quang_ninh", stdout=io.StringIO())
    call_command("seed_quang_ninh", stdout=io.StringIO())  # again: skipped, nothing new
    rows = history(token_client(analyst), "/api/v1/headcounts/169/history/")
    record = HeadcountRecord.objects.get(pk=169)
    assert [(r["history_type"], r["history_user"], r["history_change_reason"]) for r in rows] == [
        ("+", None, command_reason("seed_quang_ninh"))
    ]
    expected = {
        "agency": [None, {"id": 7, "display": record.agency.name}],
        "as_of": [None, "2020-01-01"],
        "authorised": [None, record.authorised],
        "actual": [None, record.actual],
        "source": [None, record.source],
        "source_kind": [None, "demo"],
    }
    assert rows[0]["changes"] == {field: values for field, values in expected.items() if values[1] is not None}
    assert record.authorised is not None
