"""Opening units without needless writes: a recent re-view of the last unit writes nothing,
an older one refreshes the activity time, a view of another unit is recorded (at once, or
after rendering with ``record_later``), and the cached course structure matches the rows."""
from __future__ import annotations

from datetime import timedelta, timezone

from sqlalchemy import event, select

from elearn.db import utcnow
from elearn.models import Enrolment, Unit
from elearn.services import learning
from elearn.services.course_structure import structure_of


def _writes(session, action) -> list[str]:
    """The INSERT/UPDATE/DELETE statements ``action`` sends."""
    sent: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            sent.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return sent


def _aware(moment):
    """SQLite gives naive UTC times back, PostgreSQL aware ones."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _stored(session, enrolment_id: int):
    return session.execute(select(Enrolment.last_unit_id, Enrolment.last_activity_at)
                           .where(Enrolment.id == enrolment_id)).one()


def test_recent_re_view_of_the_last_unit_writes_nothing(session, learner, course):
    enrolment = learning.enrol(session, learner, "testikurssi")
    unit = learning.open_unit(session, enrolment, "unit-1")
    session.commit()
    before = _stored(session, enrolment.id)
    assert before.last_unit_id == unit.id

    writes = _writes(session, lambda: learning.open_unit(session, enrolment, "unit-1"))
    session.commit()
    assert writes == []
    assert _stored(session, enrolment.id) == before


def test_re_view_after_the_resolution_refreshes_the_activity_time(session, learner, course):
    enrolment = learning.enrol(session, learner, "testikurssi")
    learning.open_unit(session, enrolment, "unit-1")
    old = utcnow() - learning.ACTIVITY_RESOLUTION - timedelta(seconds=1)
    session.execute(Enrolment.__table__.update().where(Enrolment.__table__.c.id == enrolment.id)
                    .values(last_activity_at=old))
    session.commit()
    session.expire_all()

    writes = _writes(session, lambda: learning.open_unit(session, enrolment, "unit-1"))
    session.commit()
    assert writes, "an old activity time must be refreshed"
    refreshed = _aware(_stored(session, enrolment.id).last_activity_at)
    assert refreshed > old + timedelta(seconds=1)


def test_view_of_another_unit_is_recorded_after_rendering(session, learner, course):
    enrolment = learning.enrol(session, learner, "testikurssi")
    first = learning.open_unit(session, enrolment, "unit-1")
    second = learning.open_unit(session, enrolment, "unit-2")
    session.commit()
    assert _stored(session, enrolment.id).last_unit_id == second.id

    # Noted only: the enrolment shows the unit at once, the database after record_visits.
    writes = _writes(session, lambda: learning.open_unit(session, enrolment, "unit-1",
                                                         record_later=True))
    assert writes == []
    assert enrolment.last_unit_id == first.id
    assert learning.progress_of(session, enrolment).resume_unit_key == "unit-1"
    writes = _writes(session, lambda: learning.record_visits(session))
    assert len(writes) == 1
    session.commit()
    assert _stored(session, enrolment.id).last_unit_id == first.id


def test_page_reload_resumes_where_left_off(app, client_as):
    from tests.factories import make_course_version

    with app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="sivukurssi", units=2)
    client = client_as("learner")
    assert client.post("/api/courses/sivukurssi/enrolment", json={}).status_code == 201
    for key in ("unit-2", "unit-1", "unit-2"):
        assert client.get(f"/learn/courses/sivukurssi/units/{key}").status_code == 200
    progress = client.get("/api/me/progress").get_json()[0]
    assert progress["resume_unit_key"] == "unit-2"
    assert all(unit["viewed"] for unit in progress["units"])


def test_cached_structure_matches_the_version_rows(session, course):
    structure = structure_of(session, course)
    units = list(session.scalars(select(Unit).where(Unit.version_id == course.id)
                                 .order_by(Unit.position)))
    assert [(u.id, u.unit_key, u.max_attempts) for u in structure.units] == \
        [(u.id, u.unit_key, u.max_attempts) for u in units]
    assert [u.questions_total for u in structure.units] == [len(u.questions) for u in units]
    assert [u.reflections_total for u in structure.units] == \
        [len(u.reflection_tasks) for u in units]
    assert structure_of(session, course) is structure  # read once
