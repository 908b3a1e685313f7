"""Every refused launch: a 4xx page naming the failed check, one log line without the
token's contents, and nothing created (no account, identity, enrolment, link or nonce)."""
from __future__ import annotations

import base64
import json
import logging
import re

import pytest
import requests
from sqlalchemy import func, select

from elearn.lti.models import (LtiIdentity, LtiLaunchLink, LtiLoginState, LtiNonce,
                               LtiPlatform, LtiResourceLink)
from elearn.models import Enrolment, User
from tests.lti.support import launch, login, post_launch

SUB = "moodle-sub-7"


def _created(db_session) -> dict[str, int]:
    db_session.expire_all()
    return {model.__name__: db_session.scalar(select(func.count()).select_from(model))
            for model in (User, LtiIdentity, Enrolment, LtiResourceLink, LtiLaunchLink,
                          LtiNonce)}


NOTHING = {"User": 0, "LtiIdentity": 0, "Enrolment": 0, "LtiResourceLink": 0,
           "LtiLaunchLink": 0, "LtiNonce": 0}


def _check_of(response: requests.Response) -> str:
    match = re.search(r'id="failed-check">([^<]+)<', response.text)
    assert match, response.text[:500]
    return match.group(1)


def _assert_refused(response, check, status, caplog, db_session, token: str | None = None):
    assert response.status_code == status, response.text[:500]
    assert _check_of(response) == check
    lines = [r.getMessage() for r in caplog.records if r.name == "elearn.lti"
             and "refused" in r.getMessage()]
    assert any(f"check={check}" in line for line in lines), lines
    if token:
        payload = token.split(".")[1]
        for line in lines:
            assert token not in line and payload not in line and SUB not in line
    assert _created(db_session) == NOTHING


PLANS = {
    "expired_token": dict(lifetime=-600),
    "wrong_audience": dict(override={"aud": "someone-else"}),
    "azp": dict(override={"azp": "someone-else"}),
    "missing_sub": dict(drop=["sub"]),
    "missing_roles": dict(drop=["https://purl.imsglobal.org/spec/lti/claim/roles"]),
    "missing_resource_link": dict(drop=["https://purl.imsglobal.org/spec/lti/claim/"
                                        "resource_link"]),
    "unknown_deployment": dict(override={"https://purl.imsglobal.org/spec/lti/claim/"
                                         "deployment_id": "not-registered"}),
    "bad_signature_unknown_key": dict(rogue_key=True),
    "unsupported_message_type": dict(override={"https://purl.imsglobal.org/spec/lti/claim/"
                                               "message_type": "LtiSubmissionReviewRequest"}),
    "unsupported_version": dict(override={"https://purl.imsglobal.org/spec/lti/claim/"
                                          "version": "1.1"}),
    "nonce_mismatch": dict(nonce="not-the-tools-nonce"),
    "issuer": dict(override={"iss": "https://other.example"}),
}
EXPECTED = {"missing_sub": "missing_claim", "missing_roles": "missing_claim",
            "missing_resource_link": "missing_claim", "azp": "wrong_audience",
            "bad_signature_unknown_key": "bad_signature", "issuer": "unknown_issuer"}


@pytest.mark.parametrize("case", sorted(PLANS))
def test_bad_token_is_refused_and_creates_nothing(case, registered, course, caplog,
                                                  db_session):
    caplog.set_level(logging.INFO, logger="elearn.lti")
    platform = registered
    hint = platform.plan(user=SUB, custom={"course": course["slug"]}, **PLANS[case])
    browser = requests.Session()
    post = login(browser, platform, hint)
    answer = post_launch(browser, post)
    _assert_refused(answer, EXPECTED.get(case, case), 400, caplog, db_session, post.id_token)


def test_signature_by_another_key_under_the_platforms_kid(registered, course, caplog,
                                                          db_session):
    platform = registered
    hint = platform.plan(user=SUB, custom={"course": course["slug"]}, rogue_key=True,
                         claimed_kid=platform.signing_key.kid)
    browser = requests.Session()
    post = login(browser, platform, hint)
    _assert_refused(post_launch(browser, post), "bad_signature", 400, caplog, db_session,
                    post.id_token)


