"""Every interface text of the publishing pages has a Finnish and a Swedish translation
(publishing.po, or the catalogue of the page it shares texts with) that keeps the same
%(placeholders)s, plural forms included."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
FEATURE = ROOT / "elearn" / "publishing"


def _messages() -> set[str | tuple[str, ...]]:
    found: set = set()
    for path in sorted((FEATURE / "templates").glob("*/*.html")):
        for _line, message, _c, _ctx in extract_from_file("jinja2.ext.babel_extract", str(path)):
            found.add(message)
    for module in sorted(FEATURE.glob("*.py")):
        for _line, message, _c, _ctx in extract_from_file("python", str(module),
                                                          keywords={"_": None, "N_": None}):
            found.add(message)
    found.add("Publishing")  # the navigation entry
    return found


def _catalogue(language: str) -> dict:
    catalogue = {}
    for path in sorted((ROOT / f"elearn/translations/{language}/LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale=language):
                if message.id and message.string:
                    catalogue[message.id] = message.string
    return catalogue


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\(\w+\)s", text))


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_publishing_texts_are_translated(language):
    messages = _messages()
    assert len(messages) > 80
    catalogue = _catalogue(language)
    missing = sorted(str(m) for m in messages if m not in catalogue
                     or not all(catalogue[m] if isinstance(m, tuple) else [catalogue[m]]))
    assert not missing, f"untranslated in {language}: {missing}"
    for message in messages:
        originals = message if isinstance(message, tuple) else (message,)
        translations = catalogue[message] if isinstance(message, tuple) else (catalogue[message],)
        wanted = set().union(*(_placeholders(o) for o in originals))
        for text in translations:
            assert _placeholders(text) <= wanted and _placeholders(text) >= (
                _placeholders(originals[0]) - {"%(num)s"}), (message, text)


def test_finnish_pages_read_finnish(trainer, draft_id):
    from tests.publishing.support import course_zip

    draft = draft_id(course_zip())
    trainer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fi"
    page = trainer.get(f"/trainer/courses/drafts/{draft}/diff").get_data(as_text=True)
    assert "Mitä julkaisu muuttaisi" in page and "Julkaise luonnos" in page
    assert "Uusi kurssi: julkaisu luo version 1" in page


def test_refusals_read_in_the_page_language(upload, trainer):
    from tests.publishing.support import course_zip

    trainer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "sv"
    page = upload(course_zip({"units/x/evil.exe": b"MZ"})).get_data(as_text=True)
    assert "<code>pienikurssi/units/x/evil.exe</code>: den här filtypen hör inte till en kurs " \
        "(tillåtna: .yaml, .md" in page
