"""A small cohort whose report figures are worked out by hand in the tests.

Course ``testikurssi`` version 1 (two units) and course ``toinen`` version 1:

| learner | unit   | course      | state                           | enrolled (UTC)   | completed        | score | passed |
|---------|--------|-------------|---------------------------------|------------------|------------------|-------|--------|
| alice   | Unit A | testikurssi | completed and passed            | 2026-03-01 10:00 | 2026-03-04 12:00 | 0.9   | yes    |
| bob     | Unit A | testikurssi | in progress (1 of 2 units)      | 2026-03-02 10:00 | –                | 0.5   | no     |
| carol   | Unit B | testikurssi | not started                     | 2026-03-03 10:00 | –                | –     | no     |
| dave    | Unit B | testikurssi | completed, not passed           | 2026-03-05 10:00 | 2026-03-09 08:00 | 0.6   | no     |
| alice   | Unit A | toinen      | not started                     | 2026-03-10 10:00 | –                | –     | no     |

xAPI outbox: alice's course completion is delivered to ``eoppiva`` and pending for
``backup``; dave's is dead-lettered at ``eoppiva`` (400, the LRS's answer kept) and has no
delivery row for ``backup``.  A *unit* completion of bob's is delivered to ``eoppiva`` and
must not count as a course completion.  Every learner wrote a reflection whose text HR
must never see.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone

from elearn.models import (Enrolment, Reflection, Role, UnitProgress, User, XapiDelivery,
                           XapiStatement)
from elearn.services.reports import COMPLETED_VERB, course_activity_id
from tests.factories import make_course_version

PUBLIC_URL = "http://127.0.0.1:5000"
DESTINATIONS = [
    {"name": "eoppiva", "endpoint": "http://127.0.0.1:9/xAPI/", "username": "u", "password": "p"},
    {"name": "backup", "endpoint": "http://127.0.0.1:9/other/", "username": "u", "password": "p"},
]
REFLECTION_SECRET = "Salainen pohdinta: esihenkilöni ei kuuntele verkostoa"


def at(day: int, hour: int = 10, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


def _statement(session, enrolment: Enrolment, activity_id: str, n: int, slug: str) -> XapiStatement:
    statement = XapiStatement(
        statement_id=f"00000000-0000-5000-8000-{n:012d}", payload=json.dumps({"n": n}),
        verb_id=COMPLETED_VERB, activity_id=activity_id, registration=enrolment.registration,
        actor_key=f"account:{PUBLIC_URL}|{enrolment.user.opaque_id}", course_slug=slug,
        user_id=enrolment.user_id, enrolment_id=enrolment.id, timestamp=at(9),
        stored_at=at(9), context_activity_ids=[])
    session.add(statement)
    session.flush()
    return statement


def build_cohort(session) -> dict:
    """Create the cohort above; flushes, the caller commits."""
    version = make_course_version(session, slug="testikurssi", units=2)
    other = make_course_version(session, slug="toinen", units=1)
    users = {}
    for username, name, unit in [("alice", "Alice Aalto", "Unit A"), ("bob", "Bob Berg", "Unit A"),
                                 ("carol", "Carol Cederlöf", "Unit B"),
                                 ("dave", "Dave Dahl", "Unit B")]:
        user = User(username=username, display_name=name, organisation_unit=unit,
                    role=Role.LEARNER, email=f"{username}@example.fi")
        user.set_password("not-used-in-these-tests")
        session.add(user)
        users[username] = user
    session.flush()
    unit1, unit2 = version.units

    def enrol(user, v, day, **fields):
        enrolment = Enrolment(user=user, version=v, enrolled_at=at(day), last_activity_at=at(day),
                              **fields)
        session.add(enrolment)
        session.flush()
        return enrolment

    alice = enrol(users["alice"], version, 1, progress=1.0, completed_at=at(4, 12), score=0.9,
                  passed_at=at(4, 12))
    bob = enrol(users["bob"], version, 2, progress=0.5, score=0.5)
    carol = enrol(users["carol"], version, 3)
    dave = enrol(users["dave"], version, 5, progress=1.0, completed_at=at(9, 8), score=0.6)
    alice_other = enrol(users["alice"], other, 10)
    for enrolment, units in [(alice, [unit1, unit2]), (bob, [unit1]), (dave, [unit1, unit2])]:
        for unit in units:
            session.add(UnitProgress(enrolment=enrolment, unit=unit, first_viewed_at=at(6),
                                     completed_at=at(6)))
    for enrolment in (alice, bob, carol, dave):
        session.add(Reflection(enrolment=enrolment, task=unit1.reflection_tasks[0],
                               text=f"{REFLECTION_SECRET} ({enrolment.user.username})"))
    course_iri = course_activity_id(PUBLIC_URL, "testikurssi")
    s_alice = _statement(session, alice, course_iri, 1, "testikurssi")
    s_dave = _statement(session, dave, course_iri, 2, "testikurssi")
    s_bob_unit = _statement(session, bob, f"{course_iri}/unit/unit-1", 3, "testikurssi")
    session.add_all([
        XapiDelivery(statement_pk=s_alice.id, destination="eoppiva", state="delivered",
                     attempts=1, delivered_at=at(4, 13), last_status=200),
        XapiDelivery(statement_pk=s_alice.id, destination="backup", state="pending"),
        XapiDelivery(statement_pk=s_dave.id, destination="eoppiva", state="dead", attempts=1,
                     last_status=400,
                     last_error='{"detail": "Statement rejected: invalid verb display"}'),
        XapiDelivery(statement_pk=s_bob_unit.id, destination="eoppiva", state="delivered",
                     attempts=1, delivered_at=at(6, 13), last_status=200),
    ])
    session.flush()
    return {"version": version, "other": other, "users": users,
            "enrolments": {"alice": alice, "bob": bob, "carol": carol, "dave": dave,
                           "alice_other": alice_other}}
