"""The report and the analytics read what the real services write: learners go through the
learning service, the xAPI outbox writes the course-completion statement and its deliveries,
and the report and analytics show exactly that."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from elearn.models import Role, XapiDelivery, XapiStatement
from elearn.services import analytics, learning
from elearn.services.accounts import create_user
from elearn.services.reports import (COMPLETED_VERB, ReportFilters, completion_page,
                                     course_activity_id)
from tests.factories import make_course_version
from tests.reports.cohort import PUBLIC_URL
from tests.services.support import pass_unit, right_answers, wrong_answers


def test_report_and_analytics_follow_the_services(app):
    with app.app_context():
        session = app.extensions["elearn.db"].sessionmaker()
        version = make_course_version(session, slug="testikurssi", units=2)
        learners = [create_user(session, username=f"e2e{n}", password="correct horse battery",
                                role=Role.LEARNER, organisation_unit="Unit E")
                    for n in range(5)]
        for n, user in enumerate(learners):
            enrolment = learning.enrol(session, user, "testikurssi")
            unit = learning.open_unit(session, enrolment, "unit-1")
            attempt = learning.current_attempt(session, enrolment, unit)
            learning.submit_attempt(session, enrolment, unit, attempt.id,
                                    wrong_answers(session, attempt))
            if n < 3:  # three learners finish the whole course
                pass_unit(session, enrolment, "unit-1")
                pass_unit(session, enrolment, "unit-2")
        session.commit()

        page = completion_page(session, ReportFilters(), destinations=["eoppiva", "backup"],
                               sort="username")
        assert [(r.username, r.progress_percent, r.passed) for r in page.rows] == [
            ("e2e0", 100, True), ("e2e1", 100, True), ("e2e2", 100, True),
            ("e2e3", 0, False), ("e2e4", 0, False)]
        # the outbox queued each completion for both LRSs; nothing delivered yet
        assert [r.deliveries for r in page.rows[:3]] == [{"eoppiva": "pending",
                                                          "backup": "pending"}] * 3
        assert page.rows[3].deliveries == {"eoppiva": None, "backup": None}
        statement = session.scalar(select(XapiStatement).where(
            XapiStatement.verb_id == COMPLETED_VERB,
            XapiStatement.activity_id == course_activity_id(PUBLIC_URL, "testikurssi"),
            XapiStatement.user_id == learners[0].id))
        session.execute(update(XapiDelivery).where(
            XapiDelivery.statement_pk == statement.id, XapiDelivery.destination == "eoppiva")
            .values(state="delivered"))
        session.commit()
        first = completion_page(session, ReportFilters(status="in_progress"),
                                destinations=["eoppiva", "backup"])
        assert [r.username for r in first.rows] == ["e2e3", "e2e4"]
        done = completion_page(session, ReportFilters(status="passed"),
                               destinations=["eoppiva", "backup"], sort="username")
        assert done.rows[0].deliveries == {"eoppiva": "delivered", "backup": "pending"}

        stats = analytics.version_stats(session, version)
        quiz = stats.quizzes[0]
        assert quiz.pass_rate == pytest.approx(3 / 5)
        assert quiz.suppressed == ["mean_attempts_to_pass"]  # only 3 learners passed
        by_type = {q.type: q for q in quiz.questions}
        for kind, question in by_type.items():
            assert question.attempts == 8, kind  # 5 first attempts + 3 second ones
            assert question.first_attempt_correct_share == 0.0, kind
        single = by_type["single_choice"]
        assert {e.key: e.count for e in single.distribution} == {"a": 3, "b": 5, "c": 0}
        assert single.most_common_wrong_response == "b"
        assert by_type["ordering"].most_common_wrong_response == ["third", "second", "first"]
        assert by_type["matching"].most_common_wrong_count == 5
        assert by_type["true_false"].most_common_wrong["en"] == "false"
        assert stats.quizzes[1].suppressed == ["pass_rate", "mean_attempts_to_pass"]
        session.close()


def test_right_answers_count_as_right(app):
    with app.app_context():
        session = app.extensions["elearn.db"].sessionmaker()
        version = make_course_version(session, slug="oikein", units=1)
        for n in range(5):
            user = create_user(session, username=f"ok{n}", password="correct horse battery",
                               role=Role.LEARNER)
            enrolment = learning.enrol(session, user, "oikein")
            unit = learning.open_unit(session, enrolment, "unit-1")
            attempt = learning.current_attempt(session, enrolment, unit)
            learning.submit_attempt(session, enrolment, unit, attempt.id,
                                    right_answers(session, attempt))
        session.commit()
        quiz = analytics.version_stats(session, version).quizzes[0]
        assert quiz.pass_rate == 1.0 and quiz.mean_attempts_to_pass == 1.0
        by_type = {q.type: q for q in quiz.questions}
        assert all(q.first_attempt_correct_share == 1.0 for q in by_type.values())
        assert {e.key: e.count for e in by_type["multiple_choice"].distribution} == \
            {"a": 5, "b": 0, "c": 5, "d": 0}
        assert {e.key: e.count for e in by_type["matching"].distribution} == \
            {"p1": 5, "p2": 5, "p3": 5}
        assert all("most_common_wrong" in q.suppressed for q in by_type.values())
        session.close()
