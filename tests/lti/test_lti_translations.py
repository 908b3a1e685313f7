"""Every interface text of the LTI pages has a Finnish and a Swedish translation in lti.po
(the tool's pages) or lti_services.po (rosters and grade passback) that keeps the same
%(placeholders)s."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def _msgids() -> set[str]:
    ids = set()
    for path in sorted((ROOT / "elearn/lti/templates").glob("*/*.html")):
        for _line, message, _c, _ctx in extract_from_file("jinja2.ext.babel_extract", str(path)):
            ids.add(message if isinstance(message, str) else message[0])
    for module in sorted((ROOT / "elearn/lti").glob("*.py")):
        for _line, message, _c, _ctx in extract_from_file("python", str(module),
                                                          keywords={"_": None}):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_lti_texts_are_translated(language):
    ids = _msgids()
    assert len(ids) > 30
    catalog = {}
    for name in ("lti.po", "lti_services.po"):
        with (ROOT / f"elearn/translations/{language}/LC_MESSAGES/{name}").open("rb") as handle:
            # plural entries by their singular, with their forms joined
            catalog.update({(message.id if isinstance(message.id, str) else message.id[0]):
                            (message.string if isinstance(message.string, str)
                             else " ".join(message.string))
                            for message in read_po(handle, locale=language)
                            if message.id and message.string})
    missing = sorted(i for i in ids if i not in catalog)
    assert not missing, f"untranslated in {language}: {missing}"
    for message_id in ids:
        assert sorted(set(re.findall(r"%\(\w+\)s", catalog[message_id]))) == \
            sorted(set(re.findall(r"%\(\w+\)s", message_id))), message_id
