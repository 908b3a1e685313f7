"""The rules of the course file format (``docs/authoring.md`` documents each one).

Every check reports to a :class:`Collector` and carries on, so an author sees all problems
of a course in one run, each as ``path:line: message``.  Messages start with the field's
path inside the file (``quiz.questions[2].choices``, indices from 0) so the line and the
field together point at the spot.
"""
from __future__ import annotations

import math
import re
from typing import Any

from elearn.content.loader import COURSE_FILE, LANGUAGES, UNITS_DIR, LoadedCourse, LoadedUnit
from elearn.content.markdown_check import check_markdown
from elearn.content.problems import Collector, Problem
from elearn.content.yamlsource import YList, YMap

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
ID_MAX = 100
ID_RULE = "use lowercase letters a-z, digits, - and _, at most 100 characters"
QUESTION_TYPES = ("single_choice", "multiple_choice", "true_false", "matching", "ordering")

COURSE_FIELDS = {"id": True, "title": True, "description": True, "mastery_score": True,
                 "units": True, "sources": False}
SOURCE_FIELDS = {"id": True, "title": True, "url": False}
UNIT_FIELDS = {"id": True, "title": True, "estimated_minutes": False, "objectives": True,
               "sources": False, "quiz": True, "reflections": False}
QUIZ_FIELDS = {"pass_mark": True, "max_attempts": False, "draw": False, "questions": True}
QUESTION_COMMON = {"id": True, "type": True, "source": True, "points": False, "prompt": True,
                   "feedback": True}
QUESTION_TYPE_FIELDS = {
    "single_choice": {"choices": True, "shuffle": False},
    "multiple_choice": {"choices": True, "shuffle": False},
    "true_false": {"answer": True},
    "matching": {"pairs": True},
    "ordering": {"items": True},
}
CHOICE_FIELDS = {"id": True, "text": True, "correct": False, "feedback": False}
PAIR_FIELDS = {"id": True, "source": True, "target": True}
ITEM_FIELDS = {"id": True, "text": True}
FEEDBACK_FIELDS = {"correct": True, "incorrect": True}
REFLECTION_FIELDS = {"id": True, "prompt": True, "min_length": False}
# Upper bounds keep every number inside the database's integers and within reason.
MAX_ATTEMPTS = 1000
MAX_DRAW = 1000
MAX_POINTS = 1000
MAX_MINUTES = 10_000
MAX_MIN_LENGTH = 20_000  # the longest reflection a learner may save (services.reflections)


