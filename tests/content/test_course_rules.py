"""The trainer rules of docs/authoring.md hold for every course in courses/: banks large enough
for a new draw, every question grounded in a source its unit lists and links, no giveaway
words, keys spread over positions, true/false answers mixed, "incorrect" feedback that does not
simply repeat the key. The second half shows that each check finds what it looks for."""
from __future__ import annotations

from pathlib import Path

import pytest

from elearn import PROJECT_ROOT
from elearn.content.loader import LoadedCourse, find_course_dirs, load_course
from tests.content import course_rules as rules

COURSES = find_course_dirs(PROJECT_ROOT / "courses")


def _load(course_dir: Path) -> LoadedCourse:
    course, problems = load_course(course_dir)
    assert [str(problem) for problem in problems] == []
    return course


def _units(course: LoadedCourse) -> list[tuple[str, dict]]:
    return [(unit.folder, unit.data) for unit in course.units]


def test_there_are_courses_to_check():
    assert COURSES, "no course folders under courses/"


@pytest.mark.parametrize("course_dir", COURSES, ids=lambda path: path.name)
def test_each_unit_follows_the_trainer_rules(course_dir):
    course = _load(course_dir)
    urls = {source["id"]: source.get("url") for source in course.data.get("sources") or []}
    problems = []
    for unit in course.units:
        data, name = unit.data, unit.folder
        content = {language: text_file.text for language, text_file in unit.content.items()}
        problems += rules.bank_problems(name, data)
        problems += rules.grounding_problems(name, data)
        problems += rules.link_problems(name, data, urls, content)
        problems += rules.giveaway_problems(name, data)
        problems += rules.revealing_feedback_problems(name, data)
        problems += rules.instruction_problems(name, data)
    assert problems == []


@pytest.mark.parametrize("course_dir", COURSES, ids=lambda path: path.name)
def test_answers_follow_no_pattern_across_the_course(course_dir):
    units = [data for _, data in _units(_load(course_dir))]
    assert rules.true_false_problems(units) == []
    assert rules.key_position_problems(units) == []


# --- each check finds what it looks for -------------------------------------------------

def _lm(fi: str, sv: str | None = None, en: str | None = None) -> dict:
    return {"fi": fi, "sv": sv or fi, "en": en or fi}


def _single(qid: str, key: int, n: int = 3, **extra) -> dict:
    choices = [{"id": f"c{i}", "text": _lm(f"Vaihtoehto numero {i} tässä"),
                "correct": i == key} for i in range(n)]
    return {"id": qid, "type": "single_choice", "source": "s", "prompt": _lm("Kysymys?"),
            "choices": choices,
            "feedback": {"correct": _lm("Oikein."), "incorrect": _lm("Mieti uudelleen.")},
            **extra}


def _unit(*questions: dict, draw: int | None = None, sources=("s",)) -> dict:
    quiz = {"pass_mark": 0.7, "questions": list(questions)}
    if draw is not None:
        quiz["draw"] = draw
    return {"id": "u", "sources": list(sources), "quiz": quiz}


def test_a_bank_smaller_than_one_and_a_half_draws_is_found():
    assert rules.bank_problems("u", _unit(*[_single(f"q{i}", 0) for i in range(7)], draw=5)) \
        == ["u: a bank of 7 questions is too small for a draw of 5 (needs at least 1.5 × 5)"]
    assert rules.bank_problems("u", _unit(*[_single(f"q{i}", 0) for i in range(8)], draw=5)) == []
    assert rules.bank_problems("u", _unit(_single("q", 0))) == []


def test_a_ground_the_unit_does_not_list_is_found():
    question = _single("q", 0, source=["s", "other"])
    assert rules.grounding_problems("u", _unit(question)) == [
        "u/q: source 'other' is not in the unit's sources"]
    assert rules.grounding_problems("u", _unit(question, sources=("s", "other"))) == []


def test_an_unlinked_source_is_found_per_language():
    unit = _unit(_single("q", 0), sources=("s", "book"))
    urls = {"s": "https://example.fi/sivu/", "book": None}
    linked = "Lue [sivu](https://example.fi/sivu)."
    assert rules.link_problems("u", unit, urls, {"fi": linked, "sv": "Ingen länk.",
                                                  "en": linked}) == [
        "u (sv): source 's' (https://example.fi/sivu/) is not linked"]


