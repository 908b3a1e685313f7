"""The tool's token, AGS and NRPS clients against the test platform's real endpoints over
HTTP (lti1p3platform verifies the client assertion against the tool's JWKS)."""
from __future__ import annotations

import json
import time

import pytest

from elearn.lti import ags, nrps
from elearn.lti.access_tokens import (SCOPE_MEMBERSHIPS, SCOPE_SCORE, AccessTokens,
                                      TokenEndpoint, call_with_token)
from tests.lti.platform.services import Fault
from tests.lti.service_fixtures import CLIENT_ID, ISSUER, start_services


@pytest.fixture
def platform():
    running = start_services()
    yield running
    running.stop()


def _tokens(platform, **kwargs) -> AccessTokens:
    return AccessTokens(lambda: platform.tool_keys[-1], **kwargs)


def _endpoint(platform) -> TokenEndpoint:
    return TokenEndpoint(issuer=ISSUER, client_id=CLIENT_ID, token_url=platform.token_url)


def _score(user: str, when: str, given: float = 80) -> str:
    return json.dumps({"userId": user, "scoreGiven": given, "scoreMaximum": 100,
                       "activityProgress": "Completed", "gradingProgress": "FullyGraded",
                       "timestamp": when})


def test_token_assertion_is_signed_for_the_token_url_and_cached(platform):
    tokens = _tokens(platform)
    first = tokens.token(_endpoint(platform), {SCOPE_SCORE})
    again = tokens.token(_endpoint(platform), {SCOPE_SCORE})
    assert first == again and tokens.requests_made == 1
    request = platform.services.record.token_requests[0]
    assert request["status"] == 200 and request["grant_type"] == "client_credentials"
    claims = request["claims"]
    assert claims["aud"] == platform.token_url
    assert claims["iss"] == claims["sub"] == CLIENT_ID
    assert claims["exp"] > claims["iat"] and len(claims["jti"]) >= 16
    assert request["granted"] == SCOPE_SCORE
    # Another scope set is another token.
    tokens.token(_endpoint(platform), {SCOPE_MEMBERSHIPS})
    assert tokens.requests_made == 2
    jtis = [r["claims"]["jti"] for r in platform.services.record.token_requests]
    assert len(set(jtis)) == 2


def test_token_is_renewed_shortly_before_it_expires(platform):
    now = [time.time()]
    tokens = _tokens(platform, clock=lambda: now[0], margin=60)
    tokens.token(_endpoint(platform), {SCOPE_SCORE})
    now[0] += 3600 - 61  # still valid beyond the margin
    tokens.token(_endpoint(platform), {SCOPE_SCORE})
    assert tokens.requests_made == 1
    now[0] += 2  # within the margin: a new one
    tokens.token(_endpoint(platform), {SCOPE_SCORE})
    assert tokens.requests_made == 2


def test_a_wrong_key_gets_no_token(platform):
    from joserfc.jwk import RSAKey
    stranger = RSAKey.generate_key(2048, parameters={"kid": "tool-1"}, private=True)
    tokens = AccessTokens(lambda: stranger)
    response = call_with_token(tokens, _endpoint(platform), {SCOPE_SCORE}, "GET",
                               platform.base_url + "/tool-jwks")
    assert response.status == 401 and "invalid_client" in response.text


def test_a_401_invalidates_the_token_once_and_retries(platform):
    services = platform.services
    lineitem = services.add_lineitem("c1", label="Kurssi")
    url = platform.url("lineitem", context_id="c1", lineitem_id=lineitem)
    tokens = _tokens(platform)
    scopes = ags.score_scopes(False)
    assert ags.post_score(tokens, _endpoint(platform), url, _score("u1", "2026-01-01T10:00:00.000Z"),
                          scopes=scopes).status == 204
    services.record.revoke_all_tokens()
    response = ags.post_score(tokens, _endpoint(platform), url,
                              _score("u1", "2026-01-01T10:00:01.000Z"), scopes=scopes)
    assert response.status == 204
    assert tokens.requests_made == 2
    statuses = [r["status"] for r in services.record.score_requests]
    assert statuses == [204, 401, 204]

def test_a_second_401_is_the_answer(platform):
    services = platform.services
    lineitem = services.add_lineitem("c1", label="Kurssi")
    services.record.faults["scores"] = Fault(status=401, times=None)
    tokens = _tokens(platform)
    response = ags.post_score(tokens, _endpoint(platform),
                              platform.url("lineitem", context_id="c1", lineitem_id=lineitem),
                              _score("u1", "2026-01-01T10:00:00.000Z"),
                              scopes=ags.score_scopes(False))
    assert response.status == 401
    assert len(services.record.score_requests) == 2 and tokens.requests_made == 2