def _at(where: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{where}[{key}]"
    return f"{where}.{key}" if where else key


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


class FileChecker:
    """Checks for the YAML of one file, reporting to one collector."""

    def __init__(self, out: Collector):
        self.out = out

    def add(self, line: int, message: str) -> None:
        self.out.add(line, message)

    def fields(self, value: Any, line: int, where: str, spec: dict[str, bool],
               what: str = "a mapping of fields") -> YMap | None:
        """``value`` must be a mapping with the required fields of ``spec`` and no others."""
        if not isinstance(value, YMap):
            self.add(line, f"{where or 'file'}: expected {what}")
            return None
        for key in value:
            if key not in spec:
                allowed = ", ".join(spec)
                self.add(value.key_line(key), f"{_at(where, str(key))}: unknown field "
                                              f"(allowed here: {allowed})")
        for key, required in spec.items():
            if required and key not in value:
                self.add(line, f"{_at(where, key)}: missing (required field)")
        return value

    def text(self, value: Any, line: int, where: str, written: str | None = None) -> bool:
        if isinstance(value, bool):
            self.add(line, f"{where}: expected text, got {str(value).lower()} (YAML reads "
                           "yes, no, on, off, true and false as true/false: quote the text)")
            return False
        if isinstance(value, (int, float)):
            self.add(line, f"{where}: expected text, got the number "
                           f"{written if written is not None else value} (quote the text)")
            return False
        if not isinstance(value, str) or not value.strip():
            self.add(line, f"{where}: expected non-empty text")
            return False
        return True

    def language_map(self, parent: YMap, key: str, where: str) -> None:
        """``parent[key]`` must map exactly fi, sv and en to non-empty texts."""
        value = parent[key]
        here = _at(where, key)
        line = parent.value_line(key)
        if not isinstance(value, YMap):
            self.add(line, f"{here}: expected a language map with fi, sv and en")
            return
        for language in value:
            if language not in LANGUAGES:
                self.add(value.key_line(language),
                         f"{_at(here, str(language))}: unknown language (use fi, sv and en)")
        for language in LANGUAGES:
            if language not in value:
                self.add(parent.key_line(key), f"{_at(here, language)}: missing translation")
            else:
                self.text(value[language], value.value_line(language), _at(here, language),
                          value.source_texts.get(language))

    def ident(self, parent: YMap, where: str, seen: dict[str, int] | None = None,
              kind: str = "id") -> str | None:
        """``parent['id']`` must be a valid id, unique within ``seen`` (id -> line)."""
        if "id" not in parent:
            return None
        value = parent["id"]
        line = parent.value_line("id")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            # YAML reads 010 as 8: numbers would not round-trip, so ids are always text
            written = parent.source_texts.get("id", value)
            self.add(line, f'{_at(where, "id")}: expected text, got a number (quote it: '
                           f'id: "{written}")')
            return None
        if not isinstance(value, str):
            self.add(line, f"{_at(where, 'id')}: expected an id ({ID_RULE})")
            return None
        if not ID_PATTERN.match(value) or len(value) > ID_MAX:
            self.add(line, f'{_at(where, "id")}: "{value}" is not a valid id ({ID_RULE})')
            return None
        if seen is not None:
            if value in seen:
                self.add(line, f'{_at(where, "id")}: duplicate {kind} "{value}" '
                               f"(first on line {seen[value]})")
                return None
            seen[value] = line
        return value

    def items(self, parent: YMap, key: str, where: str, minimum: int, noun: str) -> YList | None:
        """``parent[key]`` must be a list of at least ``minimum`` entries."""
        value = parent[key]
        here = _at(where, key)
        if not isinstance(value, YList):
            self.add(parent.value_line(key), f"{here}: expected a list")
            return None
        if len(value) < minimum:
            self.add(parent.key_line(key), f"{here}: needs at least {minimum} {noun} "
                                           f"(found {len(value)})")
        return value

    def number_in(self, parent: YMap, key: str, where: str, low: float, high: float | None,
                  integer: bool, rule: str) -> Any:
        """``parent[key]`` must be a (whole) number in [low, high]; returns it or None."""
        value = parent[key]
        line = parent.value_line(key)
        here = _at(where, key)
        if integer and not _is_int(value):
            self.add(line, f"{here}: expected a whole number")
            return None
        if not integer and not _is_number(value):
            self.add(line, f"{here}: expected a number")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.add(line, f"{here}: expected a finite number")
            return None
        if value < low or (high is not None and value > high):
            self.add(line, f"{here}: {rule} (got {value})")
            return None
        return value


def validate_course(course: LoadedCourse) -> list[Problem]:
    """Every rule broken by ``course`` (as read by :func:`elearn.content.loader.read_course`)."""
    problems: list[Problem] = []
    data = course.data
    course_out = Collector(course.course_file.display, problems)
    source_ids: set[str] = set()
    listed: list[str] = []
    if data is not None:
        source_ids, listed = _check_course_file(course, data, FileChecker(course_out))
    unit_ids: dict[str, tuple[str, int]] = {}
    for folder, unit in course.unit_folders.items():
        if data is not None and folder not in listed:
            course_out.add(data.key_line("units", data.line) if "units" in data else data.line,
                           f"units: folder {UNITS_DIR}/{folder}/ is not listed")
        _check_unit(course, unit, source_ids if data is not None else None, unit_ids, problems)
    if data is not None:
        _check_mastery_below_pass_marks(course, data, course_out)
    return problems


def _pass_mark(unit: LoadedUnit) -> float | None:
    quiz = unit.data.get("quiz") if isinstance(unit.data, YMap) else None
    mark = quiz.get("pass_mark") if isinstance(quiz, YMap) else None
    return mark if _is_number(mark) and 0 <= mark <= 1 else None


def _check_mastery_below_pass_marks(course: LoadedCourse, data: YMap, out: Collector) -> None:
    """The course is passed when every unit's quiz is: a mastery score above a unit's pass
    mark would report a passed course below its own mastery score."""
    mastery = data.get("mastery_score")
    if not _is_number(mastery) or not 0 <= mastery <= 1:
        return
    marks = [(mark, unit) for unit in course.unit_folders.values()
             if (mark := _pass_mark(unit)) is not None]
    if not marks:
        return
    lowest, unit = min(marks, key=lambda entry: entry[0])
    if mastery > lowest:
        out.add(data.value_line("mastery_score"),
                f"mastery_score: {mastery} is above the pass mark {lowest} of "
                f"{UNITS_DIR}/{unit.folder}/ (the course is passed when every unit's quiz is: "
                f"use at most {lowest})")


def _check_course_file(course: LoadedCourse, data: YMap,
                       check: FileChecker) -> tuple[set[str], list[str]]:
    check.fields(data, data.line, "", COURSE_FIELDS)
    if "id" in data:
        slug = check.ident(data, "")
        if slug is not None and slug != course.slug:
            check.add(data.value_line("id"),
                      f'id: must be the course folder\'s name "{course.slug}" (got "{slug}")')
    for key in ("title", "description"):
        if key in data:
            check.language_map(data, key, "")
    if "mastery_score" in data:
        check.number_in(data, "mastery_score", "", 0, 1, False, "must be between 0 and 1")
    source_ids: dict[str, int] = {}
    if "sources" in data:
        sources = check.items(data, "sources", "", 0, "sources")
        for index, source in enumerate(sources or []):
            where = _at("sources", index)
            entry = check.fields(source, sources.item_line(index), where, SOURCE_FIELDS)
            if entry is None:
                continue
            check.ident(entry, where, source_ids, "source id")
            if "title" in entry:
                check.text(entry["title"], entry.value_line("title"), _at(where, "title"))
            if "url" in entry:
                url = entry["url"]
                if not isinstance(url, str) or not re.match(r"^https?://[^/\s]+", url):
                    check.add(entry.value_line("url"),
                              f"{_at(where, 'url')}: expected an https:// or http:// address")
    listed: list[str] = []
    if "units" in data:
        units = check.items(data, "units", "", 1, "unit")
        seen: dict[str, int] = {}
        for index, name in enumerate(units or []):
            line = units.item_line(index)
            where = _at("units", index)
            if not isinstance(name, str) or not name.strip():
                check.add(line, f"{where}: expected the name of a folder under {UNITS_DIR}/")
                continue
            if "/" in name or "\\" in name or name.startswith("."):
                check.add(line, f'{where}: "{name}" must be a plain folder name under '
                                f"{UNITS_DIR}/")
                continue
            if name in seen:
                check.add(line, f'{where}: "{name}" is listed twice (first on line {seen[name]})')
                continue
            seen[name] = line
            listed.append(name)
            if name not in course.unit_folders:
                check.add(line, f"{where}: folder {UNITS_DIR}/{name}/ does not exist")
    return set(source_ids), listed


def _check_unit(course: LoadedCourse, unit: LoadedUnit, source_ids: set[str] | None,
                unit_ids: dict[str, tuple[str, int]], problems: list[Problem]) -> None:
    out = Collector(unit.unit_file.display, problems)
    check = FileChecker(out)
    data = unit.data
    if data is not None:
        check.fields(data, data.line, "", UNIT_FIELDS)
        unit_id = check.ident(data, "")
        if unit_id is not None:
            if unit_id in unit_ids:
                other, line = unit_ids[unit_id]
                out.add(data.value_line("id"),
                        f'id: duplicate unit id "{unit_id}" (also in {other}:{line})')
            else:
                unit_ids[unit_id] = (unit.unit_file.display, data.value_line("id"))
        if "title" in data:
            check.language_map(data, "title", "")
        if "estimated_minutes" in data:
            check.number_in(data, "estimated_minutes", "", 0, MAX_MINUTES, True,
                        f"must be 0 to {MAX_MINUTES}")
        if "objectives" in data:
            _check_objectives(check, data)
        if "sources" in data:
            _check_unit_sources(check, data, source_ids)
        if "quiz" in data:
            _check_quiz(check, data, source_ids)
        if "reflections" in data:
            _check_reflections(check, data)
    for language, text_file in unit.content.items():
        if text_file.text is not None:
            check_markdown(text_file.text, text_file.fs_path.parent, course.dir,
                           Collector(text_file.display, problems))
    for extra in unit.extra_content:
        problems.append(Problem(extra.display, 1, "unknown language in the file name "
                                                  "(use content.fi.md, content.sv.md, "
                                                  "content.en.md)"))


def _check_objectives(check: FileChecker, data: YMap) -> None:
    value = data["objectives"]
    line = data.value_line("objectives")
    if not isinstance(value, YMap):
        check.add(line, "objectives: expected a list per language (fi, sv, en)")
        return
    counts: dict[str, int] = {}
    for language in value:
        if language not in LANGUAGES:
            check.add(value.key_line(language),
                      f"objectives.{language}: unknown language (use fi, sv and en)")
    for language in LANGUAGES:
        if language not in value:
            check.add(data.key_line("objectives"), f"objectives.{language}: missing translation")
            continue
        items = check.items(value, language, "objectives", 1, "objective")
        if items is None:
            continue
        counts[language] = len(items)
        for index, text in enumerate(items):
            check.text(text, items.item_line(index), _at(f"objectives.{language}", index))
    if len(set(counts.values())) > 1:
        listing = ", ".join(f"{lang} {count}" for lang, count in counts.items())
        check.add(data.key_line("objectives"),
                  f"objectives: every language needs the same number of objectives ({listing})")


def _check_unit_sources(check: FileChecker, data: YMap, source_ids: set[str] | None) -> None:
    sources = check.items(data, "sources", "", 0, "sources")
    for index, source in enumerate(sources or []):
        line = sources.item_line(index)
        if not isinstance(source, str):
            check.add(line, f"sources[{index}]: expected a source id from {COURSE_FILE}")
        elif source_ids is not None and source not in source_ids:
            check.add(line, f'sources[{index}]: unknown source "{source}" '
                            f"(not in {COURSE_FILE})")


def _check_quiz(check: FileChecker, data: YMap, source_ids: set[str] | None) -> None:
    quiz = check.fields(data["quiz"], data.key_line("quiz"), "quiz", QUIZ_FIELDS)
    if quiz is None:
        return
    if "pass_mark" in quiz:
        check.number_in(quiz, "pass_mark", "quiz", 0, 1, False, "must be between 0 and 1")
    if "max_attempts" in quiz:
        check.number_in(quiz, "max_attempts", "quiz", 0, MAX_ATTEMPTS, True,
                        f"must be 0 (unlimited) to {MAX_ATTEMPTS}")
    bank_size = None
    if "questions" in quiz:
        questions = check.items(quiz, "questions", "quiz", 1, "question")
        if questions is not None:
            bank_size = len(questions)
            seen: dict[str, int] = {}
            for index, question in enumerate(questions):
                _check_question(check, question, questions.item_line(index),
                                _at("quiz.questions", index), seen, source_ids)
    if "draw" in quiz:
        draw = check.number_in(quiz, "draw", "quiz", 1, MAX_DRAW, True,
                               f"must be 1 to {MAX_DRAW}")
        if draw is not None and bank_size is not None and draw > bank_size:
            check.add(quiz.value_line("draw"), f"quiz.draw: draws {draw} questions but the bank "
                                               f"has {bank_size}")


def _check_question(check: FileChecker, question: Any, line: int, where: str,
                    seen: dict[str, int], source_ids: set[str] | None) -> None:
    kind = question.get("type") if isinstance(question, YMap) else None
    spec = dict(QUESTION_COMMON)
    if isinstance(kind, str) and kind in QUESTION_TYPE_FIELDS:
        spec.update(QUESTION_TYPE_FIELDS[kind])
    else:
        for fields in QUESTION_TYPE_FIELDS.values():  # unknown type: do not flag its fields
            spec.update({name: False for name in fields})
    entry = check.fields(question, line, where, spec)
    if entry is None:
        return
    check.ident(entry, where, seen, "question id")
    if "type" in entry and kind not in QUESTION_TYPES:
        check.add(entry.value_line("type"), f"{_at(where, 'type')}: unknown question type "
                                            f"(use {', '.join(QUESTION_TYPES)})")
    if "source" in entry:
        _check_question_source(check, entry, where, source_ids)
    if "points" in entry:
        value = entry["points"]
        if not _is_number(value) or not 0 < value <= MAX_POINTS:
            check.add(entry.value_line("points"), f"{_at(where, 'points')}: expected a number "
                                                  f"above 0, at most {MAX_POINTS}")
    if "prompt" in entry:
        check.language_map(entry, "prompt", where)
    if "feedback" in entry:
        feedback = check.fields(entry["feedback"], entry.key_line("feedback"),
                                _at(where, "feedback"), FEEDBACK_FIELDS)
        if feedback is not None:
            for key in FEEDBACK_FIELDS:
                if key in feedback:
                    check.language_map(feedback, key, _at(where, "feedback"))
    if kind in ("single_choice", "multiple_choice") and "shuffle" in entry \
            and not isinstance(entry["shuffle"], bool):
        check.add(entry.value_line("shuffle"), f"{_at(where, 'shuffle')}: expected true or "
                                               "false")
    if kind in ("single_choice", "multiple_choice") and "choices" in entry:
        _check_choices(check, entry, where, kind)
    elif kind == "true_false" and "answer" in entry:
        if not isinstance(entry["answer"], bool):
            check.add(entry.value_line("answer"), f"{_at(where, 'answer')}: expected true or "
                                                  "false")
    elif kind == "matching" and "pairs" in entry:
        _check_entries(check, entry, "pairs", where, "pairs", PAIR_FIELDS, ("source", "target"))
    elif kind == "ordering" and "items" in entry:
        _check_entries(check, entry, "items", where, "items", ITEM_FIELDS, ("text",))


def _check_question_source(check: FileChecker, entry: YMap, where: str,
                           source_ids: set[str] | None) -> None:
    """``source`` names the ground of the question's answer: one id, or a non-empty list of
    ids, from the course's ``sources`` (unknown ids are not checked while course.yaml itself
    cannot be read)."""
    value = entry["source"]
    here = _at(where, "source")
    line = entry.value_line("source")
    rule = f"expected a source id or a list of source ids from {COURSE_FILE}"
    if isinstance(value, YList):
        if not value:
            check.add(line, f"{here}: empty list ({rule})")
        ids = [(value[index], value.item_line(index), _at(here, index))
               for index in range(len(value))]
    else:
        ids = [(value, line, here)]
    listed: dict[str, int] = {}
    for source, at_line, at in ids:
        if not isinstance(source, str) or not source.strip():
            check.add(at_line, f"{at}: {rule}" if at == here
                      else f"{at}: expected a source id from {COURSE_FILE}")
        elif source in listed:
            check.add(at_line, f'{at}: "{source}" is listed twice')
        elif source_ids is not None and source not in source_ids:
            check.add(at_line, f'{at}: unknown source "{source}" (not in {COURSE_FILE})')
        else:
            listed[source] = at_line


def _check_entries(check: FileChecker, entry: YMap, key: str, where: str, noun: str,
                   spec: dict[str, bool], texts: tuple[str, ...]) -> YList | None:
    values = check.items(entry, key, where, 2, noun)
    seen: dict[str, int] = {}
    for index, value in enumerate(values or []):
        here = _at(_at(where, key), index)
        item = check.fields(value, values.item_line(index), here, spec)
        if item is None:
            continue
        check.ident(item, here, seen, "id")
        for text_key in texts:
            if text_key in item:
                check.language_map(item, text_key, here)
        if "feedback" in spec and "feedback" in item:
            check.language_map(item, "feedback", here)
    return values


def _check_choices(check: FileChecker, entry: YMap, where: str, kind: str) -> None:
    choices = _check_entries(check, entry, "choices", where, "choices", CHOICE_FIELDS, ("text",))
    if choices is None:
        return
    correct = 0
    for index, choice in enumerate(choices):
        if not isinstance(choice, YMap) or "correct" not in choice:
            continue
        if not isinstance(choice["correct"], bool):
            check.add(choice.value_line("correct"),
                      f"{_at(_at(_at(where, 'choices'), index), 'correct')}: expected true or "
                      "false")
        elif choice["correct"]:
            correct += 1
    here = _at(where, "choices")
    line = entry.key_line("choices")
    if kind == "single_choice" and correct != 1:
        check.add(line, f"{here}: single_choice needs exactly one choice with correct: true "
                        f"(found {correct})")
    if kind == "multiple_choice" and correct < 1:
        check.add(line, f"{here}: multiple_choice needs at least one choice with correct: true")


def _check_reflections(check: FileChecker, data: YMap) -> None:
    reflections = check.items(data, "reflections", "", 0, "reflections")
    seen: dict[str, int] = {}
    for index, value in enumerate(reflections or []):
        where = _at("reflections", index)
        entry = check.fields(value, reflections.item_line(index), where, REFLECTION_FIELDS)
        if entry is None:
            continue
        check.ident(entry, where, seen, "reflection id")
        if "prompt" in entry:
            check.language_map(entry, "prompt", where)
        if "min_length" in entry:
            check.number_in(entry, "min_length", where, 0, MAX_MIN_LENGTH, True,
                            f"must be 0 to {MAX_MIN_LENGTH}")
