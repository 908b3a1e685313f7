"""Counts shown to people go through ngettext, so Finnish and Swedish get their plural forms
("1 lausuma", "2 lausumaa"), not one form for every number ("1 lausumaa", "1 oppijaa").

Every message of every catalogue that puts a count right before a word must be a plural
entry, unless it is listed below with the reason it needs none; every plural entry has both
forms in Finnish and Swedish with the message's placeholders."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from elearn.i18n import ngettext

CATALOGUES = Path(__file__).resolve().parents[1] / "elearn" / "translations"
COUNT_BEFORE_WORD = re.compile(
    r"%\((count|num|total|minutes|hours|days|units|min|max|n)\)s [a-z]")
NO_PLURAL_NEEDED = {
    "%(minutes)s min": "an abbreviation",
    "%(hours)s h %(minutes)s min": "abbreviations",
    "%(days)s d %(hours)s h": "abbreviations",
    "At most %(max)s characters.": "a fixed limit of 200",
    "Write at least %(min)s characters.": "fixed limits of the feedback form (10 and more)",
    "Write at most %(max)s characters.": "fixed limits of the feedback form",
    "Your reflection was not saved. Write %(min)s–%(max)s characters; it now has %(now)s.":
        "a range, always plural",
    "Characters: %(count)s of at least %(min)s.": "the noun comes before the count",
    "%(raw)s of %(max)s points": "a quiz has several points; raw may be a fraction",
    "the zip has %(count)s entries; at most %(limit)s are allowed": "always above the limit",
    "a package holds one course folder; this zip has %(count)s top folders (%(names)s)":
        "only said of two or more",
}


def _catalogues():
    for path in sorted(CATALOGUES.glob("*/LC_MESSAGES/*.po")):
        with path.open("rb") as handle:
            yield path, read_po(handle, locale=path.parts[-3])


def test_every_count_before_a_word_is_a_plural_entry():
    singular_only = sorted({f"{path.parts[-3]}/{path.name}: {message.id}"
                            for path, catalogue in _catalogues() for message in catalogue
                            if isinstance(message.id, str) and message.id
                            and COUNT_BEFORE_WORD.search(message.id)
                            and message.id not in NO_PLURAL_NEEDED})
    assert singular_only == []


def test_plural_entries_have_both_forms_with_the_same_placeholders():
    problems = []
    for path, catalogue in _catalogues():
        for message in catalogue:
            if not isinstance(message.id, tuple):
                continue
            wanted = set(re.findall(r"%\(\w+\)s", " ".join(message.id))) - {"%(num)s"}
            forms = list(message.string)
            if len(forms) != 2 or not all(forms):
                problems.append(f"{path.name}: {message.id[0]!r} lacks a form")
            for form in forms:
                if not wanted <= set(re.findall(r"%\(\w+\)s", form)):
                    problems.append(f"{path.name}: {form!r} lost a placeholder")
    assert problems == []


@pytest.mark.parametrize("language, one, two", [
    ("fi", "Kyllä, lähetä 1 lausuma uudelleen", "Kyllä, lähetä 2 lausumaa uudelleen"),
    ("sv", "Ja, skicka 1 utsaga på nytt", "Ja, skicka 2 utsagor på nytt"),
    ("en", "Yes, resend 1 statement", "Yes, resend 2 statements"),
])
def test_one_and_two_take_their_own_forms(app, language, one, two):
    with app.test_request_context("/", headers={"Accept-Language": language}):
        assert [ngettext("Yes, resend %(count)s statement", "Yes, resend %(count)s statements",
                         n, count=n) for n in (1, 2)] == [one, two]


def test_report_caption_counts_learners_in_finnish(app):
    with app.test_request_context("/", headers={"Accept-Language": "fi"}):
        caption = ("Completions: %(num)s learner and course version",
                   "Completions: %(num)s learners and course versions")
        assert ngettext(*caption, 1, num=1) == "Suoritukset: 1 oppija ja kurssiversio"
        assert ngettext(*caption, 5, num=5) == "Suoritukset: 5 oppijaa ja kurssiversiota"
