"""A learner who completed a course sees a newer published version on the overview,
dashboard and catalogue, and starts it with a CSRF-protected form; a learner still on an
older version is not offered one; a moved learner sees only the enrolment they were moved
to."""
from __future__ import annotations

from sqlalchemy import select

from elearn.models import Enrolment, User
from elearn.services.version_move import move_learners
from tests.learner_pages.helpers import csrf_token_in
from tests.services.support import enrol_and_pass, publish_next_version

NOTICE = "A new version of this course is available"


def _enrolments(app, username: str) -> list[tuple[int, bool]]:
    with app.extensions["elearn.db"].session_scope() as session:
        rows = session.scalars(select(Enrolment).join(User).where(User.username == username)
                               .order_by(Enrolment.id)).all()
        return [(row.version.number, row.completed_at is not None) for row in rows]


def test_completed_learner_sees_the_new_version_and_starts_it(app, course, learner):
    enrol_and_pass(app, learner.user.username, ("unit-1", "unit-2"))
    overview = learner.get("/learn/courses/testikurssi").get_data(as_text=True)
    assert NOTICE not in overview  # nothing newer yet
    publish_next_version(app)

    for path in ("/learn/courses/testikurssi", "/learn/dashboard", "/learn/courses"):
        page = learner.get(path).get_data(as_text=True)
        assert NOTICE in page, path
        assert "Start version 2" in page, path
        assert 'action="/learn/courses/testikurssi/enrol"' in page, path
    overview = learner.get("/learn/courses/testikurssi").get_data(as_text=True)
    assert "Course completed on" in overview  # the completion stays visible

    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = learner.post("/learn/courses/testikurssi/enrol", data={})
        assert refused.status_code == 400
        assert _enrolments(app, learner.user.username) == [(1, True)]
        token = csrf_token_in(learner.get("/learn/courses/testikurssi").get_data(as_text=True))
        started = learner.post("/learn/courses/testikurssi/enrol", data={"csrf_token": token})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert started.status_code == 303
    assert started.headers["Location"].endswith("/learn/courses/testikurssi/units/unit-1")
    assert _enrolments(app, learner.user.username) == [(1, True), (2, False)]
    overview = learner.get("/learn/courses/testikurssi").get_data(as_text=True)
    assert NOTICE not in overview and "Continue where you left off" in overview


def test_unfinished_learner_is_not_offered_the_new_version(app, course, learner):
    enrol_and_pass(app, learner.user.username, ("unit-1",))
    publish_next_version(app)
    for path in ("/learn/courses/testikurssi", "/learn/dashboard", "/learn/courses"):
        assert NOTICE not in learner.get(path).get_data(as_text=True), path
    assert learner.post("/learn/courses/testikurssi/enrol").status_code == 303
    assert _enrolments(app, learner.user.username) == [(1, False)]


def test_moved_learner_sees_only_the_new_enrolment(app, course, learner):
    enrol_and_pass(app, learner.user.username, ("unit-1",))
    publish_next_version(app)
    with app.app_context(), app.extensions["elearn.db"].session_scope() as session:
        move_learners(session, "testikurssi")
    dashboard = learner.get("/learn/dashboard").get_data(as_text=True)
    assert dashboard.count('class="card course-progress"') == 1
    assert "Course progress: 50%, 1 of 2 units complete" in dashboard.replace("\xa0", "")
    unit = learner.get("/learn/courses/testikurssi/units/unit-1").get_data(as_text=True)
    assert "A reflection long enough." in unit  # the copied reflection, on version 2
    with app.extensions["elearn.db"].session_scope() as session:
        current = session.scalar(select(Enrolment).join(User).where(
            User.username == learner.user.username, Enrolment.moved_to_id.is_(None)))
        assert current.version.number == 2
