"""Quiz analytics against hand-computed figures, and small-group suppression at 4 vs 5.

Cohort (one unit, one question of every type), six learners L1..L6:

attempt 1      single  matching        ordering   multiple  true_false  quiz passed
L1             b  ✗    p2/p3 swapped ✗ wrong ✗    [a] ✗     true ✓      no
L2             b  ✗    swapped ✗       wrong ✗    [a,c] ✓   true ✓      no
L3             b  ✗    swapped ✗       right ✓    [a,c] ✓   true ✓      no
L4             c  ✗    right ✓         right ✓    [a,c] ✓   true ✓      no
L5             c  ✗    right ✓         right ✓    [a,c] ✓   true ✓      no
L6             a  ✓    right ✓         right ✓    [a,c] ✓   true ✓      yes
attempt 2 (L1..L5): every answer right, quiz passed.

So single choice: 11 answers, 1/6 right first time, chosen a=6, b=3, c=2; most common wrong
answer b (3 answers from 5 learners who were wrong: shown).  Matching: every pair p1 right in
11 answers, p2 and p3 in 8; only 3 learners were ever wrong, so its most common wrong answer
is withheld.  Ordering: 9 right, 2 wrong.  Quiz: pass rate 6/6, mean attempts to pass 11/6.
"""
from __future__ import annotations

import pytest

from elearn.models import AttemptAnswer, Enrolment, QuizAttempt, Role, User
from elearn.db import utcnow
from tests.factories import correct_response, make_course_version

SWAPPED = {"p1": "p1", "p2": "p3", "p3": "p2"}
WRONG_ORDER = ["second", "first", "third"]


def _learner(session, n: int, version) -> Enrolment:
    user = User(username=f"l{n}", display_name=f"Learner {n}", role=Role.LEARNER,
                password_hash="x")
    enrolment = Enrolment(user=user, version=version)
    session.add(enrolment)
    session.flush()
    return enrolment


def _attempt(session, enrolment, unit, number, responses: dict[str, object], passed: bool):
    attempt = QuizAttempt(enrolment=enrolment, unit=unit, number=number,
                          question_ids=[q.id for q in unit.questions], submitted_at=utcnow(),
                          passed=passed)
    session.add(attempt)
    for question in unit.questions:
        response = responses.get(question.type, correct_response(question.data))
        right = response == correct_response(question.data) or (
            question.type == "multiple_choice" and sorted(response) == ["a", "c"])
        session.add(AttemptAnswer(attempt=attempt, question=question, response=response,
                                  correct=right, points=1.0 if right else 0.0))
    session.flush()


@pytest.fixture
def cohort(app, db_session):
    version = make_course_version(db_session, slug="analytiikka", units=1)
    unit = version.units[0]
    first = [
        {"single_choice": "b", "matching": SWAPPED, "ordering": WRONG_ORDER, "multiple_choice": ["a"]},
        {"single_choice": "b", "matching": SWAPPED, "ordering": WRONG_ORDER},
        {"single_choice": "b", "matching": SWAPPED},
        {"single_choice": "c"},
        {"single_choice": "c"},
        {},
    ]
    for n, responses in enumerate(first, start=1):
        enrolment = _learner(db_session, n, version)
        _attempt(db_session, enrolment, unit, 1, responses, passed=not responses)
        if responses:
            _attempt(db_session, enrolment, unit, 2, {}, passed=True)
    db_session.commit()
    return version


def _questions(data):
    return {q["type"]: q for q in data["quizzes"][0]["questions"]}


