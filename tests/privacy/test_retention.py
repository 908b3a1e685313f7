"""Retention: ``elearn privacy purge`` removes what is older than each setting allows, and
nothing else; ``--dry-run`` reports the same counts and removes nothing; every run is in the
accountability log; a bad setting stops start-up naming it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from elearn import create_app
from elearn.config import SettingError
from elearn.db import utcnow
from elearn.models import (AttemptAnswer, Enrolment, LoginFailure, QuizAttempt, Reflection,
                           User, XapiDelivery, XapiStatement)
from elearn.privacy.models import AuditEvent
from tests.factories import make_course_version
from tests.privacy.support import learner_did_everything

DAYS = {"PRIVACY_RETAIN_REFLECTIONS_DAYS": 365, "PRIVACY_RETAIN_ATTEMPTS_DAYS": 730,
        "PRIVACY_RETAIN_LOGIN_RECORDS_DAYS": 30, "PRIVACY_RETAIN_STATEMENTS_DAYS": 90}


@pytest.fixture
def app_overrides():
    return {**DAYS, "LRS_DESTINATIONS": [{"name": "eoppiva",
                                          "endpoint": "http://127.0.0.1:9/xAPI/",
                                          "username": "k", "password": "s"}]}


@pytest.fixture
def cohort(app, make_user):
    """old: last active 800 days ago (everything due); mid: 400 days ago (reflections
    due, attempts not); new: active now (nothing due)."""
    with app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="testikurssi", units=2)
    ages = {"old": 800, "mid": 400, "new": 0}
    for name in ages:
        make_user("learner", username=name)
        learner_did_everything(app, name)
    now = utcnow()
    with app.extensions["elearn.db"].session_scope() as session:
        for name, days in ages.items():
            user_id = session.scalar(select(User.id).where(User.username == name))
            session.execute(update(Enrolment).where(Enrolment.user_id == user_id)
                            .values(last_activity_at=now - timedelta(days=days)))
            session.execute(update(LoginFailure).where(LoginFailure.username == name)
                            .values(at=now - timedelta(days=days)))
            session.execute(update(XapiStatement).where(XapiStatement.user_id == user_id)
                            .values(stored_at=now - timedelta(days=days)))
        # The old learner's statements all reached the LRS; the mid one's still wait.
        old_id = session.scalar(select(User.id).where(User.username == "old"))
        session.execute(update(XapiDelivery).where(XapiDelivery.statement_pk.in_(
            select(XapiStatement.id).where(XapiStatement.user_id == old_id)))
            .values(state="delivered"))
    return ages


def counts(app) -> dict[str, dict[str, int]]:
    out = {}
    with app.extensions["elearn.db"].session_scope() as session:
        for name in ("old", "mid", "new"):
            user_id = session.scalar(select(User.id).where(User.username == name))
            enrolments = select(Enrolment.id).where(Enrolment.user_id == user_id)
            out[name] = {
                "reflections": session.scalar(select(func.count(Reflection.id)).where(
                    Reflection.enrolment_id.in_(enrolments))),
                "attempts": session.scalar(select(func.count(QuizAttempt.id)).where(
                    QuizAttempt.enrolment_id.in_(enrolments))),
                "answers": session.scalar(select(func.count(AttemptAnswer.id)).join(
                    QuizAttempt).where(QuizAttempt.enrolment_id.in_(enrolments))),
                "logins": session.scalar(select(func.count(LoginFailure.id)).where(
                    LoginFailure.username == name)),
                "statements": session.scalar(select(func.count(XapiStatement.id)).where(
                    XapiStatement.user_id == user_id)),
                "completed": session.scalar(select(func.count(Enrolment.id)).where(
                    Enrolment.user_id == user_id, Enrolment.completed_at.is_not(None))),
            }
    return out


def test_dry_run_reports_what_a_purge_then_removes(app, cohort):
    before = counts(app)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["privacy", "purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert counts(app) == before
    expected = {"reflections": before["old"]["reflections"] + before["mid"]["reflections"],
                "quiz attempts": before["old"]["attempts"],
                "login records": before["old"]["logins"] + before["mid"]["logins"],
                "statements": before["old"]["statements"]}
    for label, number in expected.items():
        assert f"{label}: {number} would be deleted" in dry.output, (label, dry.output)

    real = runner.invoke(args=["privacy", "purge"])
    assert real.exit_code == 0, real.output
    for label, number in expected.items():
        assert f"{label}: {number} deleted" in real.output, (label, real.output)
    after = counts(app)
    assert after["new"] == before["new"]
    assert after["mid"] == {**before["mid"], "reflections": 0, "logins": 0}
    assert after["old"] == {**before["old"], "reflections": 0, "attempts": 0, "answers": 0,
                            "logins": 0, "statements": 0}
    assert after["old"]["completed"] == 1  # the completion record stays
    with app.extensions["elearn.db"].session_scope() as session:
        entries = session.scalars(select(AuditEvent).where(AuditEvent.action == "purge")
                                  .order_by(AuditEvent.id)).all()
    assert [e.details["dry_run"] for e in entries] == [True, False]
    assert entries[1].details["due"]["statements"] == before["old"]["statements"]

    again = runner.invoke(args=["privacy", "purge"])
    assert "reflections: 0 deleted" in again.output


def test_zero_means_no_limit(app, cohort):
    for name in DAYS:
        app.config[name] = 0
    before = counts(app)
    result = app.test_cli_runner().invoke(args=["privacy", "purge"])
    assert result.exit_code == 0
    assert "no limit" in result.output
    assert counts(app) == before


def test_a_bad_setting_stops_start_up_naming_it(database_url, monkeypatch):
    monkeypatch.setenv("ELEARN_PRIVACY_RETAIN_REFLECTIONS_DAYS", "a year")
    with pytest.raises(SettingError, match="ELEARN_PRIVACY_RETAIN_REFLECTIONS_DAYS"):
        create_app({"ENV": "testing", "DATABASE_URL": database_url})
    monkeypatch.setenv("ELEARN_PRIVACY_RETAIN_REFLECTIONS_DAYS", "-5")
    with pytest.raises(SettingError, match="ELEARN_PRIVACY_RETAIN_REFLECTIONS_DAYS"):
        create_app({"ENV": "testing", "DATABASE_URL": database_url})
