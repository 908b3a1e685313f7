"""The real learning services publish events and the outbox turns them into exactly the
expected statements, valid for Ralph, that a later backfill does not duplicate."""
from __future__ import annotations

import json
import re

import pytest

from elearn.models import Enrolment, Role
from elearn.services import learning
from elearn.xapi.backfill import run_backfill
from elearn.xapi.vocabulary import PROGRESS_EXTENSION
from tests.factories import correct_response, make_course_version
from tests.xapi.records import wrong_response
from tests.xapi.support import ralph_errors, stored_statements, summary

QUESTIONS = ["q1-single-choice", "q2-multiple-choice", "q3-true-false", "q4-matching",
             "q5-ordering"]


@pytest.fixture
def app_overrides():
    return {"LRS_DESTINATIONS": [{"name": "eoppiva", "endpoint": "https://lrs.example.fi/xAPI/",
                                  "username": "u", "password": "p"}]}


def answer_all(session, enrolment, unit, *, correct: bool):
    attempt = learning.current_attempt(session, enrolment, unit)
    answers = {q.question_key: (correct_response(q.data) if correct else wrong_response(q.data))
               for q in unit.questions}
    return learning.submit_attempt(session, enrolment, unit, attempt.id, answers)


def test_learner_completing_a_course_produces_exactly_these_statements(app, make_user):
    user = make_user(Role.LEARNER, username="liisa", email="liisa@virasto.example.fi",
                     display_name="Liisa Laine")
    scope = app.extensions["elearn.db"].session_scope
    with app.app_context():
        with scope() as session:
            make_course_version(session, units=2, min_length=10)
        # each step is its own transaction, as each is its own request
        steps = []
        with scope() as session:
            learner = session.merge(user)
            steps.append(learning.enrol(session, learner, "testikurssi").id)
        def step(action):
            with scope() as session:
                enrolment = session.get(Enrolment, steps[0])
                action(session, enrolment)
        step(lambda s, e: learning.open_unit(s, e, "unit-1"))
        step(lambda s, e: answer_all(s, e, learning.unit_of(s, e, "unit-1"), correct=False))
        step(lambda s, e: answer_all(s, e, learning.unit_of(s, e, "unit-1"), correct=True))
        step(lambda s, e: learning.save_reflection(s, e, learning.unit_of(s, e, "unit-1"), "r1",
                                                   "Luottamus syntyy teoista."))
        step(lambda s, e: learning.save_reflection(s, e, learning.unit_of(s, e, "unit-1"), "r1",
                                                   "Luottamus syntyy teoista, ei puheista."))
        step(lambda s, e: learning.open_unit(s, e, "unit-1"))   # a second open: no statement
        step(lambda s, e: learning.open_unit(s, e, "unit-2"))
        step(lambda s, e: learning.save_reflection(s, e, learning.unit_of(s, e, "unit-2"), "r1",
                                                   "Verkostossa kuunnellaan."))
        step(lambda s, e: answer_all(s, e, learning.unit_of(s, e, "unit-2"), correct=True))
        with scope() as session:
            statements = stored_statements(session)

    def quiz(unit, verb):
        return ([("answered", f"question/unit-{unit}/quiz/{q}") for q in QUESTIONS]
                + [(verb, f"quiz/unit-{unit}/quiz")])
    expected = ([("registered", "course/testikurssi"), ("experienced", "unit/unit-1")]
                + quiz(1, "failed") + quiz(1, "passed")
                + [("answered", "reflection/unit-1/reflection/r1"),
                   ("completed", "unit/unit-1"), ("progressed", "course/testikurssi"),
                   ("answered", "reflection/unit-1/reflection/r1"),
                   ("experienced", "unit/unit-2"),
                   ("answered", "reflection/unit-2/reflection/r1")]
                + quiz(2, "passed")
                + [("completed", "unit/unit-2"), ("progressed", "course/testikurssi"),
                   ("completed", "course/testikurssi"), ("passed", "course/testikurssi")])
    assert [summary(s) for s in statements] == expected
    assert len({s["id"] for s in statements}) == len(statements)
    assert [s["result"]["extensions"][PROGRESS_EXTENSION] for s in statements
            if summary(s)[0] == "progressed"] == [50, 100]
    quiz_results = [(summary(s)[0], s["result"]["score"]) for s in statements
                    if "/quiz/" in s["object"]["id"] and "/question/" not in s["object"]["id"]]
    # the wrong matching still has one pair right: partial credit of 1/3 point
    # (sent to four decimal places)
    assert quiz_results == [
        ("failed", {"scaled": 0.0667, "raw": 0.3333, "min": 0.0, "max": 5.0}),
        ("passed", {"scaled": 1.0, "raw": 5.0, "min": 0.0, "max": 5.0}),
        ("passed", {"scaled": 1.0, "raw": 5.0, "min": 0.0, "max": 5.0})]
    # attempts are numbered per quiz, and carry the time from the quiz view to submission
    attempt_ext = "http://127.0.0.1:5000/xapi/profile/extensions/attempt"
    assert [(summary(s)[0], s["context"]["extensions"][attempt_ext]) for s in statements
            if "/quiz/" in s["object"]["id"] and "/question/" not in s["object"]["id"]] == [
        ("failed", 1), ("passed", 2), ("passed", 1)]
    timed = [s for s in statements if "duration" in (s.get("result") or {})]
    assert [summary(s) for s in timed] == [
        ("failed", "quiz/unit-1/quiz"), ("passed", "quiz/unit-1/quiz"),
        ("completed", "unit/unit-1"), ("passed", "quiz/unit-2/quiz"),
        ("completed", "unit/unit-2")]
    for payload in timed:
        assert re.fullmatch(r"PT(\d+H)?(\d+M)?\d+(\.\d\d?)?S", payload["result"]["duration"])
    # the edited reflection is a second statement; its text is not sent by default
    edits = [s for s in statements if s["object"]["id"].endswith("unit-1/reflection/r1")]
    assert len(edits) == 2 and edits[0]["timestamp"] < edits[1]["timestamp"]
    assert all(s["result"] == {"completion": True} for s in edits)
    text = json.dumps(statements, ensure_ascii=False)
    for personal in ("liisa", "Liisa Laine", "virasto.example.fi", "Luottamus"):
        assert personal not in text
    registrations = {s["context"]["registration"] for s in statements}
    assert len(registrations) == 1
    assert ralph_errors(statements) == [[]] * len(statements)

    # a backfill of the same records finds every statement already stored
    with app.app_context():
        totals = run_backfill(scope)
    assert (totals.built, totals.added) == (len(statements) - 1, 0)