@pytest.mark.parametrize("role", ["learner", "hr"])
def test_only_trainers_and_admins(client_as, cohort, role):
    client = client_as(role)
    for url in ("/trainer/analytics", "/trainer/analytics/analytiikka/1",
                "/trainer/analytics/analytiikka/1.csv", "/api/analytics/courses/analytiikka/versions/1"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"Right choice" not in response.data


def test_api_figures_match_the_cohort(client_as, cohort):
    data = client_as("trainer").get("/api/analytics/courses/analytiikka/versions/1").get_json()
    quiz = data["quizzes"][0]
    assert quiz["pass_rate"] == 1.0
    assert quiz["mean_attempts_to_pass"] == pytest.approx(11 / 6)
    assert quiz["suppressed"] == []
    q = _questions(data)
    single = q["single_choice"]
    assert single["attempts"] == 11
    assert single["first_attempt_correct_share"] == pytest.approx(1 / 6)
    assert [(e["key"], e["count"]) for e in single["distribution"]] == [("a", 6), ("b", 3), ("c", 2)]
    assert single["most_common_wrong_response"] == "b"
    assert single["most_common_wrong"]["en"] == "Wrong choice"
    assert single["most_common_wrong_count"] == 3
    matching = q["matching"]
    assert matching["first_attempt_correct_share"] == 0.5
    assert matching["distribution_kind"] == "pairs_correct"
    assert [(e["key"], e["count"]) for e in matching["distribution"]] == [("p1", 11), ("p2", 8), ("p3", 8)]
    assert matching["most_common_wrong"] is None and matching["suppressed"] == ["most_common_wrong"]
    ordering = q["ordering"]
    assert [(e["key"], e["count"]) for e in ordering["distribution"]] == [("correct", 9), ("incorrect", 2)]
    assert ordering["first_attempt_correct_share"] == pytest.approx(4 / 6)
    multiple = q["multiple_choice"]
    assert [(e["key"], e["count"]) for e in multiple["distribution"]] == [("a", 11), ("b", 0), ("c", 10), ("d", 0)]
    assert [(e["key"], e["count"]) for e in q["true_false"]["distribution"]] == [("true", 11), ("false", 0)]
    assert q["true_false"]["first_attempt_correct_share"] == 1.0


def test_page_and_csv_show_the_same_figures(client_as, cohort):
    client = client_as("admin")
    html = client.get("/trainer/analytics/analytiikka/1").get_data(as_text=True)
    assert "<caption" in html and 'scope="col"' in html
    assert "Wrong choice (3)" in html
    # the most common wrong answer of every question but single choice is withheld: fewer
    # than 5 learners were ever wrong at them
    assert html.count('<span class="suppressed">fewer than 5 learners</span>') == 4
    raw = client.get("/trainer/analytics/analytiikka/1.csv?lang=en").data
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("unit,question,type,attempts,first_attempt_correct_share")
    single = next(line for line in lines if ",single_choice," in line)
    assert single.startswith("unit-1,q1-single-choice,single_choice,11,0.167,")
    assert single.endswith(",Wrong choice,3,1.000,1.83")
    matching = next(line for line in lines if ",matching," in line)
    assert ",fewer than 5 learners,fewer than 5 learners," in matching
    index = client.get("/trainer/analytics").get_data(as_text=True)
    assert 'href="/trainer/analytics/analytiikka/1"' in index


def test_unknown_version_is_404(client_as, cohort):
    client = client_as("trainer")
    assert client.get("/trainer/analytics/analytiikka/9").status_code == 404
    response = client.get("/api/analytics/courses/nothing/versions/1")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("learners, shown", [(4, False), (5, True)])
def test_small_groups_are_hidden_everywhere(app, client_as, db_session, learners, shown):
    version = make_course_version(db_session, slug="pieni", units=1,
                                  question_types=("single_choice",))
    unit = version.units[0]
    for n in range(learners):
        enrolment = _learner(db_session, n, version)
        _attempt(db_session, enrolment, unit, 1, {"single_choice": "b"}, passed=False)
        _attempt(db_session, enrolment, unit, 2, {}, passed=True)
    db_session.commit()
    client = client_as("trainer")
    data = client.get("/api/analytics/courses/pieni/versions/1").get_json()
    quiz = data["quizzes"][0]
    question = quiz["questions"][0]
    html = client.get("/trainer/analytics/pieni/1").get_data(as_text=True)
    csv_text = client.get("/trainer/analytics/pieni/1.csv").data.decode("utf-8-sig")
    if shown:
        assert quiz["pass_rate"] == 1.0 and quiz["mean_attempts_to_pass"] == 2.0
        assert question["attempts"] == 10 and question["first_attempt_correct_share"] == 0.0
        assert question["most_common_wrong_count"] == 5
        assert question["suppressed"] == [] and quiz["suppressed"] == []
        assert 'class="suppressed"' not in html and "fewer than 5 learners" not in csv_text
    else:
        assert quiz["pass_rate"] is None and quiz["mean_attempts_to_pass"] is None
        assert set(quiz["suppressed"]) == {"pass_rate", "mean_attempts_to_pass"}
        assert question["attempts"] is None and question["distribution"] is None
        assert question["first_attempt_correct_share"] is None
        assert question["most_common_wrong"] is None
        assert set(question["suppressed"]) == {"attempts", "first_attempt_correct_share",
                                               "distribution", "most_common_wrong"}
        assert html.count('<span class="suppressed">fewer than 5 learners</span>') == 6
        assert "Wrong choice" not in html and "Wrong choice" not in csv_text
        row = csv_text.splitlines()[1].split(",")
        assert row[3:] == ["fewer than 5 learners"] * 7


def test_openapi_documents_analytics(client_as):
    spec = client_as("trainer").get("/api/openapi.json").get_json()
    path = spec["paths"]["/api/analytics/courses/{slug}/versions/{number}"]["get"]
    assert "200" in path["responses"]
    schemas = spec["components"]["schemas"]
    assert "suppressed" in schemas["QuestionStats"]["properties"]


def test_query_count_does_not_grow_with_the_course(app, client_as, db_session):
    from sqlalchemy import event

    for units in (1, 4):
        version = make_course_version(db_session, slug=f"koko{units}", units=units)
        for n in range(3):
            enrolment = _learner(db_session, units * 10 + n, version)
            for unit in version.units:
                _attempt(db_session, enrolment, unit, 1, {}, passed=True)
    db_session.commit()
    client = client_as("trainer")
    engine = app.extensions["elearn.db"].engine
    counts = {}
    for units in (1, 4):
        seen = []

        def count(_conn, _cursor, statement, *_args, seen=seen):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            response = client.get(f"/api/analytics/courses/koko{units}/versions/1")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert len(response.get_json()["quizzes"]) == units
        counts[units] = len(seen)
    assert counts[1] == counts[4] <= 8, counts
