"""Several passback workers at once (threads here; processes in production) share the score
queue without sending a score twice and without breaking any learner's order on a line item:
a lane's next score is claimable only once its head is resolved."""
from __future__ import annotations

import json
import threading
from collections import defaultdict

import pytest

from elearn.lti.delivery import PassbackWorker
from elearn.lti.keys import public_jwks
from tests.lti.passback_fixtures import course  # noqa: F401 - fixture
from tests.lti.passback_support import link_learner, open_unit, pass_quiz, scores, \
    write_reflection
from tests.lti.service_fixtures import start_services


@pytest.fixture
def app_overrides():
    return {"LTI_PASSBACK_BATCH": 2, "LTI_PASSBACK_POLL_SECONDS": 0.05}


@pytest.fixture
def platform(app):
    def jwks():
        with app.extensions["elearn.db"].session_scope() as session:
            return public_jwks(session)

    running = start_services(jwks=jwks)
    yield running
    running.stop()


def test_two_workers_send_each_score_once_in_lane_order(app, course, client_as, platform):
    services = platform.services
    lineitems = {}
    for n in range(4):
        client = client_as("learner")
        assert client.post("/api/courses/testikurssi/enrolment", json={}).status_code == 201
        for scope in ("course", "unit-1"):
            key = f"{scope}-{n}"
            lineitems[key] = services.add_lineitem("c1", label=key)
            link_learner(app, client.user, sub=f"learner-{n}", resource_link_id=f"rl-{key}",
                         unit_key=None if scope == "course" else "unit-1",
                         lineitem_url=platform.url("lineitem", context_id="c1",
                                                   lineitem_id=lineitems[key]),
                         token_url=platform.token_url)
        open_unit(client, "unit-1")
        pass_quiz(app, client, "unit-1")
        write_reflection(client, "unit-1")
        open_unit(client, "unit-2")
    written = scores(app)
    assert len(written) >= 4 * 6

    workers = [PassbackWorker(app) for _ in range(2)]
    threads = [threading.Thread(target=w.run) for w in workers]
    for thread in threads:
        thread.start()
    try:
        deadline = threading.Event()
        for _ in range(300):
            if all(s.state == "delivered" for s in scores(app)):
                break
            deadline.wait(0.1)
    finally:
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join(30)
    assert [s.state for s in scores(app)] == ["delivered"] * len(written)
    assert all(w.totals.delivered > 0 for w in workers)  # both took part
    sent = [r for r in services.record.score_requests]
    assert len(sent) == len(written) and all(r["status"] == 204 for r in sent)
    per_lane = defaultdict(list)
    for request in sent:
        per_lane[(request["lineitem"], request["body"]["userId"])].append(
            request["body"]["timestamp"])
    for lane, stamps in per_lane.items():
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps), lane
    expected = defaultdict(list)
    for row in written:
        doc = json.loads(row.payload)
        expected[doc["userId"]].append(doc["timestamp"])
    assert sum(len(v) for v in per_lane.values()) == sum(len(v) for v in expected.values())
