"""Erasure: afterwards no table holds the learner's username, name, e-mail or reflection
text, they cannot sign in and HR's report no longer names them; unknown names, a second
erasure and an interrupted one resumed all end clearly, with nothing lost or half done."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from elearn.models import Enrolment, Reflection, User, XapiDelivery, XapiStatement
from elearn.privacy import erasure as erasure_module
from elearn.privacy.models import AuditEvent, Erasure
from tests.conftest import TEST_PASSWORD
from tests.factories import make_course_version
from tests.privacy.support import every_text_value, learner_did_everything, link_lms_identity

USERNAME = "anna.aaltonen-x7"
NAME = "Anna Aaltonen"
EMAIL = "anna.aaltonen@example.fi"
LMS_SUB = "moodle-user-4711"  # her user id in the LMS that launches the course


@pytest.fixture
def app_overrides():
    return {"LRS_DESTINATIONS": [{"name": "eoppiva", "endpoint": "http://127.0.0.1:9/xAPI/",
                                  "username": "k", "password": "s"}],
            "XAPI_SEND_REFLECTION_TEXT": True, "XAPI_ACTOR": "mbox"}


@pytest.fixture
def anna(app, make_user):
    with app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="testikurssi", units=2)
    user = make_user("learner", username=USERNAME, display_name=NAME, email=EMAIL,
                     organisation_unit="Tietoyksikkö")
    make_user("learner", username="bertil.berg", display_name="Bertil Berg")
    texts = learner_did_everything(app, USERNAME)
    learner_did_everything(app, "bertil.berg")
    link_lms_identity(app, USERNAME, LMS_SUB)
    return {"user": user, "reflections": texts["reflections"] + texts["drafts"]}


def erase(app, username, *extra):
    return app.test_cli_runner().invoke(args=["privacy", "erase", username, *extra])


def traces(app, anna) -> list[tuple[str, str, str]]:
    needles = [USERNAME, NAME, EMAIL, LMS_SUB, *anna["reflections"]]
    with app.extensions["elearn.db"].session_scope() as session:
        return [(table, column, value) for table, column, value in every_text_value(session)
                if any(needle in value for needle in needles)]


def test_erased_learner_leaves_no_trace_and_cannot_sign_in(app, anna, client_as, login):
    assert traces(app, anna)  # the scan does find the learner before erasure
    hr = client_as("hr")
    assert NAME in hr.get("/api/reports/completions").get_data(as_text=True)

    result = erase(app, USERNAME, "--yes")
    assert result.exit_code == 0, result.output
    assert f"erased {USERNAME}" in result.output
    # Nothing was delivered yet (no worker ran): nothing to void, everything dropped.
    assert "voiding statements queued: none" in result.output
    assert "undelivered statements dropped" in result.output

    assert traces(app, anna) == []
    refused = app.test_client().post("/login", data={"username": USERNAME,
                                                     "password": TEST_PASSWORD})
    assert refused.status_code != 302
    for url in ("/api/reports/completions", "/api/reports/completions.csv",
                "/hr/reports/completions"):
        body = hr.get(url).get_data(as_text=True)
        assert NAME not in body and USERNAME not in body, url
        assert "Bertil Berg" in body, url
    with app.extensions["elearn.db"].session_scope() as session:
        bertil = session.scalar(select(User).where(User.username == "bertil.berg"))
        assert session.scalar(select(func.count(Reflection.id))) == 2  # Bertil's only
        assert session.scalar(select(func.count(Enrolment.id))
                              .where(Enrolment.user_id != bertil.id)) == 0
        [record] = session.scalars(select(Erasure)).all()
        assert record.completed_at is not None and record.requested_via == "cli"
        [entry] = session.scalars(select(AuditEvent).where(AuditEvent.action == "erasure"))
        assert entry.subject_id == anna["user"].id and entry.actor_label == "cli"
        tombstone = session.get(User, anna["user"].id)
        assert tombstone.username.startswith("erased-") and not tombstone.is_active_account


def test_unknown_name_is_refused_and_nothing_changes(app, anna):
    result = erase(app, "nobody-here", "--yes")
    assert result.exit_code == 1
    assert "no account named 'nobody-here'; nothing erased" in result.output
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.scalar(select(func.count(Erasure.id))) == 0


def test_erasing_twice_says_so_and_changes_nothing(app, anna):
    assert erase(app, USERNAME, "--yes").exit_code == 0
    with app.extensions["elearn.db"].session_scope() as session:
        before = sorted(every_text_value(session))
    again = erase(app, USERNAME, "--yes")
    assert again.exit_code == 0
    assert f"{USERNAME} was already erased on" in again.output and "nothing to do" in again.output
    with app.extensions["elearn.db"].session_scope() as session:
        assert sorted(every_text_value(session)) == before


def test_without_yes_the_erasure_asks_first(app, anna):
    declined = app.test_cli_runner().invoke(args=["privacy", "erase", USERNAME], input="n\n")
    assert declined.exit_code == 1 and "Aborted" in declined.output
    assert traces(app, anna)


def test_interrupted_erasure_leaves_everything_and_resumes(app, anna, monkeypatch):
    with app.extensions["elearn.db"].session_scope() as session:
        statements = session.scalar(select(func.count(XapiStatement.id)))

    def crash(_user):
        raise RuntimeError("power cut")

    monkeypatch.setattr(erasure_module, "_tombstone", crash)  # after every delete ran
    broken = erase(app, USERNAME, "--yes")
    assert broken.exit_code != 0 and isinstance(broken.exception, RuntimeError)
    with app.extensions["elearn.db"].session_scope() as session:
        # Nothing is half done: the whole second step rolled back...
        assert session.scalar(select(func.count(Reflection.id))) == 4
        assert session.scalar(select(func.count(XapiStatement.id))) == statements
        assert session.scalar(select(User.email).where(User.username == USERNAME)) == EMAIL
        # ...and the erasure is on record, unfinished.
        [record] = session.scalars(select(Erasure)).all()
        assert record.completed_at is None
    monkeypatch.undo()

    resumed = erase(app, USERNAME, "--yes")
    assert resumed.exit_code == 0, resumed.output
    assert f"completed the erasure of {USERNAME} started on" in resumed.output
    assert traces(app, anna) == []
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.scalar(select(func.count(Erasure.id))) == 1


def test_kept_anonymous_completions_keep_enrolments_but_no_text(app, anna, client_as):
    app.config["PRIVACY_KEEP_ANONYMOUS_COMPLETIONS"] = True
    assert erase(app, USERNAME, "--yes").exit_code == 0
    assert traces(app, anna) == []
    with app.extensions["elearn.db"].session_scope() as session:
        kept = session.scalar(select(Enrolment).where(Enrolment.user_id == anna["user"].id))
        assert kept is not None and kept.completed_at is not None
        assert session.scalar(select(func.count(Reflection.id))
                              .where(Reflection.enrolment_id == kept.id)) == 0
    body = client_as("hr").get("/api/reports/completions").get_data(as_text=True)
    assert NAME not in body and USERNAME not in body


def test_undelivered_statements_are_dropped_and_delivered_ones_voided(app, anna):
    """Per destination: a delivered statement gets a voiding statement to that destination,
    a pending one is dropped."""
    with app.extensions["elearn.db"].session_scope() as session:
        rows = session.execute(select(XapiDelivery.id, XapiStatement.statement_id)
                               .join(XapiStatement)
                               .where(XapiStatement.user_id == anna["user"].id)
                               .order_by(XapiDelivery.id)).all()
        delivered = {sid for _, sid in rows[:5]}
        for delivery_id, _ in rows[:5]:
            session.get(XapiDelivery, delivery_id).state = "delivered"
    result = erase(app, USERNAME, "--yes")
    assert f"voiding statements queued: eoppiva 5; {len(rows) - 5} undelivered" in result.output
    with app.extensions["elearn.db"].session_scope() as session:
        remaining = session.execute(select(XapiStatement.payload, XapiStatement.verb_id,
                                           XapiDelivery.state).join(XapiDelivery)
                                    .where(XapiStatement.user_id.is_(None))).all()
    import json
    assert {json.loads(p)["object"]["id"] for p, _, _ in remaining} == delivered
    assert {(v, s) for _, v, s in remaining} == {
        ("http://adlnet.gov/expapi/verbs/voided", "pending")}


def test_backfill_never_rebuilds_statements_of_an_erased_learner(app, anna):
    app.config["PRIVACY_KEEP_ANONYMOUS_COMPLETIONS"] = True
    assert erase(app, USERNAME, "--yes").exit_code == 0
    with app.extensions["elearn.db"].session_scope() as session:
        before = session.scalar(select(func.count(XapiStatement.id)))
    result = app.test_cli_runner().invoke(args=["xapi", "backfill"])
    assert result.exit_code == 0, result.output
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.scalar(select(func.count(XapiStatement.id))) == before
        assert session.scalar(select(func.count(XapiStatement.id))
                              .where(XapiStatement.user_id == anna["user"].id)) == 0


def test_erasure_ends_the_learners_sessions(app, anna, login):
    browser = login(app.test_client(), anna["user"])
    assert browser.get("/learn/my-data").status_code == 200
    api = login(app.test_client(), anna["user"])
    assert api.get("/api/me/export").status_code == 200
    assert erase(app, USERNAME, "--yes").exit_code == 0
    signed_out = browser.get("/learn/my-data")
    assert signed_out.status_code == 302 and "/login" in signed_out.headers["Location"]
    assert api.get("/api/me/export").status_code == 401


def test_erasing_an_admin_keeps_the_feedback_they_answered_and_their_log(app, make_user):
    from elearn.privacy.models import AccessibilityFeedback
    admin = make_user("admin", username="dora.admin", display_name="Dora Dahl")
    with app.extensions["elearn.db"].session_scope() as session:
        session.add(AccessibilityFeedback(message="Contrast too low on buttons.",
                                          user_id=admin.id, answered_by_id=admin.id))
        session.add(AuditEvent(action="account_view", actor_id=admin.id))
    assert erase(app, "dora.admin", "--yes").exit_code == 0
    with app.extensions["elearn.db"].session_scope() as session:
        [item] = session.scalars(select(AccessibilityFeedback)).all()
        assert (item.message, item.user_id, item.answered_by_id) == (
            "Contrast too low on buttons.", None, None)
        assert session.scalar(select(func.count(AuditEvent.id))
                              .where(AuditEvent.actor_id == admin.id)) == 1
        assert session.get(User, admin.id).display_name == ""


def test_a_statement_in_flight_is_voided_after_its_lease(app, anna):
    """A pending delivery a worker has claimed may be arriving at the LRS right now: it is
    voided too, and the voiding statement waits until the claim has expired."""
    import json
    from datetime import timedelta

    from elearn.db import utcnow
    lease_end = utcnow() + timedelta(minutes=5)
    with app.extensions["elearn.db"].session_scope() as session:
        delivery = session.scalars(select(XapiDelivery).join(XapiStatement)
                                   .where(XapiStatement.user_id == anna["user"].id)
                                   .order_by(XapiDelivery.id)).first()
        delivery.claimed_until = lease_end
        target = delivery.statement.statement_id
    result = erase(app, USERNAME, "--yes")
    assert "voiding statements queued: eoppiva 1;" in result.output
    with app.extensions["elearn.db"].session_scope() as session:
        [(payload, due)] = session.execute(
            select(XapiStatement.payload, XapiDelivery.next_attempt_at).join(XapiDelivery)
            .where(XapiStatement.user_id.is_(None))).all()
    voiding = json.loads(payload)
    assert voiding["object"] == {"id": target, "objectType": "StatementRef"}
    assert due > lease_end
    assert voiding["verb"]["display"] == {"fi": "mitätöi", "sv": "ogiltigförklarade",
                                          "en": "voided"}
    assert "version" not in voiding and voiding["timestamp"].endswith("Z")
    # The id depends only on the voided statement: the same erasure elsewhere agrees.
    from elearn.xapi.outbox import profile_settings
    from elearn.xapi.statements import statement_id
    with app.app_context():
        assert voiding["id"] == statement_id(profile_settings(app), f"voided|{target}")
