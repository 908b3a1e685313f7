"""Authoring rules that a valid course file can still break: a quiz bank too small for a new
draw, a question grounded in a source its unit does not list, a unit that does not link its
sources, giveaway words, answer keys that sit in the same place, true/false answers that are
nearly always the same, "incorrect" feedback that simply repeats the key.

The validator checks the course format; these checks look at how the questions are written,
so that a learner cannot pass by pattern (docs/authoring.md, "Rules for trainers"). Each
function takes parsed unit data (plain dicts and lists, as YAML gives them) and returns
readable problems, empty when the rule holds.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from markdown_it import MarkdownIt

LANGUAGES = ("fi", "sv", "en")
BANK_FACTOR = 1.5
# Words that tell a test-wise reader a statement is false (or a choice is wrong) without
# knowing the subject: absolutes in Finnish, Swedish and English.
GIVEAWAY_WORDS = {
    "fi": ("aina", "heti", "koskaan", "vain", "ainoastaan"),
    "sv": ("alltid", "aldrig", "bara", "endast", "genast"),
    "en": ("always", "never", "only"),
}
CHOICE_TYPES = ("single_choice", "multiple_choice")
MIN_SINGLE_CHOICE = 6      # below this a course has too few keys to judge their positions
MIN_MULTIPLE_CHOICE = 4
MIN_TRUE_FALSE = 4
TRUE_SHARE = (0.3, 0.7)    # "about half true"
MIN_KEY_WORDS = 3          # shorter keys ("Koordinointia") may recur in feedback naturally

_WORD = re.compile(r"\w+", re.UNICODE)


def _words(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def _sources(question: Mapping[str, Any]) -> list[str]:
    source = question.get("source")
    if isinstance(source, str):
        return [source]
    return [item for item in source or [] if isinstance(item, str)]


def questions_of(unit: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    quiz = unit.get("quiz") or {}
    return [question for question in quiz.get("questions") or [] if isinstance(question, Mapping)]


def bank_problems(unit_id: str, unit: Mapping[str, Any]) -> list[str]:
    """A quiz that draws questions keeps at least 1.5 × the draw in its bank, so that a retry
    is not a memory test."""
    quiz = unit.get("quiz") or {}
    draw, bank = quiz.get("draw"), len(questions_of(unit))
    if isinstance(draw, int) and bank < BANK_FACTOR * draw:
        return [f"{unit_id}: a bank of {bank} questions is too small for a draw of {draw} "
                f"(needs at least {BANK_FACTOR} × {draw})"]
    return []


def grounding_problems(unit_id: str, unit: Mapping[str, Any]) -> list[str]:
    """Every question's ``source`` is among the sources its unit lists (and links)."""
    listed = set(unit.get("sources") or [])
    return [f"{unit_id}/{question.get('id')}: source {source!r} is not in the unit's sources"
            for question in questions_of(unit) for source in _sources(question)
            if source not in listed]


def link_targets(markdown: str) -> set[str]:
    """The addresses of the links in a Markdown text."""
    targets: set[str] = set()
    for token in MarkdownIt("commonmark").parse(markdown):
        for child in token.children or []:
            if child.type == "link_open":
                targets.add(str(child.attrGet("href") or ""))
    return targets


def _normal_url(url: str) -> str:
    return url.rstrip("/").lower()


def _stem(source_id: str) -> str:
    """Language versions of one page share a stem: ``sitra-x``, ``sitra-x-fi``, ``sitra-x-sv``."""
    return re.sub(r"-(fi|sv|en)$", "", source_id)


def link_problems(unit_id: str, unit: Mapping[str, Any], source_urls: Mapping[str, str],
                  content: Mapping[str, str]) -> list[str]:
    """Each language's text links every source the unit lists that has an address; of the
    language versions of one page (ids that differ only by a ``-fi``/``-sv``/``-en`` ending)
    one is enough, so a Swedish text can link the Swedish page."""
    problems = []
    listed = [source for source in unit.get("sources") or [] if source_urls.get(source)]
    for language, markdown in content.items():
        linked = {_normal_url(target) for target in link_targets(markdown)}
        stems_linked = {_stem(source) for source in listed
                        if _normal_url(source_urls[source]) in linked}
        for source in listed:
            if _stem(source) not in stems_linked:
                problems.append(f"{unit_id} ({language}): source {source!r} "
                                f"({source_urls[source]}) is not linked")
    return problems


def _texts(value: Any) -> Iterable[tuple[str, str]]:
    if isinstance(value, Mapping):
        for language in LANGUAGES:
            if isinstance(value.get(language), str):
                yield language, value[language]


