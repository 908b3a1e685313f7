"""Scoring of quiz answers: pure functions over a question's course-file data.

Kept apart from the database so every question type's rules can be read (and tested) in one
place.  A response is first *checked* (shape, known ids, completeness) and normalised; only a
well-formed response is scored, so a malformed answer can never silently score zero and use
up an attempt.

Response shapes (what clients send for each ``type``):

=================  ==============================================  ========================
type               response                                        scoring
=================  ==============================================  ========================
single_choice      choice id (``"a"``)                             all or nothing
multiple_choice    list of choice ids (``["a", "c"]``)             all or nothing
true_false         ``true`` or ``false`` (JSON booleans only)      all or nothing
matching           ``{source pair id: target pair id}``, every     points × share of pairs
                   source once                                     matched
ordering           list of every item id, in the chosen order      all or nothing
=================  ==============================================  ========================
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

QUESTION_TYPES = ("single_choice", "multiple_choice", "true_false", "matching", "ordering")


class InvalidResponse(ValueError):
    """The response does not fit the question; the message is shown to the learner."""


@dataclass(frozen=True)
class Score:
    """The outcome of one answer: ``correct`` only when fully right; ``points`` earned."""

    correct: bool
    points: float


def _ids(entries: list[dict[str, Any]]) -> list[str]:
    return [str(entry["id"]) for entry in entries]


def _is_id(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def check_response(data: dict[str, Any], response: Any) -> Any:
    """Validate ``response`` against the question ``data`` and return it normalised
    (choice lists sorted, ids as strings).  Raises :class:`InvalidResponse` naming the
    problem: wrong type, unknown id, duplicate or too many choices, incomplete matching or
    ordering."""
    kind = data["type"]
    if kind == "single_choice":
        if not _is_id(response):
            raise InvalidResponse("Choose one option (send its id as a string).")
        if response not in _ids(data["choices"]):
            raise InvalidResponse(f"Unknown choice {response!r}.")
        return response
    if kind == "multiple_choice":
        if not isinstance(response, list) or not all(_is_id(v) for v in response):
            raise InvalidResponse("Send the chosen options as a list of choice ids.")
        known = _ids(data["choices"])
        if len(response) > len(known):
            raise InvalidResponse("More choices than the question has.")
        if len(set(response)) != len(response):
            raise InvalidResponse("A choice is given more than once.")
        unknown = [v for v in response if v not in known]
        if unknown:
            raise InvalidResponse(f"Unknown choice {unknown[0]!r}.")
        if not response:
            raise InvalidResponse("Choose at least one option.")
        return sorted(response, key=known.index)
    if kind == "true_false":
        if not isinstance(response, bool):
            raise InvalidResponse("Answer true or false.")
        return response
    if kind == "matching":
        pair_ids = _ids(data["pairs"])
        if not isinstance(response, dict) or not all(
                _is_id(k) and _is_id(v) for k, v in response.items()):
            raise InvalidResponse("Send the matches as an object {source id: target id}.")
        unknown = [k for k in list(response) + list(response.values()) if k not in pair_ids]
        if unknown:
            raise InvalidResponse(f"Unknown pair {unknown[0]!r}.")
        missing = [p for p in pair_ids if p not in response]
        if missing:
            raise InvalidResponse("Match every item (missing: " + ", ".join(missing) + ").")
        return {p: response[p] for p in pair_ids}
    if kind == "ordering":
        item_ids = _ids(data["items"])
        if not isinstance(response, list) or not all(_is_id(v) for v in response):
            raise InvalidResponse("Send the items as a list of item ids in your order.")
        if len(set(response)) != len(response):
            raise InvalidResponse("An item is given more than once.")
        unknown = [v for v in response if v not in item_ids]
        if unknown:
            raise InvalidResponse(f"Unknown item {unknown[0]!r}.")
        if len(response) != len(item_ids):
            raise InvalidResponse("Put every item in order.")
        return list(response)
    raise InvalidResponse(f"Unsupported question type {kind!r}.")


def score_response(data: dict[str, Any], points: float, response: Any) -> Score:
    """Score an already checked (see :func:`check_response`) ``response``; ``points`` is the
    question's weight."""
    kind = data["type"]
    if kind == "single_choice":
        correct = response in correct_choice_ids(data)
    elif kind == "multiple_choice":
        correct = set(response) == set(correct_choice_ids(data))
    elif kind == "true_false":
        correct = response is bool(data["answer"])
    elif kind == "matching":
        pair_ids = _ids(data["pairs"])
        matched = sum(1 for p in pair_ids if response.get(p) == p)
        share = matched / len(pair_ids) if pair_ids else 0.0
        return Score(correct=matched == len(pair_ids), points=points * share)
    elif kind == "ordering":
        correct = list(response) == _ids(data["items"])
    else:
        raise InvalidResponse(f"Unsupported question type {kind!r}.")
    return Score(correct=correct, points=points if correct else 0.0)


def correct_choice_ids(data: dict[str, Any]) -> list[str]:
    """Ids of the choices marked correct (choice questions)."""
    return [str(c["id"]) for c in data.get("choices", []) if c.get("correct")]


def correct_response(data: dict[str, Any]) -> Any:
    """The fully correct response in the same shape learners send (used for feedback and
    xAPI ``correctResponsesPattern``)."""
    kind = data["type"]
    if kind == "single_choice":
        return correct_choice_ids(data)[0]
    if kind == "multiple_choice":
        return correct_choice_ids(data)
    if kind == "true_false":
        return bool(data["answer"])
    if kind == "matching":
        return {p: p for p in _ids(data["pairs"])}
    if kind == "ordering":
        return _ids(data["items"])
    raise InvalidResponse(f"Unsupported question type {kind!r}.")
