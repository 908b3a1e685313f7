"""The learner hot paths issue a fixed number of database queries per request, whatever the
size of the course: no query per unit, per question or per reflection written (N+1); and so
do the learner's list of their reflections and the pages that list every course of the
learner (no queries per course).

Each path is measured on two courses that differ only in size — 2 against 6 units, and
5 against 10 questions per quiz — and the counts must be equal.  The queries are counted
with a ``before_cursor_execute`` listener on the app's engine, so every statement the
request sends (reads, writes and the xAPI outbox rows) is included.
"""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select, update

from elearn.db import utcnow
from elearn.models import Course, CourseVersion, Question, QuizAttempt, Unit
from elearn.models.learning import Enrolment
from tests.factories import ALL_TYPES, correct_response, make_course_version

SLUG = "kokokurssi"
# Statements per request in the steady state (_hot_path_counts), at most.  The submission
# here completes the unit (reflection written), so it also stores the completion and
# progress statements.  Was 12 / 34 / 5 before the unit's content was kept per process,
# the enrolment lock kept the course content loaded and the outbox returned its keys.
BUDGET = {"unit page": 11, "quiz submission": 23, "progress API": 5}


@contextmanager
def counted(app):
    """Count the statements sent to the database inside the ``with`` block."""
    engine = app.extensions["elearn.db"].engine
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _course(app, units: int, questions_per_type: int) -> None:
    with app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug=SLUG, units=units, max_attempts=0,
                            question_types=ALL_TYPES * questions_per_type)


def _open_attempt(app, unit_key: str) -> tuple[int, dict]:
    """The open attempt the unit page created, and correct answers to all its questions."""
    with app.extensions["elearn.db"].session_scope() as session:
        attempt = session.scalars(
            select(QuizAttempt).join(Unit).where(Unit.unit_key == unit_key,
                                                 QuizAttempt.submitted_at.is_(None))).one()
        questions = {q.id: q for q in session.scalars(
            select(Question).where(Question.id.in_(attempt.question_ids)))}
        answers = {questions[qid].question_key: correct_response(questions[qid].data)
                   for qid in attempt.question_ids}
        return attempt.id, answers


def _hot_path_counts(app, client) -> dict[str, int]:
    """Queries of each hot path in the steady state (the learner already enrolled, had every
    unit open once and wrote each unit's reflection, as during a course)."""
    assert client.post(f"/api/courses/{SLUG}/enrolment", json={}).status_code == 201
    with app.extensions["elearn.db"].session_scope() as session:
        keys = list(session.scalars(select(Unit.unit_key).order_by(Unit.position)))
    for key in keys:  # first opens publish "experienced"; they are not the steady state
        assert client.get(f"/learn/courses/{SLUG}/units/{key}").status_code == 200
        assert client.put(f"/api/courses/{SLUG}/units/{key}/reflections/r1",
                          json={"text": "A reflection long enough to be saved."}
                          ).status_code == 200
    unit_url = f"/learn/courses/{SLUG}/units/{keys[0]}"
    counts: dict[str, int] = {}

    with counted(app) as statements:
        response = client.get(unit_url)
    assert response.status_code == 200
    counts["unit page"] = len(statements)

    attempt_id, answers = _open_attempt(app, keys[0])
    with counted(app) as statements:
        response = client.post(f"/api/courses/{SLUG}/units/{keys[0]}/attempts",
                               json={"attempt_id": attempt_id, "answers": answers})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["passed"] is True
    counts["quiz submission"] = len(statements)

    with counted(app) as statements:
        response = client.get("/api/me/progress")
    assert response.status_code == 200
    assert len(response.get_json()[0]["units"]) == len(keys)
    counts["progress API"] = len(statements)
    return counts


@pytest.mark.parametrize(("small", "large"), [((2, 1), (6, 1)), ((2, 1), (2, 2))],
                         ids=["2-vs-6-units", "5-vs-10-questions"])
