"""The completion report's figures against the hand-computed cohort (tests/reports/cohort.py)."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from elearn.models import Enrolment, Role, User
from elearn.services.reports import (ReportFilters, completion_page, csv_header, csv_lines,
                                     iter_completion_rows)

NAMES = ["eoppiva", "backup"]


def page(app, db_session, filters=ReportFilters(), **kwargs):
    with app.test_request_context():
        return completion_page(db_session, filters, destinations=NAMES, **kwargs)


def usernames(result) -> list[tuple[str, str]]:
    return [(row.username, row.course) for row in result.rows]


def test_rows_match_the_cohort(app, db_session, cohort):
    result = page(app, db_session)
    assert result.total == 5
    assert usernames(result) == [("alice", "testikurssi"), ("bob", "testikurssi"),
                                 ("carol", "testikurssi"), ("dave", "testikurssi"),
                                 ("alice", "toinen")]
    alice, bob, carol, dave, alice_other = result.rows
    assert (alice.name, alice.organisation_unit, alice.version) == ("Alice Aalto", "Unit A", 1)
    assert alice.opaque_id == cohort["users"]["alice"].opaque_id
    assert (alice.progress_percent, alice.score, alice.passed) == (100, 0.9, True)
    assert alice.completed_at.isoformat() == "2026-03-04T12:00:00+00:00"
    assert alice.deliveries == {"eoppiva": "delivered", "backup": "pending"}
    assert (bob.progress_percent, bob.completed_at, bob.passed) == (50, None, False)
    # bob's *unit* completion is delivered, but his course completion does not exist
    assert bob.deliveries == {"eoppiva": None, "backup": None}
    assert (carol.progress_percent, carol.score) == (0, None)
    assert (dave.progress_percent, dave.score, dave.passed) == (100, 0.6, False)
    assert dave.deliveries == {"eoppiva": "dead", "backup": None}
    assert alice_other.deliveries == {"eoppiva": None, "backup": None}


@pytest.mark.parametrize("status, expected", [
    ("not_started", [("carol", "testikurssi"), ("alice", "toinen")]),
    ("in_progress", [("bob", "testikurssi")]),
    ("completed", [("alice", "testikurssi"), ("dave", "testikurssi")]),
    ("passed", [("alice", "testikurssi")]),
])
def test_status_filter(app, db_session, cohort, status, expected):
    assert usernames(page(app, db_session, ReportFilters(status=status))) == expected


def test_course_org_unit_and_date_filters(app, db_session, cohort):
    by_course = page(app, db_session, ReportFilters(course="toinen"))
    assert usernames(by_course) == [("alice", "toinen")]
    by_unit = page(app, db_session, ReportFilters(organisation_unit="Unit B"))
    assert usernames(by_unit) == [("carol", "testikurssi"), ("dave", "testikurssi")]
    enrolled = page(app, db_session, ReportFilters(since=date(2026, 3, 2), until=date(2026, 3, 5)))
    assert usernames(enrolled) == [("bob", "testikurssi"), ("carol", "testikurssi"),
                                   ("dave", "testikurssi")]
    completed = page(app, db_session, ReportFilters(date_field="completed",
                                                    since=date(2026, 3, 5)))
    assert usernames(completed) == [("dave", "testikurssi")]


def test_until_is_a_whole_day_in_finnish_time(app, db_session, cohort):
    # alice completed 2026-03-04 12:00 UTC = 14:00 in Helsinki: inside "until 4 March"
    result = page(app, db_session, ReportFilters(date_field="completed", until=date(2026, 3, 4)))
    assert usernames(result) == [("alice", "testikurssi")]


def test_sorting_and_pagination(app, db_session, cohort):
    by_score = page(app, db_session, sort="score", direction="desc")
    assert [r.score for r in by_score.rows] == [0.9, 0.6, 0.5, None, None]
    by_name = page(app, db_session, sort="name", direction="desc", per_page=2, page=2)
    assert [r.name for r in by_name.rows] == ["Bob Berg", "Alice Aalto"]
    assert (by_name.total, by_name.pages) == (5, 3)
    unknown = page(app, db_session, sort="password_hash")  # not whitelisted: default order
    assert usernames(unknown)[0] == ("alice", "testikurssi")


@contextmanager
def counted_statements(engine):
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_constant_number_of_queries_per_page(app, db_session, cohort):
    engine = app.extensions["elearn.db"].engine
    with counted_statements(engine) as small:
        page(app, db_session, per_page=2)
    version = cohort["version"]
    for n in range(40):
        user = User(username=f"extra{n}", display_name=f"Extra {n}", role=Role.LEARNER,
                    organisation_unit="Unit C", password_hash="x")
        db_session.add(Enrolment(user=user, version_id=version.id, progress=0.5))
    db_session.commit()
    db_session.expunge_all()
    with counted_statements(engine) as large:
        result = page(app, db_session, per_page=45)
    assert len(result.rows) == 45
    assert len(small) == len(large) == 2


def test_csv_has_bom_header_iso_dates_and_semicolon_variant(app, db_session, cohort):
    with app.test_request_context():
        rows = iter_completion_rows(db_session, ReportFilters(course="testikurssi"),
                                    destinations=NAMES)
        text = "".join(csv_lines(rows, NAMES))
        semicolon = "".join(csv_lines(iter_completion_rows(
            db_session, ReportFilters(status="passed"), destinations=NAMES), NAMES, ";"))
    assert text.startswith("\ufeffname,opaque_id,username,")
    lines = text[1:].split("\r\n")
    assert lines[0] == ",".join(csv_header(NAMES))
    assert lines[0].endswith("passed,delivered_eoppiva,delivered_backup")
    alice_id = cohort["users"]["alice"].opaque_id
    assert lines[1] == (f"Alice Aalto,{alice_id},alice,Unit A,testikurssi,1,2026-03-01T10:00:00Z,"
                        "100,2026-03-04T12:00:00Z,0.9,true,true,false")
    assert lines[3].startswith("Carol Cederlöf,")
    assert len(lines) == 6 and lines[5] == ""
    assert semicolon.startswith("\ufeffname;opaque_id;username;")
    assert f"Alice Aalto;{alice_id};alice;Unit A;testikurssi;1;" in semicolon


def test_csv_neutralises_formulas(app, db_session, cohort):
    cohort["users"]["bob"].display_name = "=HYPERLINK(\"http://evil\")"
    db_session.commit()
    with app.test_request_context():
        text = "".join(csv_lines(iter_completion_rows(
            db_session, ReportFilters(status="in_progress"), destinations=NAMES), NAMES))
    assert "\r\n\"'=HYPERLINK(\"\"http://evil\"\")\"," in text