def test_unsigned_token_is_refused(registered, course, caplog, db_session):
    platform = registered
    browser = requests.Session()
    post = login(browser, platform, platform.plan(user=SUB, custom={"course": course["slug"]}))
    header, payload, _signature = post.id_token.split(".")
    unsigned = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).decode() \
        .rstrip("=") + "." + payload + "."
    _assert_refused(post_launch(browser, post, id_token=unsigned), "unsupported_algorithm",
                    400, caplog, db_session)
    # the genuine token still launches once: the refusal spent nothing
    assert post_launch(browser, post).status_code == 303


def test_replayed_id_token_is_refused(registered, course, caplog, db_session):
    platform = registered
    browser = requests.Session()
    post = login(browser, platform, platform.plan(user=SUB, custom={"course": course["slug"]}))
    assert post_launch(browser, post).status_code == 303
    accepted = _created(db_session)
    # the same form again: its state is spent
    again = post_launch(requests.Session(), post)
    assert again.status_code == 400 and _check_of(again) == "state"
    # the same token with a fresh state from a new login: its nonce was used
    fresh = login(requests.Session(), platform,
                  platform.plan(user=SUB, custom={"course": course["slug"]}))
    replay = post_launch(requests.Session(), fresh, id_token=post.id_token)
    assert replay.status_code == 400 and _check_of(replay) == "nonce_reused"
    assert _created(db_session) == accepted


def test_forged_or_missing_state_is_refused(registered, course, caplog, db_session):
    platform = registered
    browser = requests.Session()
    post = login(browser, platform, platform.plan(user=SUB, custom={"course": course["slug"]}))
    _assert_refused(post_launch(browser, post, state="forged"), "state", 400, caplog,
                    db_session, post.id_token)
    _assert_refused(post_launch(browser, post, state=""), "state", 400, caplog, db_session)
    _assert_refused(post_launch(browser, post, id_token=""), "missing_id_token", 400,
                    caplog, db_session)


def test_unknown_issuer_at_login(tool, registered, caplog, db_session):
    answer = requests.get(f"{tool}/lti/login", params={
        "iss": "https://unknown.example", "login_hint": "x",
        "target_link_uri": f"{tool}/lti/launch"}, allow_redirects=False, timeout=10)
    _assert_refused(answer, "unknown_issuer", 400, caplog, db_session)
    assert db_session.scalar(select(func.count(LtiLoginState.id))) == 0


def test_unapproved_platform_is_refused_at_login_and_at_launch(app, registered, course,
                                                               caplog, db_session):
    platform = registered
    browser = requests.Session()
    post = login(browser, platform, platform.plan(user=SUB, custom={"course": course["slug"]}))
    with app.extensions["elearn.db"].session_scope() as session:
        session.scalar(select(LtiPlatform)).status = "pending"
    _assert_refused(post_launch(browser, post), "platform_not_approved", 403, caplog,
                    db_session, post.id_token)
    first = browser.get(platform.login_initiation_url(platform.plan(user=SUB)),
                        allow_redirects=False, timeout=10)
    _assert_refused(first, "platform_not_approved", 403, caplog, db_session)


def test_launch_naming_an_unknown_course_is_refused(registered, course, caplog, db_session):
    platform = registered
    answer = launch(requests.Session(), platform,
                    platform.plan(user=SUB, custom={"course": "no-such-course"}))
    _assert_refused(answer, "unknown_course", 404, caplog, db_session)


def test_simultaneous_posts_of_one_launch_pass_once(registered, course, db_session):
    """Two posts of the same form at once (a double click, a replay racing the original):
    one launch, one refusal, never a server error."""
    import threading
    platform = registered
    post = login(requests.Session(), platform,
                 platform.plan(user=SUB, custom={"course": course["slug"]}))
    answers: list[int] = []
    barrier = threading.Barrier(2)

    def send():
        barrier.wait()
        answers.append(post_launch(requests.Session(), post).status_code)

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(answers) == [303, 400]
    assert _created(db_session)["LtiNonce"] == 1
    assert _created(db_session)["User"] == 1
