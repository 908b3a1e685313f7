"""Backfill rebuilds the statements of stored records: the same ids and bytes as live
capture, idempotent in either order, filtered by time, course and destination."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, func, select

from elearn.events import publish
from elearn.models import Role, XapiDelivery, XapiStatement
from elearn.xapi.backfill import run_backfill
from elearn.xapi.statements import serialise
from tests.factories import make_course_version
from tests.xapi.records import Clock, complete_course
from tests.xapi.support import stored_payloads, summary, stored_statements

DESTINATIONS = [
    {"name": "eoppiva", "endpoint": "https://lrs.example.fi/xAPI/", "username": "u",
     "password": "p"},
    {"name": "backup", "endpoint": "https://backup.example.fi/xAPI/", "username": "u",
     "password": "p"},
]


@pytest.fixture
def app_overrides():
    return {"LRS_DESTINATIONS": DESTINATIONS}


@pytest.fixture
def learners(app, make_user):
    """Two learners on two courses; records stored, no statements yet.  Returns their
    events (as the learning services would have published them)."""
    anna, ben = make_user(Role.LEARNER), make_user(Role.LEARNER)
    with app.app_context(), app.extensions["elearn.db"].session_scope() as session:
        first = make_course_version(session, slug="testikurssi", units=2)
        other = make_course_version(session, slug="toinen", units=1)
        done = complete_course(session, anna, first, Clock())
        half = complete_course(session, ben, other, Clock(datetime(2026, 6, 1, tzinfo=timezone.utc)))
        partial = complete_course(session, ben, first,
                                  Clock(datetime(2026, 7, 1, tzinfo=timezone.utc)), units=1)
    return [done.events, half.events, partial.events]


def publish_all(app, event_lists) -> None:
    with app.app_context(), app.extensions["elearn.db"].session_scope() as session:
        for event_list in event_lists:
            for event in event_list:
                publish(session, event)


def backfill(app, **options):
    with app.app_context():
        return run_backfill(app.extensions["elearn.db"].session_scope, **options)


def outbox(app):
    with app.extensions["elearn.db"].session_scope() as session:
        payloads = stored_payloads(session)
        deliveries = session.execute(select(XapiDelivery.destination, func.count())
                                     .group_by(XapiDelivery.destination)).all()
    return payloads, dict(deliveries)


def test_backfill_reproduces_live_capture_byte_for_byte(app, learners):
    publish_all(app, learners)
    live, _ = outbox(app)
    assert len(live) == 35 + 19 + 17
    with app.extensions["elearn.db"].session_scope() as session:
        session.execute(delete(XapiDelivery))
        session.execute(delete(XapiStatement))
    totals = backfill(app)
    rebuilt, deliveries = outbox(app)
    assert (totals.enrolments, totals.built, totals.added) == (3, len(live), len(live))
    assert sorted(rebuilt) == sorted(live)
    # per learner, the same order as live capture
    assert rebuilt == live
    assert deliveries == {"eoppiva": len(live), "backup": len(live)}


def test_backfill_after_live_capture_adds_nothing(app, learners):
    publish_all(app, learners)
    before = outbox(app)
    totals = backfill(app)
    assert (totals.built, totals.added, totals.existing) == (71, 0, 71)
    assert outbox(app) == before


def test_backfill_twice_adds_nothing_and_live_capture_after_it_neither(app, learners):
    first = backfill(app)
    assert first.added == 71
    stored = outbox(app)
    assert backfill(app).added == 0
    publish_all(app, learners)
    assert outbox(app) == stored


def test_dry_run_counts_and_changes_nothing(app, learners):
    totals = backfill(app, dry_run=True)
    assert (totals.built, totals.added) == (71, 71)
    assert outbox(app) == ([], {})
    publish_all(app, learners[:1])
    assert backfill(app, dry_run=True).added == 71 - 35


def test_course_and_time_window(app, learners):
    totals = backfill(app, course="toinen")
    assert (totals.enrolments, totals.added) == (1, 19)
    with app.extensions["elearn.db"].session_scope() as session:
        assert {s["object"]["id"].split("/")[-1] for s in stored_statements(session)
                if "/course/" in s["object"]["id"]} == {"toinen"}
    # July only: Ben's first unit of testikurssi
    july = backfill(app, since=datetime(2026, 7, 1, tzinfo=timezone.utc),
                    until=datetime(2026, 8, 1, tzinfo=timezone.utc))
    assert (july.enrolments, july.built, july.added) == (3, 17, 17)
    with app.extensions["elearn.db"].session_scope() as session:
        july_rows = session.scalars(select(XapiStatement)
                                    .where(XapiStatement.course_slug == "testikurssi")).all()
    assert {r.timestamp.month for r in july_rows} == {7}
    assert all(datetime(2026, 7, 1, tzinfo=timezone.utc) <= r.timestamp for r in july_rows)


def test_destination_option_adds_only_its_deliveries(app, learners):
    from elearn.xapi.destinations import parse_destinations
    [backup] = parse_destinations([DESTINATIONS[1]])
    backfill(app, course="toinen", targets=[backup])
    assert outbox(app)[1] == {"backup": 19}
    # the other destination gets its missing rows on a later run, without new statements
    totals = backfill(app, course="toinen")
    assert totals.added == 0
    assert outbox(app)[1] == {"backup": 19, "eoppiva": 19}


def test_progress_statements_follow_completion_times(app, learners):
    backfill(app, course="testikurssi")
    with app.extensions["elearn.db"].session_scope() as session:
        statements = stored_statements(session)
    progressed = [s["result"]["extensions"] for s in statements if summary(s)[0] == "progressed"]
    assert [list(p.values())[0] for p in progressed] == [50, 100, 50]


def test_cli_backfill(app, learners):
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["xapi", "backfill", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "backfill (dry run): 3 enrolments, 71 statements rebuilt, would add 71, " \
           "0 already stored" in dry.stdout
    assert "backfill: 3/3 enrolments, 71 statements, 71 to add" in dry.stderr
    assert outbox(app) == ([], {})
    real = runner.invoke(args=["xapi", "backfill", "--course", "toinen", "--destination",
                               "backup", "--since", "2026-01-01"])
    assert real.exit_code == 0, real.output
    assert "backfill: 1 enrolments, 19 statements rebuilt, added 19, 0 already stored" \
        in real.stdout
    assert outbox(app)[1] == {"backup": 19}


@pytest.mark.parametrize("args, message", [
    (["--destination", "nope"], "unknown destination 'nope'; configured: eoppiva, backup"),
    (["--course", "nope"], "no course 'nope'"),
    (["--since", "2026-02-01", "--until", "2026-01-01"], "must be after --since"),
    (["--since", "yesterday"], "--since"),
])
def test_cli_backfill_rejects_bad_options(app, learners, args, message):
    result = app.test_cli_runner().invoke(args=["xapi", "backfill", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert outbox(app) == ([], {})


def test_statements_stored_before_durations_keep_their_bytes(app, learners):
    """Statements stored by an earlier profile (no duration, no attempt number, raw float
    scores) keep their ids and bytes through a backfill; only missing ones are added."""
    publish_all(app, learners)
    with app.extensions["elearn.db"].session_scope() as session:
        rows = session.scalars(select(XapiStatement).order_by(XapiStatement.id)).all()
        old = {}
        for row in rows:
            payload = json.loads(row.payload)
            payload.get("result", {}).pop("duration", None)
            payload.get("context", {}).pop("extensions", None)
            row.payload = serialise(payload)
            old[row.statement_id] = row.payload
        session.execute(delete(XapiDelivery).where(XapiDelivery.statement_pk == rows[-1].id))
        session.execute(delete(XapiStatement).where(XapiStatement.id == rows[-1].id))
        missing = rows[-1].statement_id
    totals = backfill(app)
    assert (totals.built, totals.added) == (71, 1)
    with app.extensions["elearn.db"].session_scope() as session:
        now = {row.statement_id: row.payload for row in session.scalars(select(XapiStatement))}
    assert set(now) == set(old) | {missing}
    assert all(now[sid] == payload for sid, payload in old.items() if sid != missing)
