"""The outbox writes statements and pending deliveries in the learner's own transaction:
they exist when the action commits and do not when it rolls back; inserting is idempotent."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from elearn.access import public
from elearn.db import get_session
from elearn.errors import APIError
from elearn.events import publish
from elearn.models import Role, User, XapiDelivery, XapiStatement
from elearn.xapi.destinations import parse_destinations
from elearn.xapi.outbox import enqueue
from elearn.xapi.statements import serialise
from tests.factories import make_course_version
from tests.xapi.records import Clock, complete_course, enrol
from tests.xapi.support import summary

DESTINATIONS = [
    {"name": "eoppiva", "endpoint": "https://lrs.example.fi/xAPI/", "username": "u",
     "password": "p"},
    {"name": "only-other", "endpoint": "https://other.example.fi/xAPI/", "username": "u",
     "password": "p", "courses": ["another-course"]},
    {"name": "backup", "endpoint": "https://backup.example.fi/xAPI/", "username": "u",
     "password": "p", "courses": ["testikurssi"]},
]


@pytest.fixture
def app_overrides():
    return {"LRS_DESTINATIONS": DESTINATIONS}


def counts(app) -> tuple[int, int]:
    with app.extensions["elearn.db"].session_scope() as session:
        return (session.scalar(select(func.count()).select_from(XapiStatement)),
                session.scalar(select(func.count()).select_from(XapiDelivery)))


def test_committed_action_stores_statements_with_pending_deliveries(app, make_user):
    user = make_user(Role.LEARNER)
    with app.app_context():
        with app.extensions["elearn.db"].session_scope() as session:
            version = make_course_version(session, units=1)
            learner = complete_course(session, user, version, Clock())
            for event in learner.events:
                publish(session, event)
            registration = learner.enrolment.registration
            enrolment_id = learner.enrolment.id
        with app.extensions["elearn.db"].session_scope() as session:
            rows = session.scalars(select(XapiStatement).order_by(XapiStatement.id)).all()
            assert len(rows) == 19
            for row in rows:
                payload = json.loads(row.payload)
                assert row.payload == serialise(payload)
                assert row.statement_id == payload["id"]
                assert row.verb_id == payload["verb"]["id"]
                assert row.activity_id == payload["object"]["id"]
                assert row.registration == registration
                assert row.actor_key == f"account:http://127.0.0.1:5000|{user.opaque_id}"
                assert (row.course_slug, row.user_id, row.enrolment_id) == (
                    "testikurssi", user.id, enrolment_id)
                assert row.timestamp.isoformat(timespec="milliseconds").replace(
                    "+00:00", "Z") == payload["timestamp"]
                assert sorted(d.destination for d in row.deliveries) == ["backup", "eoppiva"]
                assert all((d.state, d.attempts, d.claimed_until) == ("pending", 0, None)
                           for d in row.deliveries)
            # id order is statement order: registered first, course passed last
            assert summary(json.loads(rows[0].payload))[0] == "registered"
            assert summary(json.loads(rows[-1].payload)) == ("passed", "course/testikurssi")
            question = json.loads(rows[2].payload)
            assert rows[2].context_activity_ids == [
                "http://127.0.0.1:5000/xapi/activities/quiz/unit-1/quiz",
                "http://127.0.0.1:5000/xapi/activities/course/testikurssi",
                "http://127.0.0.1:5000/xapi/profile"]  # parent, grouping, category
            assert question["context"]["contextActivities"]["parent"][0]["id"] \
                == rows[2].context_activity_ids[0]


def test_rolled_back_session_leaves_nothing(app, make_user):
    user = make_user(Role.LEARNER)
    with app.app_context():
        session = app.extensions["elearn.db"].sessionmaker()
        version = make_course_version(session, units=1)
        learner = complete_course(session, user, version, Clock())
        for event in learner.events:
            publish(session, event)
        assert session.scalar(select(func.count()).select_from(XapiStatement)) == 19
        session.rollback()
        session.close()
    assert counts(app) == (0, 0)


@pytest.fixture
def action_route(app):
    """A real route that enrols a learner (publishing Enrolled), then ends as asked."""

    @public
    def enrol_then(outcome: str):
        session = get_session()
        user = session.scalar(select(User).where(User.username == "learner-x"))
        version = make_course_version(session, units=1)
        learner = enrol(session, user, version, Clock())
        for event in learner.events:
            publish(session, event)
        if outcome == "conflict":
            raise APIError(409, "Something else happened first.")
        if outcome == "crash":
            raise RuntimeError("unexpected failure after publishing")
        return {"ok": True}

    app.add_url_rule("/api/test-only/enrol/<outcome>", "test_enrol_then", enrol_then,
                     methods=["POST"])
    return app


def test_request_that_fails_after_publishing_stores_nothing(action_route, make_user):
    app = action_route
    make_user(Role.LEARNER, username="learner-x")
    client = app.test_client()
    response = client.post("/api/test-only/enrol/conflict", json={})
    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == "Something else happened first."
    assert counts(app) == (0, 0)
    crashed = client.post("/api/test-only/enrol/crash", json={})
    assert crashed.status_code == 500
    assert crashed.get_json()["error"]["code"]
    assert counts(app) == (0, 0)


def test_request_that_succeeds_stores_its_statement(action_route, make_user):
    app = action_route
    make_user(Role.LEARNER, username="learner-x")
    response = app.test_client().post("/api/test-only/enrol/ok", json={})
    assert response.status_code == 200
    assert counts(app) == (1, 2)


def test_enqueue_is_idempotent_and_adds_missing_deliveries(app, make_user):
    user = make_user(Role.LEARNER)
    with app.app_context():
        with app.extensions["elearn.db"].session_scope() as session:
            version = make_course_version(session, units=1)
            learner = complete_course(session, user, version, Clock(), units=0)
            publish(session, learner.events[0])
            statement = json.loads(session.scalar(select(XapiStatement.payload)))
            enrolment_id = learner.enrolment.id
        assert counts(app) == (1, 2)
        with app.extensions["elearn.db"].session_scope() as session:
            assert enqueue(session, [statement], course_slug="testikurssi", user_id=user.id,
                           enrolment_id=enrolment_id) == []
        assert counts(app) == (1, 2)
        # A destination configured later gets its delivery row on the next enqueue.
        later = parse_destinations([{"name": "later", "endpoint": "https://l.example.fi/",
                                     "username": "u", "password": "p"}])
        with app.extensions["elearn.db"].session_scope() as session:
            assert enqueue(session, [statement], course_slug="testikurssi", user_id=user.id,
                           enrolment_id=enrolment_id, targets=later) == []
            states = session.execute(select(XapiDelivery.destination, XapiDelivery.state)
                                     .order_by(XapiDelivery.destination)).all()
        assert [tuple(s) for s in states] == [("backup", "pending"), ("eoppiva", "pending"),
                                              ("later", "pending")]
