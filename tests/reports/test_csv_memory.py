"""The CSV export streams: memory stays flat as the number of rows grows (10x more rows
must not need noticeably more memory), and the stream gives its connection back."""
from __future__ import annotations

import tracemalloc
import uuid

from sqlalchemy import insert, select

from elearn.models import Enrolment, User
from elearn.services.reports import ReportFilters, csv_lines, iter_completion_rows
from tests.factories import make_course_version


def add_learners(session, version_id: int, start: int, count: int) -> None:
    """Bulk rows (core inserts: fast enough for tens of thousands)."""
    users = [{"username": f"bulk{n}", "display_name": f"Bulk Learner {n}", "role": "learner",
              "organisation_unit": f"Unit {n % 7}", "password_hash": "x",
              "opaque_id": uuid.uuid4().hex, "is_active_account": True}
             for n in range(start, start + count)]
    session.execute(insert(User), users)
    ids = session.scalars(select(User.id).order_by(User.id.desc()).limit(count)).all()
    session.execute(insert(Enrolment), [
        {"user_id": user_id, "version_id": version_id, "registration": str(uuid.uuid4()),
         "progress": 0.5, "score": 0.7} for user_id in ids])
    session.commit()


def stream_peak(app, session) -> tuple[int, int]:
    """Peak traced memory while writing the whole CSV (discarding it), and its line count."""
    lines = 0
    with app.test_request_context():
        tracemalloc.start()
        for chunk in csv_lines(iter_completion_rows(session, ReportFilters(),
                                                    destinations=["eoppiva"]),
                               ["eoppiva"], ";"):
            lines += chunk.count("\r\n")
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    session.expunge_all()
    return peak, lines


def test_memory_is_flat_from_2000_to_20000_rows(app, db_session):
    version = make_course_version(db_session, slug="massa", units=1)
    db_session.commit()
    add_learners(db_session, version.id, 0, 2000)
    small_peak, small_lines = stream_peak(app, db_session)
    add_learners(db_session, version.id, 2000, 18000)
    large_peak, large_lines = stream_peak(app, db_session)
    assert (small_lines, large_lines) == (2001, 20001)
    # Holding 20,000 rows would take tens of megabytes; streaming keeps to one batch.
    assert large_peak < small_peak * 1.5 + 512 * 1024, (small_peak, large_peak)
    assert large_peak < 16 * 1024 * 1024


def test_download_gives_the_connection_back(app, client_as, db_session):
    version = make_course_version(db_session, slug="massa", units=1)
    db_session.commit()
    add_learners(db_session, version.id, 0, 50)
    client = client_as("hr")
    engine = app.extensions["elearn.db"].engine
    before = engine.pool.checkedout()
    response = client.get("/api/reports/completions.csv")
    assert len(response.data.decode("utf-8-sig").splitlines()) == 51
    assert engine.pool.checkedout() == before
