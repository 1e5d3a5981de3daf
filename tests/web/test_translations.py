"""The catalogs behind the default language (STYLE.md habit 9: every user-facing string translatable,
Simplified Chinese by default, English complete).

Source strings are English; Simplified Chinese is what a visitor sees first, so its catalog must translate
every string, carry no fuzzy guesses, and match the compiled .mo that is committed (a fresh machine may lack
gettext and cannot compile it). Runs without make.
"""

import ast
import gettext
import re
import shutil
from dataclasses import dataclass, field
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "skilleval" / "locale"
ZH_PO = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[sd]")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def label(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file (header excluded); obsolete `#~` entries are skipped."""
    entries: list[Entry] = []
    entry, key, obsolete = Entry(), None, False

    def finish():
        nonlocal entry, key, obsolete
        if not obsolete and entry.msgid:  # the header has an empty msgid
            entries.append(entry)
        entry, key, obsolete = Entry(), None, False

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
        elif line.startswith("#~"):
            obsolete = True
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            _append(entry, key, ast.literal_eval(line))
        else:
            keyword, _, value = line.partition(" ")
            key = keyword
            entry.line = entry.line or number
            _append(entry, key, ast.literal_eval(value), start=True)
    finish()
    return entries


def _append(entry: Entry, key: str, text: str, start: bool = False):
    if key.startswith("msgstr"):
        index = int(key[7:-1]) if key.startswith("msgstr[") else 0
        entry.msgstr[index] = text if start else entry.msgstr[index] + text
    else:
        setattr(entry, key, text if start else (getattr(entry, key) or "") + text)


def test_every_chinese_string_is_translated_and_none_is_fuzzy():
    entries = parse_po(ZH_PO)
    assert len(entries) > 100, "the Simplified Chinese catalog looks truncated"
    untranslated = [e.label for e in entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [e.label for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"empty msgstr in {ZH_PO.name}: {untranslated}"
    assert not fuzzy, f"fuzzy entries in {ZH_PO.name} (review, then drop the flag): {fuzzy}"


def test_the_header_of_the_chinese_catalog_is_not_fuzzy_and_declares_its_plural_rule():
    header = ZH_PO.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "#, fuzzy" not in header  # msgfmt skips a fuzzy header, and with it the charset and plural rule
    assert '"Language: zh_Hans\\n"' in header
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in header


def test_chinese_strings_keep_the_placeholders_of_their_source():
    wrong = [
        e.label
        for e in parse_po(ZH_PO)
        for text in e.msgstr.values()
        if text and sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(e.msgid))
    ]
    assert not wrong, f"placeholders differ from the source string: {wrong}"


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
def test_the_committed_mo_matches_the_po(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    assert mo.exists(), f"{mo} is missing: run manage.py compilemessages and commit it"
    with mo.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in parse_po(po):
        key = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid
        for index, expected in entry.msgstr.items():
            # An empty msgstr (the English source catalog) falls back to the source string.
            if entry.msgid_plural is None:
                got = compiled.gettext(key)
                # Raw gettext gives back the lookup key itself for an entry it lacks (with its context).
                fallback = key
            else:
                got = compiled.ngettext(key, entry.msgid_plural, _a_number_for(language, index))
                fallback = entry.msgid if index == 0 else entry.msgid_plural
            if got != (expected or fallback):
                stale.append(entry.label)
    assert not stale, f"{mo} is out of date (run manage.py compilemessages): {stale}"


def _a_number_for(language: str, index: int) -> int:
    # zh_Hans has one plural form (plural=0); English has two (n != 1).
    return 1 if index == 0 else 2


@pytest.mark.skipif(
    shutil.which("xgettext") is None,
    reason="xgettext (GNU gettext) is not installed, so the source strings cannot be extracted here; "
    "CI installs it (.ci/run)",
)
def test_every_source_string_is_in_the_chinese_catalog(tmp_path, monkeypatch):
    # Extract into a copy of the sources so the committed catalogs are never touched.
    for package in ("skilleval", "config"):
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "locale"),
        )
    (tmp_path / "skilleval" / "locale" / "zh_Hans").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[str(tmp_path / "skilleval" / "locale")]):
        call_command("makemessages", locale=["zh_Hans"], no_obsolete=True, stdout=StringIO())
    extracted = parse_po(tmp_path / "skilleval" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")
    assert extracted, "makemessages extracted nothing: the copy of the sources is wrong"
    known = {(e.msgctxt, e.msgid) for e in parse_po(ZH_PO)}
    missing = sorted(e.msgid for e in extracted if (e.msgctxt, e.msgid) not in known)
    assert not missing, (
        f"source strings missing from {ZH_PO.relative_to(ROOT)}; run `make messages`, translate them and "
        f"compile: {missing}"
    )