def test_hot_paths_query_count_does_not_grow_with_the_course(app, client_as, small, large):
    counts = []
    for units, per_type in (small, large):
        _course(app, units, per_type)
        counts.append(_hot_path_counts(app, client_as("learner")))
        with app.extensions["elearn.db"].session_scope() as session:
            assert session.scalar(select(Enrolment.id)) is not None
        # a fresh database for the second course: same tables, no rows
        from tests.conftest import _empty_tables
        _empty_tables(app)
    assert counts[0] == counts[1], f"queries per request grew with the course: {counts}"
    assert all(count > 0 for count in counts[0].values())
    over = {path: count for path, count in counts[0].items() if count > BUDGET[path]}
    assert not over, f"more queries than the hot path's budget {BUDGET}: {over}"


def _reflection_list_counts(app, client) -> dict[str, int]:
    """Queries of the learner's reflection list (page, JSON, Markdown download) after
    writing one reflection in every unit."""
    assert client.post(f"/api/courses/{SLUG}/enrolment", json={}).status_code == 201
    with app.extensions["elearn.db"].session_scope() as session:
        keys = list(session.scalars(select(Unit.unit_key).order_by(Unit.position)))
    for key in keys:
        assert client.put(f"/api/courses/{SLUG}/units/{key}/reflections/r1",
                          json={"text": "A reflection long enough to be saved."}
                          ).status_code == 200
    counts: dict[str, int] = {}
    for path in ("/learn/reflections", "/api/me/reflections",
                 "/api/me/reflections?format=markdown"):
        with counted(app) as statements:
            response = client.get(path)
        assert response.status_code == 200
        counts[path] = len(statements)
    assert len(client.get("/api/me/reflections").get_json()["reflections"]) == len(keys)
    return counts


def test_reflection_list_query_count_does_not_grow_with_the_reflections(app, client_as):
    counts = []
    for units in (2, 6):
        _course(app, units, 1)
        counts.append(_reflection_list_counts(app, client_as("learner")))
        from tests.conftest import _empty_tables
        _empty_tables(app)
    assert counts[0] == counts[1], f"queries grew with the reflections written: {counts}"


LISTS_OF_COURSES = ("/learn/dashboard", "/learn/courses", "/api/courses", "/api/enrolments",
                    "/api/me/progress")


def _course_list_counts(app, client, courses: int, completed: bool) -> dict[str, int]:
    """Queries of the pages and API resources that list the learner's courses, after the
    learner enrolled in ``courses`` courses, opened a unit and wrote a reflection in each
    (and, with ``completed``, finished each: those lists then also say whether a newer
    version can be started)."""
    slugs = [f"kurssi-{n}" for n in range(courses)]
    with app.extensions["elearn.db"].session_scope() as session:
        for slug in slugs:
            make_course_version(session, slug=slug, units=3, max_attempts=2)
    for slug in slugs:
        assert client.post(f"/api/courses/{slug}/enrolment", json={}).status_code == 201
        with app.extensions["elearn.db"].session_scope() as session:
            key = session.scalars(
                select(Unit.unit_key).join(CourseVersion, CourseVersion.id == Unit.version_id)
                .join(Course, Course.id == CourseVersion.course_id).where(Course.slug == slug)
                .order_by(Unit.position)).first()
        assert client.get(f"/learn/courses/{slug}/units/{key}").status_code == 200
        assert client.put(f"/api/courses/{slug}/units/{key}/reflections/r1",
                          json={"text": "A reflection long enough to be saved."}
                          ).status_code == 200
    if completed:
        with app.extensions["elearn.db"].session_scope() as session:
            session.execute(update(Enrolment).values(completed_at=utcnow(), progress=1.0))
    counts: dict[str, int] = {}
    for path in LISTS_OF_COURSES:
        with counted(app) as statements:
            response = client.get(path)
        assert response.status_code == 200, path
        counts[path] = len(statements)
    progress = client.get("/api/me/progress").get_json()
    assert sorted(p["course_slug"] for p in progress) == slugs
    assert all(p["units"][0]["reflections_done"] == 1 for p in progress)
    return counts


@pytest.mark.parametrize("completed", [False, True], ids=["in-progress", "completed"])
def test_lists_of_courses_query_count_does_not_grow_with_the_courses(app, client_as, completed):
    counts = []
    for courses in (1, 3):
        counts.append(_course_list_counts(app, client_as("learner"), courses, completed))
        from tests.conftest import _empty_tables
        _empty_tables(app)
    assert counts[0] == counts[1], f"queries grew with the learner's courses: {counts}"
