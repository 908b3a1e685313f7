"""Delivery to a real Ralph LRS on loopback: statements arrive byte-equal and exactly once,
whatever happens to the LRS or the worker in between."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import select

from elearn import PROJECT_ROOT
from elearn.db import utcnow
from elearn.local_lrs import LocalRalph
from elearn.models import XapiDelivery, XapiStatement
from elearn.xapi.delivery import DeliveryWorker, claim_strategy
from elearn.xapi.statements import serialise
from tests.factories import make_course_version
from tests.xapi.lrs_proxy import LrsProxy
from tests.xapi.outbox_rows import Clock, add, add_raw, deliveries, statement, states

pytestmark = pytest.mark.lrs


@pytest.fixture(scope="module")
def ralph(tmp_path_factory):
    lrs = LocalRalph(tmp_path_factory.mktemp("ralph")).start()
    yield lrs
    lrs.stop()


@pytest.fixture
def app_overrides(ralph):
    return {"LRS_DESTINATIONS": [{**ralph.destination("ralph"), "batch_size": 10}],
            "XAPI_POLL_SECONDS": 0.1}


def counts_in_ralph(ralph: LocalRalph, wanted: set[str]) -> Counter:
    """How many times Ralph holds each of ``wanted`` (ids it holds for other tests ignored)."""
    return Counter(s["id"] for s in ralph.statements() if s["id"] in wanted)


def worker_env(database_url: str, destinations: list[dict], **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ELEARN_")}
    env.update({"ELEARN_DATABASE_URL": database_url,
                "ELEARN_LRS_DESTINATIONS": json.dumps(destinations),
                "ELEARN_XAPI_POLL_SECONDS": "0.1"})
    env.update({f"ELEARN_{key}": value for key, value in settings.items()})
    return env


def start_worker(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "elearn.cli", "xapi", "worker", *args],
                            cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def test_batch_is_delivered_and_reads_back_byte_equal(app, ralph):
    made = [statement(1000 + n) for n in range(25)]
    add(app, made)
    totals = DeliveryWorker(app).run(once=True)
    # Three POSTs of at most 10, leased in one claim (XAPI_CLAIM_BATCHES, 10 by default).
    assert totals.delivered == 25 and totals.requests == 3 and totals.batches == 1
    assert states(app) == {"delivered": 25}
    with app.extensions["elearn.db"].session_scope() as session:
        payloads = dict(session.execute(select(XapiStatement.statement_id,
                                               XapiStatement.payload)).all())
    back = {s["id"]: s for s in ralph.statements() if s["id"] in payloads}
    assert len(back) == 25
    for statement_id, payload in payloads.items():
        served = dict(back[statement_id])
        assert served.pop("stored") and served.pop("authority")
        assert serialise(served).encode() == payload.encode()


def test_ralph_down_actions_commit_and_everything_arrives_once_after_restart(
        app, ralph, client_as):
    with app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="testikurssi", units=2)
    ralph.stop()
    try:
        for _ in range(3):
            learner = client_as("learner")
            assert learner.post("/api/courses/testikurssi/enrolment", json={}).status_code == 201
            assert learner.get("/api/courses/testikurssi/units/unit-1").status_code == 200
            assert learner.get("/api/courses/testikurssi/units/unit-2").status_code == 200
        with app.extensions["elearn.db"].session_scope() as session:
            ids = set(session.scalars(select(XapiStatement.statement_id)))
        assert len(ids) >= 9  # registered + experienced x2 per learner, all committed
        clock = Clock()
        DeliveryWorker(app, clock=clock).run(once=True)
        pending = deliveries(app)
        assert {d.state for d in pending} == {"pending"}
        assert all(d.attempts == 1 and d.last_status is None for d in pending[:10])
    finally:
        ralph.start()
    clock.advance(700)  # past any backoff
    DeliveryWorker(app, clock=clock).run(once=True)
    assert states(app) == {"delivered": len(ids)}
    assert counts_in_ralph(ralph, ids) == Counter({i: 1 for i in ids})
    # A worker run afterwards finds nothing to send.
    assert DeliveryWorker(app, clock=clock).run(once=True).batches == 0


def test_worker_killed_mid_batch_loses_and_duplicates_nothing(app, ralph, database_url):
    made = [statement(2000 + n) for n in range(40)]
    add(app, made)
    wanted = {s["id"] for s in made}
    with LrsProxy(ralph.root) as proxy:
        proxy.hold.set()
        destination = {**ralph.destination("ralph"), "endpoint": proxy.endpoint,
                       "batch_size": 10}
        # One batch per claim: the batch in flight and at most one claimed behind it.
        env = worker_env(database_url, [destination], XAPI_CLAIM_LEASE_SECONDS="3",
                         XAPI_CLAIM_BATCHES="1")
        worker = start_worker(env)
        assert proxy.arrived.wait(60), "the worker never posted"
        os.kill(worker.pid, signal.SIGKILL)  # dies with a batch in flight
        worker.wait(10)
        proxy.hold.clear()
        proxy.release.set()  # the LRS receives that batch after all
        # Leased: the batch in flight and, if the worker got that far, the batch claimed
        # behind it (never sent, so never sent twice either).
        claimed = [d for d in deliveries(app) if d.claimed_until is not None]
        assert len(claimed) in (10, 20) and {d.state for d in claimed} == {"pending"}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(proxy.statuses) < 1:
            time.sleep(0.05)
        time.sleep(max(0.0, (max(d.claimed_until for d in claimed) - utcnow())
                       .total_seconds()) + 0.2)  # the dead worker's lease expires
        finished = start_worker(env, "--once")
        output, _ = finished.communicate(timeout=120)
        assert finished.returncode == 0, output
    assert states(app) == {"delivered": 40}
    sent = Counter(i for i in proxy.posted_ids if i in wanted)
    assert sum(sent.values()) == 50 and set(sent.values()) == {1, 2}  # one batch sent twice
    assert counts_in_ralph(ralph, wanted) == Counter({i: 1 for i in wanted})


def test_statement_ralph_rejects_is_dead_lettered_and_its_batch_delivered(app, ralph):
    good_before = [statement(3000 + n) for n in range(4)]
    good_after = [statement(3100 + n) for n in range(5)]
    add(app, good_before)
    invalid = statement(3050)
    invalid["verb"] = {"display": {"fi": "ilman tunnistetta"}}  # a verb needs an id
    add_raw(app, invalid["id"], serialise(invalid), ["ralph"])
    add(app, good_after)
    totals = DeliveryWorker(app).run(once=True)
    assert totals.batches == 1 and totals.delivered == 9 and totals.dead == 1
    with app.extensions["elearn.db"].session_scope() as session:
        dead = session.execute(select(XapiDelivery, XapiStatement.statement_id)
                               .join(XapiStatement)
                               .where(XapiDelivery.state == "dead")).one()
    assert dead.statement_id == invalid["id"]
    assert dead.XapiDelivery.last_status in (400, 422)
    assert "verb" in dead.XapiDelivery.last_error and "id" in dead.XapiDelivery.last_error
    wanted = {s["id"] for s in good_before + good_after}
    assert counts_in_ralph(ralph, wanted | {invalid["id"]}) == Counter({i: 1 for i in wanted})


def test_wrong_credentials_pause_one_destination_while_the_other_delivers(app, ralph):
    wrong = {**ralph.destination("wrong"), "password": "not-the-password-123"}
    app.config["LRS_DESTINATIONS"] = [wrong, ralph.destination("ralph")]
    app.extensions.pop("elearn.xapi.destinations", None)
    made = [statement(4000 + n) for n in range(12)]
    add(app, made)
    DeliveryWorker(app).run(once=True)
    assert states(app, "ralph") == {"delivered": 12}
    assert states(app, "wrong") == {"pending": 12}
    wanted = {s["id"] for s in made}
    assert counts_in_ralph(ralph, wanted) == Counter({i: 1 for i in wanted})
    result = app.test_cli_runner().invoke(args=["xapi", "status"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wrong\n")
    wrong_part, ralph_part = result.output.split("\nralph\n")
    assert "active" in ralph_part and "12 in total" in ralph_part
    assert "PAUSED" in wrong_part and "HTTP 401" in wrong_part
    assert "Invalid authentication credentials" in wrong_part
    assert "elearn xapi resume wrong" in wrong_part
    assert "not-the-password-123" not in result.output
    assert ralph.password not in result.output


def test_two_workers_at_once_never_send_a_statement_twice(app, ralph, database_url):
    """Runs on the suite's database: PostgreSQL claims with FOR UPDATE SKIP LOCKED, SQLite
    with one UPDATE under its single write lock; either way no id is sent twice."""
    with app.extensions["elearn.db"].session_scope() as session:
        dialect = session.get_bind().dialect.name
        assert claim_strategy(session) == ("skip_locked" if dialect == "postgresql"
                                           else "write_lock")
    made = [statement(5000 + n) for n in range(300)]
    add(app, made)
    wanted = {s["id"] for s in made}
    with LrsProxy(ralph.root, delay=0.02) as proxy:
        destination = {**ralph.destination("ralph"), "endpoint": proxy.endpoint,
                       "batch_size": 7}
        env = worker_env(database_url, [destination])
        workers = [start_worker(env, "--once") for _ in range(2)]
        outputs = [w.communicate(timeout=240)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    sent = Counter(i for i in proxy.posted_ids if i in wanted)
    assert len(sent) == 300 and set(sent.values()) == {1}, sent.most_common(3)
    delivered_by = [int(out.rsplit("batches: ", 1)[1].split(" delivered")[0]) for out in outputs]
    assert sum(delivered_by) == 300 and min(delivered_by) > 0, outputs  # both took part
    assert states(app) == {"delivered": 300}
    assert counts_in_ralph(ralph, wanted) == Counter({i: 1 for i in wanted})


def test_sigterm_lets_the_worker_finish_the_batch_in_flight(app, ralph, database_url):
    made = [statement(6000 + n) for n in range(30)]
    add(app, made)
    with LrsProxy(ralph.root) as proxy:
        proxy.hold.set()
        destination = {**ralph.destination("ralph"), "endpoint": proxy.endpoint,
                       "batch_size": 10}
        worker = start_worker(worker_env(database_url, [destination]))
        assert proxy.arrived.wait(60), "the worker never posted"
        worker.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert worker.poll() is None  # still waiting for the LRS's answer
        proxy.release.set()
        output, _ = worker.communicate(timeout=60)
    assert worker.returncode == 0, output
    assert "SIGTERM received; finishing the current batch" in output
    assert "stopped after 1 batches: 10 delivered" in output
    assert states(app) == {"delivered": 10, "pending": 20}
    assert all(d.claimed_until is None for d in deliveries(app))
