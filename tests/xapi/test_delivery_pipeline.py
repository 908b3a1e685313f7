"""The delivery worker's pipeline, against the suite's database with a fake LRS: the next
batch is claimed while a POST is in flight, a halt or a stop gives that batch back untouched,
a steady drain costs one transaction per batch, and the claim reads its batch off the partial
index instead of sorting the backlog.  These run with one batch per claim
(``XAPI_CLAIM_BATCHES=1``) so each claim is one POST; claims of several batches are tested at
the end."""
from __future__ import annotations

import json
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, insert, select, text

from elearn.db import utcnow
from elearn.models import XapiDelivery, XapiStatement
from elearn.xapi.delivery import DeliveryWorker, _due
from elearn.xapi.lrs_client import LrsResponse
from tests.xapi.outbox_rows import Clock, FakeClient, add, deliveries, statement, states


@pytest.fixture
def app_overrides():
    return {"LRS_DESTINATIONS": [
        {"name": "alpha", "endpoint": "http://127.0.0.1:9/xAPI/", "username": "a",
         "password": "pw-alpha-123", "batch_size": 4}],
        "XAPI_CLAIM_BATCHES": 1}


def worker(app, client, clock=None):
    return DeliveryWorker(app, client=client, clock=clock or Clock(), rand=lambda: 0.5)


def claimed_ids(app) -> set[int]:
    return {d.id for d in deliveries(app, "alpha") if d.claimed_until is not None}


def test_the_next_batch_is_claimed_while_a_post_is_in_flight(app):
    add(app, [statement(n) for n in range(12)])
    seen_during_first_post: list[set[int]] = []

    def lrs(statements):
        if not seen_during_first_post:
            # Hold the first answer until the worker has claimed the batch behind it; a
            # worker that claims only after the answer would never get there.
            deadline = time.monotonic() + 10
            while len(claimed_ids(app)) < 8 and time.monotonic() < deadline:
                time.sleep(0.02)
            seen_during_first_post.append(claimed_ids(app))
        return LrsResponse(200, "[]")

    client = FakeClient({"alpha": lrs})
    totals = worker(app, client).run(once=True)
    rows = deliveries(app, "alpha")
    assert len(seen_during_first_post[0]) == 8  # the batch in flight and the next one
    assert seen_during_first_post[0] == {d.id for d in rows[:8]}
    assert totals.batches == 3 and states(app) == {"delivered": 12}
    assert len(client.posted_ids("alpha")) == 12 == len(set(client.posted_ids("alpha")))
    assert all(d.claimed_until is None and d.attempts == 1 for d in rows)


def test_a_halt_gives_the_batch_claimed_behind_back_unsent(app):
    add(app, [statement(n) for n in range(12)])
    answers = iter([LrsResponse(200, "[]"), LrsResponse(503, "overloaded")])

    def lrs(statements):
        # Wait until the third batch is claimed behind the second, so the halt has
        # something to give back.
        deadline = time.monotonic() + 10
        while len(claimed_ids(app)) < 8 and time.monotonic() < deadline:
            time.sleep(0.02)
        return next(answers)

    client = FakeClient({"alpha": lrs})
    totals = worker(app, client).run(once=True)
    rows = deliveries(app, "alpha")
    assert [name for name, _ in client.posts] == ["alpha", "alpha"]  # nothing after the 503
    assert totals.batches == 2 and totals.delivered == 4
    assert [d.state for d in rows] == ["delivered"] * 4 + ["pending"] * 8
    assert all(d.claimed_until is None for d in rows)
    tried, given_back = rows[4:8], rows[8:]
    assert all(d.attempts == 1 and d.last_status == 503 for d in tried)
    assert all(d.attempts == 0 and d.last_status is None for d in given_back)
    # The batch given back is due as before; the destination's backoff holds it.
    assert all(d.next_attempt_at <= utcnow() for d in given_back)
    assert all(d.next_attempt_at > utcnow() for d in tried)


def test_a_stop_finishes_the_batch_in_flight_and_gives_back_the_next(app):
    add(app, [statement(n) for n in range(12)])
    in_flight = threading.Event()
    go_on = threading.Event()

    def lrs(statements):
        in_flight.set()
        assert go_on.wait(10)
        return LrsResponse(200, "[]")

    delivery = worker(app, FakeClient({"alpha": lrs}))
    runner = threading.Thread(target=delivery.run)
    runner.start()
    assert in_flight.wait(10)
    deadline = time.monotonic() + 10
    while len(claimed_ids(app)) < 8 and time.monotonic() < deadline:
        time.sleep(0.02)
    delivery.stop()
    go_on.set()
    runner.join(10)
    assert not runner.is_alive()
    assert delivery.totals.batches == 1 and delivery.totals.delivered == 4
    assert states(app) == {"delivered": 4, "pending": 8}
    assert all(d.claimed_until is None for d in deliveries(app, "alpha"))


