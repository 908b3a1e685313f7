"""Delivery rules without a database or network: what each LRS answer means, the backoff,
and how a rejected batch is split to isolate the statement the LRS refuses."""
from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from elearn.xapi.backoff import backoff_delay, parse_retry_after, retry_delay
from elearn.xapi.batching import Action, batch_body, classify, send_batch
from elearn.xapi.destinations import Destination
from elearn.xapi.lrs_client import LrsResponse, safe_url, scrub


@pytest.mark.parametrize("status,action", [
    (200, Action.DELIVERED), (204, Action.DELIVERED), (409, Action.DELIVERED),
    (400, Action.REJECT), (413, Action.REJECT),
    (401, Action.PAUSE), (403, Action.PAUSE), (404, Action.PAUSE), (302, Action.PAUSE),
    (408, Action.RETRY), (429, Action.RETRY), (500, Action.RETRY), (502, Action.RETRY),
    (503, Action.RETRY), (None, Action.RETRY),
])
def test_classify(status, action):
    assert classify(status) is action


def test_backoff_grows_exponentially_with_full_jitter_and_a_cap():
    top = lambda: 0.999999  # noqa: E731 - the largest jitter draw
    assert backoff_delay(1, base=2, cap=600, rand=top) == pytest.approx(2, rel=1e-5)
    assert backoff_delay(4, base=2, cap=600, rand=top) == pytest.approx(16, rel=1e-5)
    assert backoff_delay(30, base=2, cap=600, rand=top) == pytest.approx(600, rel=1e-5)
    assert backoff_delay(10_000, base=2, cap=600, rand=top) == pytest.approx(600, rel=1e-5)
    assert backoff_delay(5, base=2, cap=600, rand=lambda: 0.0) == 0.0
    assert backoff_delay(0, base=2, cap=600) == 0.0


def test_retry_after_is_obeyed_but_bounded():
    now = datetime(2026, 5, 4, 12, 0, tzinfo=timezone.utc)
    assert parse_retry_after("120", now) == 120
    assert parse_retry_after("Mon, 04 May 2026 12:01:00 GMT", now) == 60
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
    low = lambda: 0.0  # noqa: E731
    assert retry_delay(1, 120, base=2, cap=600, retry_after_cap=3600, rand=low) == 120
    assert retry_delay(1, 10 ** 9, base=2, cap=600, retry_after_cap=3600, rand=low) == 3600
    assert retry_delay(3, None, base=2, cap=600, retry_after_cap=3600, rand=lambda: 0.5) == 4


class FakeLrs:
    """Accepts a batch unless it holds a statement marked bad (then 400, like a strict LRS);
    ``script`` forces answers for the first requests."""

    def __init__(self, script=()):
        self.script = list(script)
        self.bodies: list[bytes] = []

    def __call__(self, body: bytes) -> LrsResponse:
        self.bodies.append(body)
        if self.script:
            return self.script.pop(0)
        statements = json.loads(body)
        bad = [s["id"] for s in statements if s.get("bad")]
        if bad:
            return LrsResponse(400, f"statement {bad[0]} is invalid")
        return LrsResponse(200, json.dumps([s["id"] for s in statements]))


def items(n, bad=()):
    return [(i, json.dumps({"id": f"s{i}", **({"bad": True} if i in bad else {})}))
            for i in range(1, n + 1)]


def test_batch_body_joins_payloads_byte_identical():
    payloads = ['{"b":1,"a":"ä"}', '{ "spaced" : true }']
    assert batch_body(payloads) == '[{"b":1,"a":"ä"},{ "spaced" : true }]'.encode()


def test_accepted_batch_is_one_request():
    lrs = FakeLrs()
    report = send_batch(lrs, items(10))
    assert report.delivered == {i: 200 for i in range(1, 11)}
    assert report.requests == 1 and not report.dead and report.halt is None


def test_one_bad_statement_is_isolated_and_the_rest_delivered():
    lrs = FakeLrs()
    report = send_batch(lrs, items(16, bad={7}))
    assert set(report.delivered) == set(range(1, 17)) - {7}
    assert list(report.dead) == [7]
    assert report.dead[7].status == 400 and "s7 is invalid" in report.dead[7].text
    assert report.requests <= 2 * 4 + 1  # about 2·log2(n)
    # every delivered statement was sent exactly once in an accepted request
    accepted = [s["id"] for body in lrs.bodies for s in json.loads(body)
                if not any(x.get("bad") for x in json.loads(body))]
    assert sorted(accepted) == sorted(f"s{i}" for i in report.delivered)


def test_two_bad_statements_in_different_halves():
    report = send_batch(FakeLrs(), items(9, bad={1, 9}))
    assert sorted(report.dead) == [1, 9]
    assert sorted(report.delivered) == [2, 3, 4, 5, 6, 7, 8]


def test_lrs_failing_while_splitting_leaves_the_rest_pending():
    # 400 for the batch, first half fine, then the LRS starts answering 503.
    lrs = FakeLrs([LrsResponse(400, "bad"), LrsResponse(200, "[]"),
                   LrsResponse(503, "busy", {"retry-after": "30"})])
    report = send_batch(lrs, items(8))
    assert sorted(report.delivered) == [1, 2, 3, 4]
    assert report.halt.action is Action.RETRY and report.halt.response.retry_after == "30"
    assert sorted(report.untouched) == [5, 6, 7, 8]
    assert not report.dead


@pytest.mark.parametrize("status,action", [(401, Action.PAUSE), (500, Action.RETRY),
                                           (None, Action.RETRY)])
def test_whole_destination_problems_stop_the_batch(status, action):
    report = send_batch(FakeLrs([LrsResponse(status, "no")]), items(5))
    assert report.halt.action is action
    assert sorted(report.untouched) == [1, 2, 3, 4, 5]
    assert not report.delivered and not report.dead and report.requests == 1


def test_single_statement_rejected_is_dead_lettered():
    report = send_batch(FakeLrs([LrsResponse(400, "nope")]), items(1))
    assert report.dead[1].text == "nope" and report.requests == 1


def test_credentials_never_appear_in_messages_or_repr():
    destination = Destination(name="hr", endpoint="https://u:pw@lrs.example/xAPI/",
                              username="u", password="hunter2-secret")
    assert "hunter2" not in repr(destination)
    assert safe_url(destination.statements_url) == "https://lrs.example/xAPI/statements"
    assert scrub("echo: hunter2-secret", destination) == "echo: ***"
    assert len(scrub("x" * 5000, destination)) == 2000
