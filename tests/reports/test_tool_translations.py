"""Every interface text of the HR and trainer pages has a Finnish and a Swedish translation
(in hr.po / trainer.po) that keeps the same %(placeholders)s, and the pages use them."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from elearn.api.reports import CSV_LABELS
from elearn.services.delivery_backlog import SPANS
from elearn.web.hr_views import DATE_FIELD_LABELS, SORTABLE_HEADERS, STATUS_LABELS

ROOT = Path(__file__).resolve().parents[2]
FEATURES = {
    "hr": (["Completions", "Completion report", "Delivery health", *STATUS_LABELS.values(),
            *DATE_FIELD_LABELS.values(), *(label for _key, label in SORTABLE_HEADERS),
            *(span.label for span in SPANS.values()), *CSV_LABELS.values(),
            "Completion delivered to LRS %(name)s"],
           ["elearn/web/templates/hr"], ["elearn/web/hr_views.py"]),
    "trainer": (["Course preview", "Quiz analytics"], ["elearn/web/templates/trainer"],
                ["elearn/web/trainer_views.py"]),
}


def _msgids(feature: str) -> set[str]:
    labels, template_dirs, modules = FEATURES[feature]
    ids = set(labels)
    for folder in template_dirs:
        for path in sorted((ROOT / folder).glob("*.html")):
            for _line, message, _c, _ctx in extract_from_file("jinja2.ext.babel_extract",
                                                               str(path)):
                ids.add(message if isinstance(message, str) else message[0])
    for module in modules:
        for _line, message, _c, _ctx in extract_from_file(
                "python", str(ROOT / module), keywords={"_": None, "gettext": None}):
            ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("language", ["fi", "sv"])
@pytest.mark.parametrize("feature", ["hr", "trainer"])
def test_tool_texts_are_translated(feature, language):
    ids = _msgids(feature)
    assert len(ids) > 30
    catalog = {}
    # the preview shows learner texts on purpose, so the learner catalogue counts too
    for name in (feature, "learner", "core"):
        with (ROOT / f"elearn/translations/{language}/LC_MESSAGES/{name}.po").open("rb") as handle:
            for message in read_po(handle, locale=language):
                key = message.id if isinstance(message.id, str) else message.id[0]
                if key and message.string:
                    catalog.setdefault(key, message)
    missing = sorted(i for i in ids if i not in catalog)
    assert not missing, f"untranslated in {language}: {missing}"
    for message_id in ids:
        translated = catalog[message_id].string
        translated = translated if isinstance(translated, str) else " ".join(translated)
        assert sorted(set(re.findall(r"%\(\w+\)s", translated))) == \
            sorted(set(re.findall(r"%\(\w+\)s", message_id))), message_id


@pytest.mark.parametrize("language, heading, suppressed", [
    ("fi", "Suoritusraportti", "Tehtävien analytiikka"),
    ("sv", "Rapport över genomföranden", "Quizanalys")])
def test_pages_speak_finnish_and_swedish(app, make_user, login, language, heading, suppressed):
    client = app.test_client()
    login(client, make_user("admin"))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    html = client.get("/hr/reports/completions").get_data(as_text=True)
    assert f"<h1>{heading}</h1>" in html and f'<html lang="{language}">' in html
    assert f"<h1>{suppressed}</h1>" in client.get("/trainer/analytics").get_data(as_text=True)
