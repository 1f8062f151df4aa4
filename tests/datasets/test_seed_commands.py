"""`make run` loads the Quảng Ninh data only into an empty database; `make reset-data` asks first (issue 11)."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from core.actors import SYSTEM
from core.audit import command_reason
from districts.models import District, EditorScope
from mergers.models import Agency, HeadcountRecord
from mergers.services import agency_update, headcount_update

D = datetime.date
AGENCY = 7  # in the shipped data
RECORD = 169


def seed() -> str:
    out = io.StringIO()
    call_command("seed_quang_ninh", stdout=out)
    return out.getvalue()


def reset(monkeypatch, answer: str | None) -> str:
    out = io.StringIO()
    if answer is None:
        call_command("reset_quang_ninh", "--no-input", stdout=out)
    else:
        monkeypatch.setattr("builtins.input", lambda prompt: answer)
        call_command("reset_quang_ninh", stdout=out)
    return out.getvalue()


@pytest.fixture
def edited(db):
    assert seed() == "Loaded the Quảng Ninh data: 604 objects.\n"
    original = (Agency.objects.get(pk=AGENCY).name, HeadcountRecord.objects.get(pk=RECORD).authorised)
    agency_update(user=SYSTEM, agency=Agency.objects.get(pk=AGENCY), data={"name": "Tên đã sửa"})
    record = HeadcountRecord.objects.get(pk=RECORD)
    headcount_update(
        user=SYSTEM, record=record, authorised=22, actual=record.actual, source=record.source, confirm=True
    )
    return original


def current():
    return Agency.objects.get(pk=AGENCY).name, HeadcountRecord.objects.get(pk=RECORD).authorised


def test_seeding_again_keeps_the_edits(edited):
    assert seed() == ("Quảng Ninh data not loaded: the database already holds 14 districts, 182 agencies (skipped).\n")
    assert current() == ("Tên đã sửa", 22)


def test_seeding_a_database_with_agencies_only_skips_too(db):
    seed()
    District.objects.filter(pk__in=[]).delete()
    assert "skipped" in seed()


def test_reset_confirmed_restores_the_shipped_data_and_keeps_scopes(edited, monkeypatch, editor):
    scope = EditorScope.objects.create(user=editor)
    scope.districts.set(District.objects.filter(code__in=["193", "204"]))
    assert reset(monkeypatch, "yes") == "Reset the Quảng Ninh data: 604 objects loaded.\n"
    assert current() == edited
    assert current()[1] != 22
    assert sorted(EditorScope.objects.get(pk=scope.pk).districts.values_list("code", flat=True)) == ["193", "204"]
    # The history tells the whole story: loaded, edited, deleted by the reset, loaded again.
    history = Agency.objects.get(pk=AGENCY).history.order_by("history_date", "history_id")
    assert [(h.history_type, h.history_change_reason) for h in history] == [
        ("+", command_reason("seed_quang_ninh")),
        ("~", None),
        ("-", command_reason("reset_quang_ninh")),
        ("+", command_reason("reset_quang_ninh")),
    ]


def test_reset_without_input_for_scripts(edited, monkeypatch):
    assert reset(monkeypatch, None) == "Reset the Quảng Ninh data: 604 objects loaded.\n"
    assert current() == edited


@pytest.mark.parametrize("answer", ["no", "", "y", "YES please"])
def test_reset_not_confirmed_changes_nothing(edited, monkeypatch, answer):
    with pytest.raises(CommandError, match="Reset cancelled: nothing was changed."):
        reset(monkeypatch, answer)
    assert current() == ("Tên đã sửa", 22)


def test_no_custom_command_shadows_djangos_loaddata():
    from django.core.management import get_commands

    assert get_commands()["loaddata"] == "django.core"
