"""Scoring of every question type (pure functions, no database): right, wrong, partial
matching, and every malformed response refused with a message."""
from __future__ import annotations

import pytest

from elearn.services.scoring import (InvalidResponse, Score, check_response,
                                     correct_response, score_response)
from tests.factories import question_data


def score(kind: str, response, points: float = 1.0) -> Score:
    data = question_data(kind, "q")
    return score_response(data, points, check_response(data, response))


@pytest.mark.parametrize("kind", ["single_choice", "multiple_choice", "true_false",
                                  "matching", "ordering"])
def test_correct_response_scores_full_points(kind):
    data = question_data(kind, "q")
    assert score(kind, correct_response(data), points=2.0) == Score(correct=True, points=2.0)


def test_single_choice_wrong_choice_scores_zero():
    assert score("single_choice", "b") == Score(correct=False, points=0.0)


def test_multiple_choice_is_all_or_nothing():
    assert score("multiple_choice", ["a"]) == Score(False, 0.0)  # one right missing
    assert score("multiple_choice", ["a", "c", "b"]) == Score(False, 0.0)  # one wrong extra
    assert score("multiple_choice", ["c", "a"]) == Score(True, 1.0)  # order does not matter


def test_multiple_choice_response_is_normalised_to_authored_order():
    assert check_response(question_data("multiple_choice", "q"), ["c", "a"]) == ["a", "c"]


def test_true_false():
    assert score("true_false", True) == Score(True, 1.0)
    assert score("true_false", False) == Score(False, 0.0)


def test_matching_scores_share_of_pairs_matched():
    partial = score("matching", {"p1": "p1", "p2": "p3", "p3": "p2"}, points=3.0)
    assert partial == Score(correct=False, points=1.0)
    none = score("matching", {"p1": "p2", "p2": "p3", "p3": "p1"})
    assert none == Score(correct=False, points=0.0)
    two_of_three = score("matching", {"p1": "p1", "p2": "p2", "p3": "p1"})
    assert two_of_three.correct is False
    assert two_of_three.points == pytest.approx(2 / 3)


def test_ordering_is_all_or_nothing():
    assert score("ordering", ["first", "second", "third"]) == Score(True, 1.0)
    assert score("ordering", ["second", "first", "third"]) == Score(False, 0.0)


@pytest.mark.parametrize("kind, response, message", [
    ("single_choice", ["a"], "Choose one option"),
    ("single_choice", "z", "Unknown choice 'z'"),
    ("single_choice", 1, "Choose one option"),
    ("multiple_choice", "a", "list of choice ids"),
    ("multiple_choice", ["a", "a"], "more than once"),
    ("multiple_choice", ["a", "b", "c", "d", "a"], "More choices than the question has"),
    ("multiple_choice", ["a", "x"], "Unknown choice 'x'"),
    ("multiple_choice", [], "at least one"),
    ("true_false", "true", "true or false"),
    ("true_false", 1, "true or false"),
    ("matching", ["p1"], "object"),
    ("matching", {"p1": "p1", "p2": "p2"}, "missing: p3"),
    ("matching", {"p1": "p1", "p2": "p2", "p3": "p9"}, "Unknown pair 'p9'"),
    ("matching", {"p1": "p1", "p2": "p2", "p3": "p3", "p4": "p1"}, "Unknown pair 'p4'"),
    ("matching", {"p1": 1, "p2": "p2", "p3": "p3"}, "object"),
    ("ordering", ["first", "second"], "every item"),
    ("ordering", ["first", "first", "third"], "more than once"),
    ("ordering", ["first", "second", "fourth"], "Unknown item 'fourth'"),
    ("ordering", "first", "list of item ids"),
])
def test_malformed_responses_are_refused(kind, response, message):
    with pytest.raises(InvalidResponse, match=message):
        check_response(question_data(kind, "q"), response)


def test_unknown_question_type_is_refused():
    with pytest.raises(InvalidResponse, match="Unsupported"):
        check_response({"type": "essay"}, "text")
