"""The passback worker against the test platform's real token and AGS endpoints over HTTP:
scores arrive in order with the learner's LTI user id; a platform that is down, slow or
refusing keeps the learner's request free of HTTP, loses nothing and gets every score once it
is back, in order and without duplicates; a 4xx about a score dead-letters it with the
platform's answer, visible in ``elearn lti status`` and resendable."""
from __future__ import annotations

import json
import time

import pytest

from elearn.lti.delivery import PassbackWorker
from elearn.lti.keys import public_jwks
from elearn.lti.score_models import LtiPlatformHealth
from tests.lti.passback_fixtures import course  # noqa: F401 - fixture
from tests.lti.passback_support import (SCOPE_LINEITEM, SCOPE_SCORE, complete_unit,
                                        link_learner, open_unit, pass_quiz, scores)
from tests.lti.platform.services import Fault
from tests.lti.service_fixtures import start_services


@pytest.fixture
def app_overrides():
    # Quick retries so a test sees a platform come back within seconds.
    return {"LTI_PASSBACK_BACKOFF_BASE_SECONDS": 0.05,
            "LTI_PASSBACK_BACKOFF_MAX_SECONDS": 0.2, "LTI_PASSBACK_TIMEOUT_SECONDS": 1.0}


@pytest.fixture
def platform(app):
    def jwks():
        with app.extensions["elearn.db"].session_scope() as session:
            return public_jwks(session)

    running = start_services(jwks=jwks)
    yield running
    running.stop()


@pytest.fixture
def learner(app, course, client_as, platform):
    """A learner enrolled from an LMS course link with a line item."""
    services = platform.services
    lineitem = services.add_lineitem("c1", label="Verkostojohtaminen", resource_link_id="rl-c")
    client = client_as("learner")
    assert client.post("/api/courses/testikurssi/enrolment", json={}).status_code == 201
    client.link = link_learner(
        app, client.user, sub="moodle-42", resource_link_id="rl-c",
        lineitem_url=platform.url("lineitem", context_id="c1", lineitem_id=lineitem),
        lineitems_url=platform.url("lineitems", context_id="c1"), token_url=platform.token_url)
    client.lineitem = lineitem
    return client


def drain(app, *, seconds: float = 15.0, until=None) -> PassbackWorker:
    """Run the worker until nothing is left pending (or ``until()`` holds)."""
    worker = PassbackWorker(app)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        worker.run(once=True)
        if until is not None and until():
            return worker
        if until is None and all(s.state != "pending" for s in scores(app)):
            return worker
        time.sleep(0.05)
    raise AssertionError("the passback did not finish: "
                         + repr([(s.id, s.state, s.last_error) for s in scores(app)]))


def _sent_timestamps(platform) -> list[str]:
    return [r["body"]["timestamp"] for r in platform.services.record.score_requests
            if r.get("status") == 204]


def test_passing_the_course_reaches_the_gradebook_completed_and_fully_graded(
        app, learner, platform):
    complete_unit(app, learner, "unit-1")
    complete_unit(app, learner, "unit-2")
    assert platform.services.record.score_requests == []  # nothing sent in the requests
    drain(app)
    result = platform.services.record.results(learner.lineitem)["moodle-42"]
    assert (result["activityProgress"], result["gradingProgress"]) == ("Completed",
                                                                      "FullyGraded")
    assert (result["scoreGiven"], result["scoreMaximum"]) == (100.0, 100)
    rows = scores(app)
    assert [r.state for r in rows] == ["delivered"] * len(rows)
    sent = _sent_timestamps(platform)
    assert sent == sorted(sent) and len(sent) == len(set(sent)) == len(rows)
    request = platform.services.record.score_requests[0]
    assert request["content_type"] == "application/vnd.ims.lis.v1.score+json"
    # One token for every score (cached), asked with a fresh assertion for the token URL.
    tokens = platform.services.record.token_requests
    assert len(tokens) == 1 and tokens[0]["claims"]["aud"] == platform.token_url


@pytest.mark.parametrize("where, fault", [
    ("token", Fault(status=503)), ("token", Fault(status=400, body='{"error":"x"}')),
    ("scores", Fault(status=500)), ("scores", Fault(status=429)),
    ("scores", Fault(status=None, delay=2.0)), ("token", Fault(status=None, delay=2.0))],
    ids=["token-503", "token-400", "scores-500", "scores-429", "scores-slow", "token-slow"])
