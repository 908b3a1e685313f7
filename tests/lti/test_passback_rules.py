"""How the passback worker reads a platform's answers: what is delivered, what dead-letters
one score, and what makes the whole platform back off (so no score is lost)."""
from __future__ import annotations

import pytest

from elearn.lti.access_tokens import TokenEndpoint
from elearn.lti.delivery import Claimed, Outcome, _classify
from elearn.lti.service_http import ServiceResponse


def _item(platform_id: int = 1) -> Claimed:
    return Claimed(id=7, platform_id=platform_id, link_pk=3, payload="{}",
                   endpoint=TokenEndpoint("https://moodle.example", "c", "https://m/token"),
                   lineitem_url="https://m/li/1", lineitems_url=None, scopes=frozenset(),
                   resource_link_id="rl", label="x", tag="t")


@pytest.mark.parametrize("status", [200, 201, 202, 204, 409])
def test_delivered(status):
    outcome = Outcome()
    _classify(outcome, _item(), ServiceResponse(status))
    assert outcome.delivered == {7: status} and not outcome.halted


@pytest.mark.parametrize("status", [400, 403, 404, 405, 413, 415, 422])
def test_a_refused_score_is_dead_lettered_alone(status):
    outcome = Outcome()
    _classify(outcome, _item(), ServiceResponse(status, "no"))
    assert list(outcome.dead) == [7] and not outcome.halted and not outcome.retry


@pytest.mark.parametrize("response", [
    ServiceResponse(None, "timeout"), ServiceResponse(500), ServiceResponse(503),
    ServiceResponse(429), ServiceResponse(408), ServiceResponse(401),
    ServiceResponse(400, from_token_endpoint=True), ServiceResponse(401, from_token_endpoint=True),
], ids=["no-answer", "500", "503", "429", "408", "401-after-refresh", "token-400", "token-401"])
def test_platform_wide_trouble_backs_off_and_keeps_the_score(response):
    outcome = Outcome()
    _classify(outcome, _item(platform_id=5), response)
    assert outcome.halted == {5: response} and list(outcome.retry) == [7]
    assert not outcome.dead and not outcome.delivered
