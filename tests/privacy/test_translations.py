"""Every interface text of the privacy pages has a Finnish and a Swedish translation in
privacy.po that keeps the same %(placeholders)s."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
FEATURE = ROOT / "elearn" / "privacy"


def msgids() -> set[str]:
    ids = set()
    for path in sorted((FEATURE / "templates").rglob("*.html")):
        for _line, message, _c, _ctx in extract_from_file("jinja2.ext.babel_extract", str(path)):
            ids.add(message if isinstance(message, str) else message[0])
    for path in sorted(FEATURE.glob("*.py")):
        for _line, message, _c, _ctx in extract_from_file(
                "python", str(path), keywords={"_": None, "gettext": None, "N_": None}):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_privacy_texts_are_translated(language):
    ids = msgids()
    assert len(ids) > 30
    with (ROOT / f"elearn/translations/{language}/LC_MESSAGES/privacy.po").open("rb") as handle:
        # Plural messages are keyed by their singular, with every plural form to check.
        catalog = {(message.id[0] if message.pluralizable else message.id):
                   (list(message.string) if message.pluralizable else [message.string])
                   for message in read_po(handle, locale=language)
                   if message.id and all(message.string if message.pluralizable
                                         else [message.string])}
    missing = sorted(i for i in ids if i not in catalog)
    assert not missing, f"untranslated in {language}: {missing}"
    for message_id in ids:
        for form in catalog[message_id]:
            assert sorted(set(re.findall(r"%\(\w+\)s", form))) == \
                sorted(set(re.findall(r"%\(\w+\)s", message_id))), message_id


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_shared_texts_keep_the_translation_other_pages_give_them(language):
    """Catalogues are merged into one, so a text translated differently here would change
    other pages too."""
    folder = ROOT / f"elearn/translations/{language}/LC_MESSAGES"
    with (folder / "privacy.po").open("rb") as handle:
        ours = {m.id: m.string for m in read_po(handle, locale=language) if m.id}
    for path in sorted(folder.glob("*.po")):
        if path.name == "privacy.po":
            continue
        with path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id in ours:
                    assert ours[message.id] == message.string, (path.name, message.id)
