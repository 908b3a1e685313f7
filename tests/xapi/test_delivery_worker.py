"""The delivery worker against the real database (SQLite or PostgreSQL, as the suite runs)
with a fake LRS: outcomes recorded per row, backoff and pause per destination, leases."""
from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from elearn.db import utcnow
from elearn.models import XapiDestinationState
from elearn.xapi import queue
from elearn.xapi.batching import Action, BatchReport, Halt
from elearn.xapi.delivery import (DeliverySettings, DeliveryWorker, claim_batch, claim_strategy,
                                  record_outcome)
from elearn.xapi.destinations import destination_named
from elearn.xapi.lrs_client import LrsClient, LrsResponse
from elearn.local_lrs import free_port
from tests.xapi.outbox_rows import Clock, FakeClient, add, add_raw, deliveries, statement, states

SECRET = "pw-that-must-never-leak"


@pytest.fixture
def app_overrides():
    return {"LRS_DESTINATIONS": [
        {"name": "alpha", "endpoint": "http://127.0.0.1:9/xAPI/", "username": "a",
         "password": SECRET, "batch_size": 4},
        {"name": "beta", "endpoint": "http://127.0.0.1:9/xAPI/", "username": "b",
         "password": SECRET + "-b", "batch_size": 4}],
        "XAPI_PAUSE_RETRY_SECONDS": 600.0}


def worker(app, client, clock):
    return DeliveryWorker(app, client=client, clock=clock, rand=lambda: 0.5)


def state_of(app, name) -> XapiDestinationState | None:
    with app.extensions["elearn.db"].session_scope() as session:
        return session.get(XapiDestinationState, name)


def test_everything_due_is_delivered_in_batches(app):
    add(app, [statement(n) for n in range(10)])
    client = FakeClient()
    totals = worker(app, client, Clock()).run(once=True)
    assert states(app) == {"delivered": 20}
    assert totals.delivered == 20
    # batch_size 4: 10 statements take 3 requests per destination
    assert [name for name, _ in client.posts].count("alpha") == 3
    assert sorted(client.posted_ids("alpha")) == sorted(statement(n)["id"] for n in range(10))
    row = deliveries(app, "alpha")[0]
    assert row.attempts == 1 and row.last_status == 200 and row.claimed_until is None
    assert state_of(app, "alpha").last_success_at is not None


def test_server_errors_back_off_with_retry_after_and_rows_stay_pending(app):
    add(app, [statement(n) for n in range(3)])
    busy = FakeClient({"alpha": lambda s: LrsResponse(503, "overloaded",
                                                      {"retry-after": "120"})})
    clock = Clock()
    worker(app, busy, clock).run(once=True)
    alpha = deliveries(app, "alpha")
    assert {d.state for d in alpha} == {"pending"}
    assert all(d.attempts == 1 and d.last_status == 503 for d in alpha)
    assert "overloaded" in alpha[0].last_error
    state = state_of(app, "alpha")
    assert state.consecutive_failures == 1
    wait = (state.backoff_until - utcnow()).total_seconds()
    assert 110 < wait <= 121  # Retry-After wins over the smaller jittered backoff
    assert states(app, "beta") == {"delivered": 3}  # the other destination is not held up

    # Still backing off: nothing is sent.
    busy.posts.clear()
    worker(app, busy, clock).run(once=True)
    assert busy.posts == []
    # After the wait the LRS has recovered.
    clock.advance(125)
    worker(app, FakeClient(), clock).run(once=True)
    assert states(app, "alpha") == {"delivered": 3}
    assert all(d.attempts == 2 for d in deliveries(app, "alpha"))
    assert state_of(app, "alpha").consecutive_failures == 0
    assert state_of(app, "alpha").backoff_until is None


def test_backoff_doubles_per_consecutive_failure(app):
    add(app, [statement(1)])
    clock = Clock()
    down = FakeClient({"alpha": lambda s: LrsResponse(None, "connection refused")})
    waits = []
    for _ in range(4):
        worker(app, down, clock).run(once=True)
        state = state_of(app, "alpha")
        waits.append((state.backoff_until - clock()).total_seconds())
        clock.advance(waits[-1] + 0.01)
    # rand = 0.5: half of 2, 4, 8, 16 seconds
    assert [round(w) for w in waits] == [1, 2, 4, 8]
    assert deliveries(app, "alpha")[0].attempts == 4


