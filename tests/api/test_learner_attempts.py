"""Submitting quiz attempts over the API: scoring and feedback, validation naming fields,
attempt limits under real concurrency, own attempts only, one commit per request."""
from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from elearn.events import AttemptSubmitted, subscribe
from elearn.models import AttemptAnswer, Enrolment, Question, QuizAttempt, UnitProgress
from tests.api.support import UNIT, right_answers
from tests.factories import make_course_version


def show(client, url=UNIT, lang="en"):
    response = client.get(f"{url}?lang={lang}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_submit_right_answers(app, learner):
    unit = show(learner)
    answers = right_answers(app, unit)
    response = learner.post(UNIT + "/attempts?lang=en",
                            json={"attempt_id": unit["quiz"]["attempt_id"], "answers": answers})
    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    assert (result["score_raw"], result["score_max"], result["score_scaled"]) == (5, 5, 1)
    assert result["passed"] is True and result["number"] == 1
    assert result["questions"][0]["feedback"] == "q1-single-choice: right, because"
    assert result["questions"][0]["choice_feedback"] == [
        {"id": "a", "text": "Right choice", "feedback": "a is right"}]
    assert result["unit_status"]["quiz_passed"] is True
    assert result["unit_status"]["complete"] is False  # the reflection is still missing
    assert result["course_progress"] == 0.0
    listed = learner.get(UNIT + "/attempts").get_json()
    assert [(a["number"], a["passed"]) for a in listed] == [(1, True)]
    again = learner.get(f"/api/attempts/{result['attempt_id']}?lang=sv").get_json()
    assert again["questions"][0]["feedback"] == "q1-single-choice: right, because (sv)"


def test_partial_matching_and_wrong_answers(app, learner):
    unit = show(learner)
    answers = right_answers(app, unit)
    answers["q4-matching"] = {"p1": "p2", "p2": "p1", "p3": "p3"}
    answers["q3-true-false"] = False
    result = learner.post(UNIT + "/attempts", json={
        "attempt_id": unit["quiz"]["attempt_id"], "answers": answers}).get_json()
    assert result["score_raw"] == 3 + 1 / 3 and result["passed"] is False
    by_key = {q["key"]: q for q in result["questions"]}
    assert by_key["q4-matching"]["correct"] is False
    assert by_key["q4-matching"]["points"] == 1 / 3
    assert by_key["q3-true-false"]["points"] == 0 and by_key["q3-true-false"]["response"] is False


def test_invalid_answers_are_named_and_nothing_is_stored(app, learner):
    unit = show(learner)
    answers = right_answers(app, unit)
    answers["q2-multiple-choice"] = "a"
    answers["q5-ordering"] = ["first", "second"]
    response = learner.post(UNIT + "/attempts",
                            json={"attempt_id": unit["quiz"]["attempt_id"], "answers": answers})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert error["details"]["fields"] == {
        "answers.q2-multiple-choice": ["Send the chosen options as a list of choice ids."],
        "answers.q5-ordering": ["Put every item in order."]}
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.scalar(select(func.count()).select_from(AttemptAnswer)) == 0
        assert session.get(QuizAttempt, unit["quiz"]["attempt_id"]).submitted_at is None


def test_malformed_bodies_name_the_field(learner):
    show(learner)
    cases = [({"answers": {}}, "attempt_id"),
             ({"attempt_id": "1", "answers": {}}, "attempt_id"),
             ({"attempt_id": 1}, "answers"),
             ({"attempt_id": 1, "answers": ["a"]}, "answers"),
             ({"attempt_id": 1, "answers": {}, "extra": 1}, "extra")]
    for body, field in cases:
        response = learner.post(UNIT + "/attempts", json=body)
        assert response.status_code == 422, body
        assert field in response.get_json()["error"]["details"]["fields"], body
    form = learner.post(UNIT + "/attempts", data={"attempt_id": "1"})
    assert form.status_code == 415


def test_attempt_limit_over_the_api(app, learner):
    for number in (1, 2, 3):
        unit = show(learner)
        assert unit["quiz"]["attempt_number"] == number
        response = learner.post(UNIT + "/attempts", json={
            "attempt_id": unit["quiz"]["attempt_id"],
            "answers": {**right_answers(app, unit), "q3-true-false": False,
                        "q1-single-choice": "b"}})
        assert response.status_code == 201 and response.get_json()["passed"] is False
    locked = show(learner)["quiz"]
    assert locked["locked"] is True and locked["attempt_id"] is None and locked["questions"] == []
    again = learner.post(UNIT + "/attempts", json={"attempt_id": 3, "answers": {}})
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "attempts_exhausted"


def test_resubmitting_is_409(app, learner):
    unit = show(learner)
    body = {"attempt_id": unit["quiz"]["attempt_id"], "answers": right_answers(app, unit)}
    assert learner.post(UNIT + "/attempts", json=body).status_code == 201
    again = learner.post(UNIT + "/attempts", json=body)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "attempt_already_submitted"


def test_attempts_are_own_only(app, learner, client_as):
    unit = show(learner)
    result = learner.post(UNIT + "/attempts", json={
        "attempt_id": unit["quiz"]["attempt_id"], "answers": right_answers(app, unit)}).get_json()
    other = client_as("learner")
    other.post("/api/courses/testikurssi/enrolment", json={})
    response = other.get(f"/api/attempts/{result['attempt_id']}")
    assert response.status_code == 404
    assert other.get(UNIT + "/attempts").get_json() == []
    # nor can they submit someone else's attempt through their own unit
    show(other)
    stolen = other.post(UNIT + "/attempts", json={
        "attempt_id": result["attempt_id"], "answers": right_answers(app, unit)})
    assert stolen.status_code == 422
    assert list(stolen.get_json()["error"]["details"]["fields"]) == ["attempt_id"]
    for role in ("trainer", "hr", "admin"):
        assert client_as(role).get(f"/api/attempts/{result['attempt_id']}").status_code == 403


def test_two_tabs_submit_the_last_attempt_at_once(app, client_as, login):
    """Two sessions of one learner post the last allowed attempt at the same instant against
    the real database: exactly one is scored, the other gets 409."""
    with app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="kerran", units=1, max_attempts=1)
    first = client_as("learner")
    second = login(app.test_client(), first.user)
    assert first.post("/api/courses/kerran/enrolment", json={}).status_code == 201
    url = "/api/courses/kerran/units/unit-1"
    unit = show(first, url)
    assert show(second, url)["quiz"]["attempt_id"] == unit["quiz"]["attempt_id"]
    body = {"attempt_id": unit["quiz"]["attempt_id"], "answers": right_answers(app, unit)}

    def hold(_session, event):  # keep the first submitter's transaction open a while
        if isinstance(event, AttemptSubmitted):
            time.sleep(0.4)
    subscribe(app, hold)
    barrier = threading.Barrier(2)
    statuses = {}

    def post(name, client):
        barrier.wait(timeout=10)
        response = client.post(url + "/attempts", json=body)
        statuses[name] = (response.status_code, response.get_json()["error"]["code"]
                          if response.status_code >= 400 else None)

    threads = [threading.Thread(target=post, args=(name, client))
               for name, client in (("first", first), ("second", second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses.values(), key=str) == [(201, None), (409, "attempts_exhausted")], \
        statuses
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.scalar(select(func.count()).select_from(QuizAttempt).where(
            QuizAttempt.submitted_at.is_not(None))) == 1
        assert session.scalar(select(func.count()).select_from(AttemptAnswer)) == 5


def test_failing_request_leaves_nothing(app, learner):
    """One commit per request: when anything fails after the answers were scored (here a
    subscriber of AttemptSubmitted), the attempt, answers, progress and activity time are all
    rolled back."""
    unit = show(learner)
    with app.extensions["elearn.db"].session_scope() as session:
        activity_before = session.scalar(select(Enrolment.last_activity_at))

    def broken(_session, event):
        if isinstance(event, AttemptSubmitted):
            raise RuntimeError("outbox unavailable")
    subscribe(app, broken)
    response = learner.post(UNIT + "/attempts", json={
        "attempt_id": unit["quiz"]["attempt_id"], "answers": right_answers(app, unit)})
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.get(QuizAttempt, unit["quiz"]["attempt_id"]).submitted_at is None
        assert session.scalar(select(func.count()).select_from(AttemptAnswer)) == 0
        progress = session.scalar(select(UnitProgress))
        assert progress.best_score is None and progress.quiz_passed_at is None
        assert session.scalar(select(Enrolment.last_activity_at)) == activity_before


def test_choices_show_in_the_attempt_order_on_every_read(app, learner):
    first = show(learner)
    second = show(learner, lang="fi")
    attempt_id = first["quiz"]["attempt_id"]
    assert second["quiz"]["attempt_id"] == attempt_id
    with app.extensions["elearn.db"].session_scope() as session:
        attempt = session.get(QuizAttempt, attempt_id)
        stored = {session.get(Question, int(qid)).question_key: order
                  for qid, order in attempt.choice_orders.items()}
    for view in (first, second):
        shown = {q["key"]: [c["id"] for c in q["choices"]]
                 for q in view["quiz"]["questions"] if "choices" in q}
        assert shown == stored and set(stored) == {"q1-single-choice", "q2-multiple-choice"}


def test_a_used_up_round_says_when_the_next_opens(app, learner):
    for _ in range(3):
        unit = show(learner)
        answers = {key: value for key, value in right_answers(app, unit).items()}
        answers["q3-true-false"] = not answers["q3-true-false"]
        answers["q1-single-choice"] = "b"
        response = learner.post(UNIT + "/attempts", json={
            "attempt_id": unit["quiz"]["attempt_id"], "answers": answers})
        assert response.status_code == 201 and response.get_json()["passed"] is False
    locked = show(learner)["quiz"]
    assert locked["locked"] is True and locked["attempt_id"] is None
    assert locked["next_round_at"] is not None
    progress = learner.get("/api/me/progress").get_json()
    assert progress[0]["units"][0]["next_round_at"] == locked["next_round_at"]
    app.config["QUIZ_RETRY_WAIT_HOURS"] = 0
    reopened = show(learner)["quiz"]
    assert (reopened["locked"], reopened["attempts_used"], reopened["attempts_left"]) == \
        (False, 0, 3)
    assert reopened["attempt_number"] == 4 and reopened["next_round_at"] is None
