"""Per-unit preview of drafts and published versions: one unit per page with the unit
index, the fi/sv/en switch, the answer key and each question's ground, and ids unique."""
from __future__ import annotations

import re

import pytest

from tests.publishing.support import SLUG, course_zip


def ids_are_unique(html: str) -> None:
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.fixture
def draft(draft_id):
    return draft_id(course_zip())


def test_each_unit_has_its_own_page_with_the_index(trainer, draft):
    first = trainer.get(f"/trainer/courses/drafts/{draft}/units/verkoston-perusta?lang=en")
    assert first.status_code == 200
    html = first.get_data(as_text=True)
    # the index links both units; the current one is marked
    assert f'href="/trainer/courses/drafts/{draft}/units/luottamus?lang=en"' in html
    assert re.search(r'href="[^"]+/units/verkoston-perusta\?lang=en"[^>]*aria-current="page"',
                     html)
    assert "Trust" in html and 'rel="next"' in html and 'rel="prev"' not in html
    # only this unit's questions
    assert "Match the concepts." not in html
    ids_are_unique(html)


def test_language_switch_and_answer_key_with_grounds(trainer, draft):
    html = trainer.get(f"/trainer/courses/drafts/{draft}/units/luottamus?lang=sv") \
        .get_data(as_text=True)
    assert "Para ihop begreppen." in html and 'lang="sv"' in html
    # the switch keeps the unit and changes the language
    assert f'href="/trainer/courses/drafts/{draft}/units/luottamus?lang=fi"' in html
    assert f'href="/trainer/courses/drafts/{draft}/units/luottamus?lang=en"' in html
    key = html.split('class="answer-key"', 1)[1].split("</dl>", 1)[0]
    assert "Förtroende → Växer av handlingar" in key  # the matching question's key
    assert "SOSTE: Verkostot työn tukena" in key and "<code>soste</code>" in key  # its ground
    assert "<code>vnk-2019</code>" in key and 'href="https://vnk.fi/"' in key
    assert "<form" not in html.split("<main")[1].split("</main>")[0]
    ids_are_unique(html)


def test_unknown_unit_or_draft_is_404(trainer, draft):
    assert trainer.get(f"/trainer/courses/drafts/{draft}/units/nope").status_code == 404
    assert trainer.get("/trainer/courses/drafts/999999").status_code == 404


def test_published_version_has_the_same_pages(trainer, draft):
    trainer.post(f"/trainer/courses/drafts/{draft}/publish")
    overview = trainer.get(f"/trainer/courses/{SLUG}/versions/1?lang=en").get_data(as_text=True)
    assert f'href="/trainer/courses/{SLUG}/versions/1/units/luottamus?lang=en"' in overview
    page = trainer.get(f"/trainer/courses/{SLUG}/versions/1/units/luottamus?lang=fi")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Yhdistä käsitteet." in html
    assert "Luottamus → Kasvaa teoista" in html
    ids_are_unique(html)
    assert trainer.get(f"/trainer/courses/{SLUG}/versions/9/units/luottamus").status_code == 404


def test_the_draft_page_switches_language_and_lists_units_in_it(trainer, draft):
    html = trainer.get(f"/trainer/courses/drafts/{draft}?lang=sv").get_data(as_text=True)
    assert f'href="/trainer/courses/drafts/{draft}?lang=fi"' in html
    assert f'href="/trainer/courses/drafts/{draft}/units/luottamus?lang=sv"' in html
    assert ">Förtroende</a>" in html
    ids_are_unique(html)
