"""Keys rotate with launches in flight: the tool's own key (deep-linking responses signed
before a rotation still verify, retired keys no longer do) and the platform's key (the tool
fetches the platform's JWKS again when a token names a kid it has not seen)."""
from __future__ import annotations

import html
import re

import requests
from joserfc import jws

from tests.lti.support import LaunchPost, field_value, launch, login, post_launch
from tests.lti.test_deep_linking import choose, open_picker, send_to_platform, _hidden


def _kid(answer: requests.Response) -> str:
    return jws.extract_compact(_hidden(answer.text, "JWT").encode()).protected["kid"]


def test_tool_key_rotation_with_a_deep_link_in_flight(app, tool, registered, course):
    platform = registered
    runner = app.test_cli_runner()
    browser, picker = open_picker(platform)
    before = choose(browser, tool, picker, f"course:{course['slug']}")
    old_kid = _kid(before)

    rotated = runner.invoke(args=["lti", "keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    jwks = requests.get(f"{tool}/lti/jwks", timeout=10).json()
    assert len(jwks["keys"]) == 2 and jwks["keys"][1]["kid"] == old_kid
    assert all("d" not in key for key in jwks["keys"])  # public halves only

    # Signed before the rotation, verified after it: the old key is still published.
    assert send_to_platform(before).status_code == 200, platform.state.deep_link_refusals
    after = choose(browser, tool, picker, f"unit:{course['slug']}:unit-1")
    assert _kid(after) != old_kid
    assert send_to_platform(after).status_code == 200, platform.state.deep_link_refusals

    # The signing key cannot be retired; the old one can, and then no longer verifies.
    assert runner.invoke(args=["lti", "keys", "retire", _kid(after)]).exit_code == 2
    assert runner.invoke(args=["lti", "keys", "retire", old_kid]).exit_code == 0
    assert [k["kid"] for k in requests.get(f"{tool}/lti/jwks", timeout=10).json()["keys"]] \
        == [_kid(after)]
    assert send_to_platform(before).status_code == 400
    listed = runner.invoke(args=["lti", "keys", "list"]).output
    assert "signing" in listed and "retired" in listed


def test_platform_key_rotation_with_a_launch_in_flight(registered, course):
    platform = registered
    custom = {"course": course["slug"]}
    assert launch(requests.Session(), platform, platform.plan(custom=custom)).status_code == 303
    fetched = len(platform.state.jwks_fetches)
    # The tool's login is done (state issued) when the platform rotates its key; the
    # token then comes signed by a key the tool's cached JWKS does not hold.
    browser = requests.Session()
    first = browser.get(platform.login_initiation_url(platform.plan(user="u2", custom=custom)),
                        allow_redirects=False, timeout=10)
    new_key = platform.rotate_key()
    answer = browser.get(first.headers["Location"], allow_redirects=False, timeout=10)
    post = LaunchPost(html.unescape(re.search(r'action="([^"]*)"', answer.text).group(1)),
                      field_value(answer.text, "id_token"), field_value(answer.text, "state"))
    assert jws.extract_compact(post.id_token.encode()).protected["kid"] == new_key.kid
    launched = post_launch(browser, post)
    assert launched.status_code == 303, launched.text[:500]
    assert len(platform.state.jwks_fetches) == fetched + 1
    # later launches reuse the refreshed key set
    post = login(requests.Session(), platform, platform.plan(user="u3", custom=custom))
    assert post_launch(requests.Session(), post).status_code == 303
    assert len(platform.state.jwks_fetches) == fetched + 1
