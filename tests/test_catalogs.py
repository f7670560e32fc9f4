"""Every catalog holds every msgid of the code, translated, not fuzzy, placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.config import LANGUAGES

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
TAG = re.compile(r"</?[a-z-]+[^>]*>")


def code_msgids() -> set[str]:
    found: set[str] = set()
    for package in ("bot", "handlers"):
        for _, _, message, _, _ in extract_from_dir(
            ROOT / package, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def catalog(language: str) -> dict[str, tuple[str, ...]]:
    path = ROOT / "locales" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        po = read_po(handle)
    entries: dict[str, tuple[str, ...]] = {}
    for message in po:
        if not message.id:
            continue
        assert not message.fuzzy, f"{language}: fuzzy entry {message.id!r}"
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        entries[key] = tuple(strings)
    return entries


def test_the_code_has_messages() -> None:
    assert len(code_msgids()) >= 20


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_every_msgid_translated(language: str) -> None:
    entries = catalog(language)
    missing = sorted(code_msgids() - entries.keys())
    assert not missing, f"{language} misses {missing}"
    untranslated = [key for key, strings in entries.items() if not all(strings)]
    assert not untranslated, f"{language} leaves untranslated {untranslated}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_and_markup_survive_translation(language: str) -> None:
    for msgid, strings in catalog(language).items():
        for translated in strings:
            assert sorted(PLACEHOLDER.findall(translated)) == sorted(PLACEHOLDER.findall(msgid)), (
                f"{language}: placeholders differ in {msgid!r}"
            )
            assert sorted(TAG.findall(translated)) == sorted(TAG.findall(msgid)), (
                f"{language}: HTML tags differ in {msgid!r}"
            )


def test_template_is_up_to_date() -> None:
    with (ROOT / "locales" / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert template == code_msgids(), "run 'make update-catalogs'"