def test_score_goes_to_the_lineitem_scores_path_with_the_media_type(platform):
    services = platform.services
    lineitem = services.add_lineitem("c1", label="Kurssi")
    url = platform.url("lineitem", context_id="c1", lineitem_id=lineitem) + "?type=x"
    assert ags.scores_url(url).endswith(f"/lineitems/{lineitem}/scores?type=x")
    response = ags.post_score(_tokens(platform), _endpoint(platform), url,
                              _score("u1", "2026-01-01T10:00:00.000Z"),
                              scopes=ags.score_scopes(False))
    assert response.status == 204
    request = services.record.score_requests[-1]
    assert request["content_type"] == ags.SCORE_MEDIA_TYPE
    assert services.record.results(lineitem)["u1"]["scoreGiven"] == 80


def test_token_endpoint_down_comes_back_as_its_answer(platform):
    platform.services.record.faults["token"] = Fault(status=503)
    response = ags.post_score(_tokens(platform), _endpoint(platform),
                              platform.url("lineitem", context_id="c", lineitem_id="1"),
                              _score("u1", "2026-01-01T10:00:00.000Z"),
                              scopes=ags.score_scopes(False))
    assert response.status == 503
    assert platform.services.record.score_requests == []


def test_slow_platform_is_a_timeout_not_a_hang(platform):
    platform.services.record.faults["token"] = Fault(status=None, delay=2.0, times=1)
    tokens = _tokens(platform, timeout=0.5)
    response = call_with_token(tokens, _endpoint(platform), {SCOPE_SCORE}, "GET",
                               platform.base_url + "/tool-jwks")
    assert response.status is None and "no answer within" in response.text


def test_lineitem_is_found_or_created_for_a_link(platform):
    services = platform.services
    tokens = _tokens(platform)
    lineitems_url = platform.url("lineitems", context_id="c1")
    scopes = ags.score_scopes(True)
    created = ags.find_or_create_lineitem(tokens, _endpoint(platform), lineitems_url,
                                          resource_link_id="rl-1", label="Yksikkö 1",
                                          score_maximum=100, tag="unit:u1", scopes=scopes)
    assert created.url and created.url.startswith(lineitems_url + "/")
    assert [r["method"] for r in services.record.lineitem_requests] == ["GET", "POST"]
    assert services.record.lineitem_requests[0]["args"] == {"resource_link_id": "rl-1"}
    found = ags.find_or_create_lineitem(tokens, _endpoint(platform), lineitems_url,
                                        resource_link_id="rl-1", label="Yksikkö 1",
                                        score_maximum=100, tag="unit:u1", scopes=scopes)
    assert found.url == created.url and len(services.record.lineitems) == 1
    # Without the lineitem scope nothing is created.
    missing = ags.find_or_create_lineitem(tokens, _endpoint(platform), lineitems_url,
                                          resource_link_id="rl-2", label="Yksikkö 2",
                                          score_maximum=100, tag="unit:u2",
                                          scopes=ags.score_scopes(False))
    assert missing.url is None and missing.response.status == 403


def test_roster_follows_link_headers(platform):
    services = platform.services
    members = [{"user_id": f"u{n}", "roles": [nrps.LEARNER_ROLE], "name": f"Oppija {n}"}
               for n in range(7)]
    services.set_members("c1", "Verkostojohtaminen 2026", members)
    roster = nrps.fetch_roster(_tokens(platform), _endpoint(platform),
                               platform.url("memberships", context_id="c1"), page_size=3)
    assert roster.error is None and roster.pages == 3
    assert [m.user_id for m in roster.members] == [f"u{n}" for n in range(7)]
    assert roster.context_title == "Verkostojohtaminen 2026"
    assert all(m.is_learner for m in roster.members)
    unknown = nrps.fetch_roster(_tokens(platform), _endpoint(platform),
                                platform.url("memberships", context_id="nope"))
    assert unknown.error is not None and unknown.error.status == 404


def test_network_failure_is_an_answer_without_status():
    from joserfc.jwk import RSAKey
    key = RSAKey.generate_key(2048, parameters={"kid": "k"}, private=True)
    tokens = AccessTokens(lambda: key)
    endpoint = TokenEndpoint(ISSUER, CLIENT_ID, "http://127.0.0.1:9/token")
    response = call_with_token(tokens, endpoint, {SCOPE_SCORE}, "GET", "http://127.0.0.1:9/x")
    assert response.status is None and "ConnectionError" in response.text