def test_one_language_version_of_a_page_is_enough():
    unit = _unit(_single("q", 0), sources=("page", "page-sv", "other"))
    urls = {"page": "https://example.fi/sivu", "page-sv": "https://example.fi/sv/sida",
            "other": "https://example.fi/muu"}
    content = {"fi": "[sivu](https://example.fi/sivu) [muu](https://example.fi/muu)",
               "sv": "[sida](https://example.fi/sv/sida) [annan](https://example.fi/muu)",
               "en": "[page](https://example.fi/sivu)"}
    assert rules.link_problems("u", unit, urls, content) == [
        "u (en): source 'other' (https://example.fi/muu) is not linked"]


def test_giveaway_words_are_found_in_prompts_and_choices_of_their_language():
    statement = {"id": "t", "type": "true_false", "source": "s", "answer": False,
                 "prompt": _lm("Väite: verkostoa johdetaan aina käskyin.",
                               "Påstående: ett nätverk leds med order.",
                               "Statement: a network is never led by orders."),
                 "feedback": {"correct": _lm("Oikein."), "incorrect": _lm("Ei.")}}
    choice = _single("c", 1)
    choice["choices"][0]["text"] = _lm("Vaihtoehto", "Bara chefen", "Option")
    assert rules.giveaway_problems("u", _unit(statement, choice)) == [
        "u/t (fi): giveaway word aina in 'Väite: verkostoa johdetaan aina käskyin.'",
        "u/t (en): giveaway word never in 'Statement: a network is never led by orders.'",
        "u/c (sv): giveaway word bara in 'Bara chefen'"]
    # part of a longer word is not the word: "vainaja", "onlyness"
    choice["choices"][0]["text"] = _lm("Vainaja", "Baracker", "Onlyness")
    assert rules.giveaway_problems("u", _unit(choice)) == []


def test_incorrect_feedback_that_repeats_the_key_is_found():
    question = _single("q", 2)
    question["feedback"]["incorrect"] = _lm("Ei aivan: oikea vastaus on vaihtoehto numero 2 "
                                            "tässä.", "Fundera igen.", "Think again.")
    assert rules.revealing_feedback_problems("u", _unit(question)) == [
        "u/q (fi): the incorrect feedback repeats the correct choice"]


def test_true_false_answers_that_are_nearly_always_the_same_are_found():
    def statement(answer: bool) -> dict:
        return {"id": "t", "type": "true_false", "answer": answer}
    assert rules.true_false_problems([_unit(*[statement(False)] * 5, statement(True))]) == [
        "17% of 6 true/false answers are true (keep it between 30% and 70%)"]
    assert rules.true_false_problems([_unit(*[statement(False)] * 3, *[statement(True)] * 3)]) \
        == []


def test_keys_in_the_same_place_are_found():
    first = [_single(f"q{i}", 0) for i in range(4)] + [_single("q4", 1), _single("q5", 2)]
    assert rules.key_position_problems([_unit(*first)]) == [
        "4 of 6 single-choice keys are choice 1 in the author's order"]
    spread = [_single(f"q{i}", i % 3) for i in range(6)]
    assert rules.key_position_problems([_unit(*spread)]) == []

    def multiple(flags: list[bool]) -> dict:
        return {"id": "m", "type": "multiple_choice",
                "choices": [{"id": f"c{i}", "correct": flag} for i, flag in enumerate(flags)]}
    prefix = [multiple([True, True, False, False])] * 3 + [multiple([False, True, True, False])]
    assert rules.key_position_problems([_unit(*prefix)]) == [
        "3 of 4 multiple-choice questions list their correct choices first"]


def test_a_prompt_that_repeats_the_pages_instruction_is_found():
    question = {"id": "q1", "type": "multiple_choice",
                "prompt": _lm("Mitkä pitävät paikkansa? Valitse kaikki oikeat.",
                              "Vilka stämmer? Välj alla rätta.", "Which are true?")}
    assert rules.instruction_problems("u", _unit(question)) == [
        "u/q1 (fi): the prompt ends with an instruction the page already gives: "
        "'valitse kaikki oikeat'",
        "u/q1 (sv): the prompt ends with an instruction the page already gives: "
        "'välj alla rätta'"]
    question["prompt"] = _lm("Valitse verkoston tavoite: mikä näistä on oikein?")
    assert rules.instruction_problems("u", _unit(question)) == []
