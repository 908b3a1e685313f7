"""Every interface text of the learner pages has a Finnish and a Swedish translation that
keeps the same %(placeholders)s."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
NAV_LABELS = ["My learning", "Courses", "My reflections"]  # registered with register_nav


def _learner_msgids() -> set[str]:
    ids = set(NAV_LABELS)
    for path in sorted((ROOT / "elearn/web/templates/learner").glob("*.html")):
        for _line, message, _comments, _context in extract_from_file(
                "jinja2.ext.babel_extract", str(path)):
            ids.add(message if isinstance(message, str) else message[0])
    for path in sorted((ROOT / "elearn/web/learner").glob("*.py")):
        for _line, message, _comments, _context in extract_from_file(
                "python", str(path), keywords={"_": None, "gettext": None}):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_learner_texts_are_translated(language):
    ids = _learner_msgids()
    assert len(ids) > 80
    with (ROOT / f"elearn/translations/{language}/LC_MESSAGES/learner.po").open("rb") as handle:
        catalog = read_po(handle, locale=language)
    missing = sorted(i for i in ids if not (catalog.get(i) and catalog.get(i).string))
    assert not missing, f"untranslated in {language}: {missing}"
    for message_id in ids:
        translated = catalog.get(message_id).string
        for form in ([translated] if isinstance(translated, str) else translated):
            assert sorted(re.findall(r"%\(\w+\)s", form)) == \
                sorted(re.findall(r"%\(\w+\)s", message_id)), message_id
