"""Reading the no-JavaScript quiz form back into the learning service's response shapes."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from elearn.web.learner.quiz_form import parse_answers

QUESTIONS = [
    {"key": "one", "type": "single_choice", "choices": [{"id": "a"}, {"id": "b"}]},
    {"key": "many", "type": "multiple_choice", "choices": [{"id": "a"}, {"id": "b"}]},
    {"key": "tf", "type": "true_false"},
    {"key": "match", "type": "matching", "sources": [{"id": "p1"}, {"id": "p2"}],
     "targets": [{"id": "p2"}, {"id": "p1"}]},
    {"key": "order", "type": "ordering", "items": [{"id": "y"}, {"id": "x"}, {"id": "z"}]},
]


def test_every_type_is_read_into_its_response_shape(app):
    form = MultiDict([("q-one", "b"), ("q-many", "a"), ("q-many", "b"), ("q-tf", "false"),
                      ("q-match-p1", "p1"), ("q-match-p2", "p1"),
                      ("q-order-x", "1"), ("q-order-y", "3"), ("q-order-z", "2")])
    with app.test_request_context(headers={"Accept-Language": "en"}):
        answers, errors = parse_answers(form, QUESTIONS)
    assert errors == {}
    assert answers == {"one": "b", "many": ["a", "b"], "tf": False,
                       "match": {"p1": "p1", "p2": "p1"}, "order": ["x", "z", "y"]}


def test_blank_questions_are_left_out_for_the_service_to_report(app):
    form = MultiDict([("q-match-p1", "p2"), ("q-match-p2", "")])
    with app.test_request_context(headers={"Accept-Language": "en"}):
        answers, errors = parse_answers(form, QUESTIONS)
    assert answers == {"match": {"p1": "p2"}}  # partial: the service names it incomplete
    assert errors == {}


def test_repeated_or_missing_positions_are_a_form_error(app):
    for positions in (("1", "1", "2"), ("1", "2", ""), ("1", "2", "9"), ("1", "2", "x")):
        form = MultiDict(zip(("q-order-x", "q-order-y", "q-order-z"), positions))
        with app.test_request_context(headers={"Accept-Language": "en"}):
            answers, errors = parse_answers(form, QUESTIONS)
        assert "order" not in answers
        assert errors == {"order": ["Give each item a different position from 1 to 3."]}, \
            positions
