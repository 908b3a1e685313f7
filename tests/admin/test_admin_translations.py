"""Every interface text of the admin pages has a Finnish and a Swedish translation in
admin.po that keeps the same %(placeholders)s."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from elearn.web.admin_views import FIELD_LABELS, ROLE_LABELS

ROOT = Path(__file__).resolve().parents[2]
# messages the service raises and the view translates
SERVICE_MESSAGES = ["At most %(max)s characters.",
                    "Line breaks and control characters are not allowed.",
                    "You cannot remove the admin role from your own account."]


def _msgids() -> set[str]:
    ids = {"Accounts", *ROLE_LABELS.values(), *FIELD_LABELS.values(), *SERVICE_MESSAGES}
    for path in sorted((ROOT / "elearn/web/templates/admin").glob("*.html")):
        for _line, message, _c, _ctx in extract_from_file("jinja2.ext.babel_extract", str(path)):
            ids.add(message if isinstance(message, str) else message[0])
    for _line, message, _c, _ctx in extract_from_file(
            "python", str(ROOT / "elearn/web/admin_views.py"), keywords={"_": None}):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_admin_texts_are_translated(language):
    ids = _msgids()
    assert len(ids) > 30
    with (ROOT / f"elearn/translations/{language}/LC_MESSAGES/admin.po").open("rb") as handle:
        # plural entries by their singular, with their forms joined
        catalog = {(message.id if isinstance(message.id, str) else message.id[0]):
                   (message.string if isinstance(message.string, str)
                    else " ".join(message.string))
                   for message in read_po(handle, locale=language)
                   if message.id and message.string}
    missing = sorted(i for i in ids if i not in catalog)
    assert not missing, f"untranslated in {language}: {missing}"
    for message_id in ids:
        assert sorted(set(re.findall(r"%\(\w+\)s", catalog[message_id]))) == \
            sorted(set(re.findall(r"%\(\w+\)s", message_id))), message_id
