"""The HR overview: per course and organisation unit, enrolled / not started / in progress /
completed / passed and the completion rate, worked out by hand for the cohort of
``tests/reports/cohort.py`` and checked against the report's own status filter on the same
database, so the overview and the report can never disagree."""
from __future__ import annotations

import re

import pytest

from elearn.services.completion_overview import Figures, completion_overview
from elearn.services.reports import ReportFilters, completion_page
from tests.reports.cohort import build_cohort
from tests.factories import make_course_version


def test_figures_per_course_and_unit_by_hand(app, db_session, cohort):
    with app.app_context():
        overview = completion_overview(db_session, "testikurssi")
    units = {u.organisation_unit: u.figures for u in overview.units}
    # alice completed and passed, bob in progress; carol not started, dave completed unpassed
    assert units == {"Unit A": Figures(enrolled=2, in_progress=1, completed=1, passed=1),
                     "Unit B": Figures(enrolled=2, in_progress=0, completed=1, passed=0)}
    assert units["Unit B"].not_started == 1 and units["Unit A"].completion_rate == 0.5
    assert overview.total == Figures(4, 1, 2, 1)
    with app.app_context():
        everything = completion_overview(db_session)
    assert {c.slug: c.figures for c in everything.courses} == {
        "testikurssi": Figures(4, 1, 2, 1), "toinen": Figures(1, 0, 0, 0)}
    assert {u.organisation_unit: u.figures.enrolled for u in everything.units} == {
        "Unit A": 3, "Unit B": 2}
    assert everything.total.completion_rate == pytest.approx(2 / 5)


@pytest.mark.parametrize("course", [None, "testikurssi", "toinen"])
def test_figures_agree_with_the_reports_status_filter(app, db_session, cohort, course):
    with app.app_context():
        overview = completion_overview(db_session, course)
        for unit in overview.units:
            def count(status):
                filters = ReportFilters(course=course, status=status,
                                        organisation_unit=unit.organisation_unit)
                return completion_page(db_session, filters, destinations=[]).total
            f = unit.figures
            assert (f.enrolled, f.not_started, f.in_progress, f.completed, f.passed) == (
                count(None), count("not_started"), count("in_progress"), count("completed"),
                count("passed")), unit.organisation_unit


def test_a_moved_enrolment_counts_once_and_learners_without_a_unit_are_grouped(
        app, db_session, client_as):
    from elearn.models import Enrolment, User, Role
    with app.app_context():
        old = make_course_version(db_session, slug="siirto", units=1)
        new = make_course_version(db_session, slug="siirto", units=1)
        user = User(username="nounit", display_name="No Unit", role=Role.LEARNER,
                    password_hash="x")
        first = Enrolment(user=user, version=old)
        db_session.add(first)
        db_session.flush()
        second = Enrolment(user=user, version=new)
        db_session.add(second)
        db_session.flush()
        first.moved_to_id = second.id
        db_session.commit()
        overview = completion_overview(db_session, "siirto")
    assert [(u.organisation_unit, u.figures.enrolled) for u in overview.units] == [("", 1)]
    html = client_as("hr").get("/hr/reports?course=siirto").get_data(as_text=True)
    assert "No organisation unit" in html


def _table(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>")[1], re.S)
    return [[re.sub(r"<[^>]+>", "", cell).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)] for row in rows]


def test_overview_page_shows_charts_then_tables_with_the_same_figures(client_as, cohort):
    client = client_as("hr")
    response = client.get("/hr/reports?course=testikurssi")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.index('id="by-unit-title"') < html.index('id="by-unit-table"')
    assert html.index('id="weekly-title"') < html.index('id="weekly-table"')
    assert _table(html, "by-unit-table")[:2] == [
        ["Unit A", "2", "0", "1", "1", "1", "50%"],
        ["Unit B", "2", "1", "0", "1", "0", "50%"]]
    # the chart draws the same counts: completed, in progress, not started per unit
    chart = html.split('id="by-unit-title"')[1].split("</svg>")[0]
    assert re.findall(r'fill="#ffffff" font-size="12">(\d+)</text>', chart) == \
        ["1", "1", "1", "1"]
    courses = _table(html, "by-course-table")
    assert courses[0][0] == "Course testikurssi" and courses[0][1:] == ["4", "1", "1", "2", "1", "50%"]
    assert 'aria-current="page">Overview' in html


def test_overview_rejects_an_unknown_course_by_name(client_as, cohort):
    response = client_as("hr").get("/hr/reports?course=ei-ole")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true" aria-describedby="o-course-error"' in html
    assert "Choose one of the listed courses." in html


def test_learners_and_trainers_cannot_open_the_overview(client_as):
    for role in ("learner", "trainer"):
        assert client_as(role).get("/hr/reports").status_code == 403
