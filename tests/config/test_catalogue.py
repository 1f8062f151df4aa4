"""The English catalogue is complete (nothing untranslated, nothing fuzzy) and its .mo matches the .po.

The .po is parsed with the standard library (no polib); the committed .mo is read with `gettext`,
the same reader Django uses, and both catalogues must hold exactly the same translations.
"""

import ast
import gettext
from dataclasses import dataclass, field
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def key(self):
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"


def parse_po(text: str) -> list[Entry]:
    """Every live entry of a .po file (obsolete `#~` entries are skipped), the header included."""
    entries: list[Entry] = []
    current: Entry | None = None
    flags: set[str] = set()
    target: tuple[str, int] | None = None

    def append(value: str):
        name, index = target
        if name == "msgstr":
            current.msgstr[index] = current.msgstr.get(index, "") + value
        else:
            setattr(current, name, (getattr(current, name) or "") + value)

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            append(ast.literal_eval(line))
            continue
        # A new entry starts at its msgctxt, or at its msgid when the previous entry is complete.
        if keyword == "msgctxt" or (keyword == "msgid" and (current is None or current.msgstr)):
            current = Entry(line=number, flags=flags)
            entries.append(current)
            flags = set()
        if keyword.startswith("msgstr["):
            target = ("msgstr", int(keyword[7:-1]))
        elif keyword == "msgstr":
            target = ("msgstr", 0)
        else:
            target = (keyword, 0)
        append(ast.literal_eval(rest))
    return entries


def po_catalogue(entries: list[Entry]) -> dict:
    """What gettext would load from this .po: translated, non-fuzzy entries, keyed like GNUTranslations."""
    catalogue = {}
    for entry in entries:
        if entry.msgid == "" or "fuzzy" in entry.flags or not all(entry.msgstr.values()):
            continue
        if entry.msgid_plural is None:
            catalogue[entry.key] = entry.msgstr[0]
        else:
            for index, text in entry.msgstr.items():
                catalogue[(entry.key, index)] = text
    return catalogue


@pytest.fixture(scope="module")
def entries():
    return parse_po(PO.read_text(encoding="utf-8"))


def test_the_parser_reads_contexts_plurals_and_flags():
    entries = parse_po(
        'msgid ""\nmsgstr "Language: en\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "a %(x)s"\nmsgstr "b"\n\n'
        'msgctxt "menu"\nmsgid "Cơ quan"\nmsgstr "Agen"\n"cies"\n\n'
        'msgid "một"\nmsgid_plural "nhiều"\nmsgstr[0] "one"\nmsgstr[1] ""\n\n'
        '#~ msgid "cũ"\n#~ msgstr "old"\n'
    )
    assert [(e.key, e.flags, e.msgstr) for e in entries] == [
        ("", set(), {0: "Language: en\n"}),
        ("a %(x)s", {"fuzzy", "python-format"}, {0: "b"}),
        ("menu\x04Cơ quan", set(), {0: "Agencies"}),
        ("một", set(), {0: "one", 1: ""}),
    ]
    assert po_catalogue(entries) == {"menu\x04Cơ quan": "Agencies"}


def test_every_entry_is_translated_and_none_is_fuzzy(entries):
    assert len(entries) > 300  # the whole catalogue was read
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in entries if e.msgid and "fuzzy" in e.flags]
    untranslated = [f"line {e.line}: {e.msgid!r}" for e in entries if e.msgid and not all(e.msgstr.values())]
    assert fuzzy == [], "fuzzy entries in locale/en/LC_MESSAGES/django.po"
    assert untranslated == [], "untranslated entries in locale/en/LC_MESSAGES/django.po"


def test_python_format_placeholders_are_kept(entries):
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    wrong = []
    for e in entries:
        if "python-format" in e.flags:
            expected = set(placeholder.findall(e.msgid_plural or e.msgid))
            for text in e.msgstr.values():
                if set(placeholder.findall(text)) != expected:
                    wrong.append(e.msgid)
    assert wrong == []


def test_the_compiled_mo_matches_the_po(entries):
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    mo_catalogue = {key: value for key, value in compiled._catalog.items() if key != ""}
    po = po_catalogue(entries)
    missing = sorted(str(key) for key in po.keys() - mo_catalogue.keys())
    stale = sorted(str(key) for key in mo_catalogue.keys() - po.keys())
    changed = sorted(str(key) for key in po.keys() & mo_catalogue.keys() if po[key] != mo_catalogue[key])
    message = "locale/en/LC_MESSAGES/django.mo is out of date: run `python manage.py compilemessages -l en`"
    assert (missing, stale, changed) == ([], [], []), message