def test_a_steady_drain_costs_one_transaction_per_batch(app):
    add(app, [statement(n) for n in range(40)])
    engine = app.extensions["elearn.db"].engine
    commits: list[int] = []
    listener = lambda connection: commits.append(1)  # noqa: E731
    event.listen(engine, "commit", listener)
    try:
        totals = worker(app, FakeClient()).run(once=True)
    finally:
        event.remove(engine, "commit", listener)
    assert totals.batches == 10 and states(app) == {"delivered": 40}
    # Per batch one transaction (record + next claim); plus the pipeline's start (health
    # read, first claim, the claim behind it) and the final check that nothing is due.
    # Before the pipeline this took three per batch (30 + 2).
    assert len(commits) <= totals.batches + 5, len(commits)


def test_the_claim_reads_the_partial_index_in_order_without_sorting(app):
    db = app.extensions["elearn.db"]
    now = utcnow()
    with db.session_scope() as session:
        statements = [{"statement_id": f"00000000-0000-4000-8000-{n:012d}", "payload": "{}",
                       "verb_id": "v", "activity_id": "a", "actor_key": "k",
                       "course_slug": "c", "timestamp": now, "stored_at": now,
                       "context_activity_ids": []} for n in range(3000)]
        session.execute(insert(XapiStatement), statements)
        pks = list(session.scalars(select(XapiStatement.id).order_by(XapiStatement.id)))
        session.execute(insert(XapiDelivery), [
            {"statement_pk": pk, "destination": name, "attempts": 0,
             "state": "pending" if n >= 2000 else "delivered",
             "next_attempt_at": now - timedelta(seconds=3000 - n)}
            for n, pk in enumerate(pks) for name in ("alpha", "beta")])
    with db.session_scope() as session:
        dialect = session.get_bind().dialect.name
        session.execute(text("ANALYZE"))
        claim = (select(XapiDelivery.id).where(_due("alpha", now))
                 .order_by(XapiDelivery.next_attempt_at, XapiDelivery.id).limit(100))
        sql = str(claim.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
        prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
        plan = "\n".join(str(row[-1]) for row in session.execute(text(prefix + sql)))
    assert "ix_xapi_deliveries_due" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


# --- claims of several batches ------------------------------------------------------------

def grouped_worker(app, client, batches: int):
    app.config["XAPI_CLAIM_BATCHES"] = batches
    return worker(app, client)


def test_a_claim_of_several_batches_posts_them_in_order_in_one_transaction(app):
    add(app, [statement(n) for n in range(40)])
    engine = app.extensions["elearn.db"].engine
    commits: list[int] = []
    listener = lambda connection: commits.append(1)  # noqa: E731
    event.listen(engine, "commit", listener)
    client = FakeClient()
    try:
        totals = grouped_worker(app, client, 5).run(once=True)
    finally:
        event.remove(engine, "commit", listener)
    rows = deliveries(app, "alpha")
    assert states(app) == {"delivered": 40} and totals.delivered == 40
    # Ten POSTs of at most 4 (the destination's batch size), in the stored order...
    assert [len(json.loads(body)) for name, body in client.posts] == [4] * 10
    with app.extensions["elearn.db"].session_scope() as session:
        stored = list(session.scalars(
            select(XapiStatement.statement_id)
            .join(XapiDelivery, XapiDelivery.statement_pk == XapiStatement.id)
            .order_by(XapiDelivery.id)))
    assert client.posted_ids("alpha") == stored and len(set(stored)) == 40
    # ... leased in two claims of 20, so two record-and-claim transactions instead of ten.
    assert totals.batches == 2
    assert len(commits) <= totals.batches + 5, len(commits)
    assert all(d.attempts == 1 and d.claimed_until is None for d in rows)


def test_a_halt_inside_a_claim_gives_its_unsent_batches_back_untouched(app):
    add(app, [statement(n) for n in range(12)])
    answers = iter([LrsResponse(200, "[]"), LrsResponse(503, "overloaded")])
    client = FakeClient({"alpha": lambda statements: next(answers)})
    totals = grouped_worker(app, client, 3).run(once=True)
    rows = deliveries(app, "alpha")
    assert len(client.posts) == 2  # the third batch of the claim is never sent
    assert totals.delivered == 4
    assert [d.state for d in rows] == ["delivered"] * 4 + ["pending"] * 8
    assert all(d.claimed_until is None for d in rows)
    tried, unsent = rows[4:8], rows[8:]
    assert all(d.attempts == 1 and d.last_status == 503 for d in tried)
    assert all(d.next_attempt_at > utcnow() for d in tried)
    assert all(d.attempts == 0 and d.last_status is None for d in unsent)
    assert all(d.next_attempt_at <= utcnow() for d in unsent)