def test_unauthorised_destination_is_paused_and_the_other_keeps_delivering(app, caplog):
    caplog.set_level(logging.DEBUG)
    add(app, [statement(n) for n in range(6)])
    client = FakeClient({"alpha": lambda s: LrsResponse(
        401, '{"detail":"Invalid authentication credentials"}')})
    clock = Clock()
    worker(app, client, clock).run(once=True)
    state = state_of(app, "alpha")
    assert state.paused_at is not None
    assert "401" in state.paused_reason and "elearn xapi resume alpha" in state.paused_reason
    assert states(app, "alpha") == {"pending": 6}
    assert states(app, "beta") == {"delivered": 6}
    assert [name for name, _ in client.posts].count("alpha") == 1  # paused after one try
    assert SECRET not in caplog.text and SECRET not in state.paused_reason

    # Paused: not tried again before the automatic retry interval...
    client.posts.clear()
    worker(app, client, clock).run(once=True)
    assert client.posts == []
    # ...then tried once more; still 401, so it stays paused since the first time.
    clock.advance(601)
    worker(app, client, clock).run(once=True)
    assert [name for name, _ in client.posts] == ["alpha"]
    assert state_of(app, "alpha").paused_at == state.paused_at

    # The operator fixes the credentials and resumes: delivery continues at once.
    with app.extensions["elearn.db"].session_scope() as session:
        assert queue.resume(session, "alpha", now=utcnow()) is True
    worker(app, FakeClient(), clock).run(once=True)
    assert states(app, "alpha") == {"delivered": 6}
    assert state_of(app, "alpha").paused_at is None


def test_rejected_statement_is_dead_lettered_with_the_lrs_answer(app):
    good = [statement(n) for n in range(7)]
    add(app, good)
    add_raw(app, "00000000-0000-4000-8000-0000000000bd", '{"id":"bad","verb":{}}', ["alpha"])

    def strict(statements):
        if any(s["id"] == "bad" for s in statements):
            return LrsResponse(400, '{"detail":"verb.id: field required"}')
        return LrsResponse(200, "[]")

    client = FakeClient({"alpha": strict})
    worker(app, client, Clock()).run(once=True)
    rows = deliveries(app, "alpha")
    dead = [d for d in rows if d.state == "dead"]
    assert len(dead) == 1 and dead[0].last_status == 400
    assert dead[0].last_error == '{"detail":"verb.id: field required"}'
    assert states(app, "alpha") == {"delivered": 7, "dead": 1}
    # Delivered statements were sent in accepted requests exactly once each.
    accepted = [s["id"] for name, body in client.posts if name == "alpha"
                and b'"bad"' not in body for s in json.loads(body)]
    assert sorted(accepted) == sorted(s["id"] for s in good)

    # resend puts it back; it is dead-lettered again while still invalid.
    with app.extensions["elearn.db"].session_scope() as session:
        assert queue.resend(session, destination="alpha", now=utcnow()) == 1
    assert states(app, "alpha") == {"delivered": 7, "pending": 1}


def test_an_expired_lease_makes_rows_claimable_and_fences_the_old_worker(app):
    add(app, [statement(n) for n in range(3)])
    db = app.extensions["elearn.db"]
    now = utcnow()
    stale_lease = now + timedelta(seconds=60)
    claimed = claim_batch(db, "alpha", 10, now=now, lease_until=stale_lease)
    assert len(claimed) == 3
    # The worker that claimed them "died". Nobody else can take them while the lease runs.
    assert claim_batch(db, "alpha", 10, now=now + timedelta(seconds=30),
                       lease_until=now + timedelta(seconds=90)) == []
    clock = Clock()
    clock.advance(61)
    client = FakeClient()
    worker(app, client, clock).run(once=True)
    assert states(app, "alpha") == {"delivered": 3}
    assert len(client.posted_ids("alpha")) == 3

    # The old worker wakes up and reports a failure: its stale lease no longer matches.
    report = BatchReport(untouched=[row_id for row_id, _ in claimed])
    report.halt = Halt(Action.RETRY, LrsResponse(503, "late"))
    record_outcome(db, destination_named(app, "alpha"), report, now=utcnow(),
                   lease_until=stale_lease, settings=DeliverySettings())
    assert states(app, "alpha") == {"delivered": 3}


def test_claim_strategy_matches_the_database(app):
    with app.extensions["elearn.db"].session_scope() as session:
        dialect = session.get_bind().dialect.name
        assert claim_strategy(session) == ("skip_locked" if dialect == "postgresql"
                                           else "write_lock")


def test_network_failure_with_the_real_http_client_backs_off_without_leaking(app, caplog):
    caplog.set_level(logging.DEBUG)
    closed = free_port()
    app.config["LRS_DESTINATIONS"] = [{"name": "alpha", "username": "a", "password": SECRET,
                                       "endpoint": f"http://127.0.0.1:{closed}/xAPI/"}]
    app.extensions.pop("elearn.xapi.destinations", None)
    add(app, [statement(1)])
    DeliveryWorker(app, client=LrsClient(), rand=lambda: 0.5).run(once=True)
    row = deliveries(app, "alpha")[0]
    assert row.state == "pending" and row.attempts == 1 and row.last_status is None
    assert "ConnectionError" in row.last_error and f"127.0.0.1:{closed}" in row.last_error
    assert SECRET not in row.last_error and SECRET not in caplog.text
    assert state_of(app, "alpha").backoff_until is not None