def giveaway_problems(unit_id: str, unit: Mapping[str, Any]) -> list[str]:
    """No absolute such as "aina", "never" or "bara" in a prompt, a statement or a choice of
    a single-choice, multiple-choice or true/false question."""
    problems = []
    for question in questions_of(unit):
        if question.get("type") not in (*CHOICE_TYPES, "true_false"):
            continue
        texts = list(_texts(question.get("prompt")))
        for choice in question.get("choices") or []:
            texts.extend(_texts(choice.get("text")))
        for language, text in texts:
            found = sorted(set(_words(text)) & set(GIVEAWAY_WORDS[language]))
            if found:
                problems.append(f"{unit_id}/{question.get('id')} ({language}): giveaway word "
                                f"{', '.join(found)} in {text!r}")
    return problems


def revealing_feedback_problems(unit_id: str, unit: Mapping[str, Any]) -> list[str]:
    """The "incorrect" feedback of a single-choice question explains; it does not simply
    repeat the correct choice's text."""
    problems = []
    for question in questions_of(unit):
        if question.get("type") != "single_choice":
            continue
        keys = [choice for choice in question.get("choices") or [] if choice.get("correct")]
        incorrect = dict(_texts((question.get("feedback") or {}).get("incorrect")))
        for key in keys:
            for language, text in _texts(key.get("text")):
                key_words = _words(text)
                said = " ".join(_words(incorrect.get(language, "")))
                if len(key_words) >= MIN_KEY_WORDS and " ".join(key_words) in said:
                    problems.append(f"{unit_id}/{question.get('id')} ({language}): the "
                                    "incorrect feedback repeats the correct choice")
    return problems


# The quiz page tells how to answer each kind of choice question ("Valitse kaikki sopivat
# vastaukset."); a prompt that ends with its own instruction says it twice.
CHOICE_INSTRUCTION = {"fi": ("valitse",), "sv": ("välj",), "en": ("choose", "select")}
_LAST_SENTENCE = re.compile(r"(?:^|[.?!:]\s+)([^.?!:]+)[.?!]?\s*$")


def instruction_problems(unit_id: str, unit: Mapping[str, Any]) -> list[str]:
    """A choice question's prompt does not end with an instruction to choose: the page
    adds the instruction for its type under every prompt."""
    problems = []
    for question in questions_of(unit):
        if question.get("type") not in CHOICE_TYPES:
            continue
        for language, text in _texts(question.get("prompt")):
            match = _LAST_SENTENCE.search(text.strip())
            last = match.group(1).strip().lower() if match else ""
            if last.startswith(CHOICE_INSTRUCTION.get(language, ())):
                problems.append(f"{unit_id}/{question.get('id')} ({language}): the prompt "
                                f"ends with an instruction the page already gives: {last!r}")
    return problems


def true_false_problems(units: Iterable[Mapping[str, Any]]) -> list[str]:
    """True/false answers are mixed across a course: about half of them are true."""
    answers = [question.get("answer") for unit in units for question in questions_of(unit)
               if question.get("type") == "true_false"]
    if len(answers) < MIN_TRUE_FALSE:
        return []
    share = sum(1 for answer in answers if answer is True) / len(answers)
    low, high = TRUE_SHARE
    if not low <= share <= high:
        return [f"{share:.0%} of {len(answers)} true/false answers are true "
                f"(keep it between {low:.0%} and {high:.0%})"]
    return []


def key_position_problems(units: Iterable[Mapping[str, Any]]) -> list[str]:
    """In the author's order, single-choice keys are spread over the positions (no position
    holds more than half of them) and the correct choices of a multiple-choice question are
    not the first ones in most questions. Choices are shuffled for learners anyway; this keeps
    the order that trainers, previews and ``shuffle: false`` questions show honest too."""
    problems = []
    positions: Counter[int] = Counter()
    prefixed = multiple = 0
    for unit in units:
        for question in questions_of(unit):
            flags = [bool(choice.get("correct")) for choice in question.get("choices") or []]
            if question.get("type") == "single_choice" and True in flags:
                positions[flags.index(True)] += 1
            elif question.get("type") == "multiple_choice" and True in flags:
                multiple += 1
                count = sum(flags)
                prefixed += flags[:count] == [True] * count
    single = sum(positions.values())
    if single >= MIN_SINGLE_CHOICE:
        position, count = positions.most_common(1)[0]
        if count > single / 2:
            problems.append(f"{count} of {single} single-choice keys are choice "
                            f"{position + 1} in the author's order")
    if multiple >= MIN_MULTIPLE_CHOICE and prefixed > multiple / 2:
        problems.append(f"{prefixed} of {multiple} multiple-choice questions list their "
                        "correct choices first")
    return problems