def test_a_platform_down_slow_or_refusing_loses_nothing(app, learner, platform, where, fault):
    services = platform.services
    services.record.faults[where] = fault
    open_unit(learner, "unit-1")
    started = time.monotonic()
    pass_quiz(app, learner, "unit-1")
    assert time.monotonic() - started < 1.5  # the learner never waits for the platform
    complete_unit(app, learner, "unit-2")
    written = len(scores(app))
    worker = PassbackWorker(app)
    for _ in range(3):
        worker.run(once=True)
        time.sleep(0.25)
    assert all(s.state == "pending" for s in scores(app))  # nothing lost, nothing dead
    if fault.delay == 0 or where == "token":
        assert services.record.results(learner.lineitem) == {}
    # (A slow score endpoint may still store the score the tool gave up waiting for; the
    # retry is then answered 409 — already there — and counts as delivered.)
    with app.extensions["elearn.db"].session_scope() as session:
        health = session.get(LtiPlatformHealth, scores(app)[0].platform_id)
        assert health.consecutive_failures >= 1 and health.last_error
        if where == "token":
            assert health.last_error.startswith("token endpoint: ")
    del services.record.faults[where]  # the platform is back
    drain(app)
    rows = scores(app)
    assert len(rows) == written and [r.state for r in rows] == ["delivered"] * written
    sent = [json.loads(r.payload)["timestamp"] for r in rows]
    assert _sent_timestamps(platform) == sorted(sent)  # in order, each once
    result = services.record.results(learner.lineitem)["moodle-42"]
    assert result["activityProgress"] == "InProgress" and result["scoreGiven"] == 100.0


def test_a_refused_score_is_dead_lettered_with_the_answer_and_resent(app, learner, platform):
    runner = app.test_cli_runner()
    services = platform.services
    services.record.refused_scores[learner.lineitem] = 422
    pass_quiz(app, learner, "unit-1")
    drain(app)
    rows = scores(app)
    assert [r.state for r in rows] == ["dead"] * len(rows)
    assert rows[-1].last_status == 422 and "accepts no scores" in rows[-1].last_error
    status = runner.invoke(args=["lti", "status"])
    assert "dead-lettered:  %d" % len(rows) in status.output
    assert "accepts no scores" in status.output
    as_json = json.loads(runner.invoke(args=["lti", "status", "--json"]).output)
    assert as_json[0]["dead"] == len(rows) and as_json[0]["queued"] == 0

    del services.record.refused_scores[learner.lineitem]
    resent = runner.invoke(args=["lti", "resend", "--platform", "https://platform.test"])
    assert f"{len(rows)} dead-lettered scores queued again" in resent.output
    drain(app)
    assert [r.state for r in scores(app)] == ["delivered"] * len(rows)
    assert services.record.results(learner.lineitem)["moodle-42"]["scoreGiven"] == 50.0


def test_a_link_without_a_line_item_finds_or_creates_one(app, course, client_as, platform):
    services = platform.services
    client = client_as("learner")
    assert client.post("/api/courses/testikurssi/enrolment", json={}).status_code == 201
    link = link_learner(app, client.user, sub="moodle-9", resource_link_id="rl-u1",
                        unit_key="unit-1", lineitem_url=None,
                        lineitems_url=platform.url("lineitems", context_id="c1"),
                        scopes=(SCOPE_SCORE, SCOPE_LINEITEM), token_url=platform.token_url)
    complete_unit(app, client, "unit-1")
    drain(app)
    assert len(services.record.lineitems) == 1
    (lineitem_id, item), = services.record.lineitems.items()
    assert item["resourceLinkId"] == "rl-u1" and item["tag"] == "elearn:testikurssi:unit-1"
    result = services.record.results(lineitem_id)["moodle-9"]
    assert result["activityProgress"] == "Completed"
    from elearn.lti.models import LtiResourceLink
    with app.extensions["elearn.db"].session_scope() as session:
        assert session.get(LtiResourceLink, link).lineitem_url.endswith(f"/{lineitem_id}")
    posts = [r for r in services.record.lineitem_requests if r["method"] == "POST"]
    assert len(posts) == 1  # created once, then remembered


def test_a_worker_that_died_mid_send_is_taken_over_after_its_lease(app, learner, platform):
    pass_quiz(app, learner, "unit-1")
    from datetime import timedelta
    from elearn.db import utcnow
    from elearn.lti.delivery import claim
    with app.extensions["elearn.db"].session_scope() as session:
        claimed = claim(session, 20, now=utcnow(), lease_until=utcnow() + timedelta(seconds=1))
    assert claimed  # ... and the worker dies before sending
    worker = PassbackWorker(app)
    assert worker.run_once() == 0  # leased rows are not claimed twice
    time.sleep(1.1)
    drain(app)
    assert platform.services.record.results(learner.lineitem)["moodle-42"]["scoreGiven"] == 50.0
