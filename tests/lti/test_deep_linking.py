"""Deep linking: a teacher's picker in their language, the signed LtiDeepLinkingResponse
the test platform verifies against elearn's JWKS, and the chosen unit then launching."""
from __future__ import annotations

import html
import re

import requests

from tests.lti.platform.server import INSTRUCTOR
from tests.lti.support import launch, login, post_launch


def _hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def open_picker(platform, locale="sv") -> tuple[requests.Session, str]:
    browser = requests.Session()
    hint = platform.plan(user="teacher-9", roles=[INSTRUCTOR],
                         message_type="LtiDeepLinkingRequest", locale=locale)
    answer = post_launch(browser, login(browser, platform, hint))
    assert answer.status_code == 200, answer.text[:800]
    return browser, answer.text


def choose(browser, tool, page: str, item: str) -> requests.Response:
    return browser.post(f"{tool}/lti/deep-link", data={"context": _hidden(page, "context"),
                                                       "item": item}, timeout=10)


def send_to_platform(answer: requests.Response) -> requests.Response:
    action = html.unescape(re.search(r'action="([^"]*)" data-autosubmit', answer.text).group(1))
    return requests.post(action, data={"JWT": _hidden(answer.text, "JWT")}, timeout=10)


def test_teacher_picks_a_unit_and_it_launches(tool, registered, course):
    platform = registered
    browser, picker = open_picker(platform, locale="sv")
    assert '<html lang="sv">' in picker
    assert "Välj vad som ska läggas till" in picker  # the picker speaks the teacher's language
    answer = choose(browser, tool, picker, f"unit:{course['slug']}:unit-2")
    assert answer.status_code == 200
    assert platform.base_url in answer.headers["Content-Security-Policy"]  # form-action
    assert send_to_platform(answer).status_code == 200, platform.state.deep_link_refusals
    [response] = platform.state.deep_link_responses
    [item] = response["items"]
    assert item["type"] == "ltiResourceLink"
    assert item["custom"] == {"course": course["slug"], "unit": "unit-2"}
    assert item["lineItem"]["scoreMaximum"] == 100 and item["lineItem"]["label"]
    assert response["claims"]["https://purl.imsglobal.org/spec/lti/claim/message_type"] \
        == "LtiDeepLinkingResponse"

    learner = requests.Session()
    landed = launch(learner, platform, platform.plan(user="learner-3", custom=item["custom"],
                                                     resource_link_id="from-deep-link"))
    assert landed.status_code == 303
    page = learner.get(tool + landed.headers["Location"], timeout=10)
    assert page.url.endswith(f"/learn/courses/{course['slug']}/units/unit-2")


def test_picker_refuses_a_forged_context_and_a_missing_choice(tool, registered, course):
    platform = registered
    browser, picker = open_picker(platform, locale="fi")
    forged = browser.post(f"{tool}/lti/deep-link", data={
        "context": _hidden(picker, "context") + "x", "item": f"course:{course['slug']}"},
        timeout=10)
    assert forged.status_code == 400
    missing = choose(browser, tool, picker, "")
    assert missing.status_code == 400 and 'id="item-error"' in missing.text
    unknown = choose(browser, tool, picker, "unit:no-such:unit-1")
    assert unknown.status_code == 400
    assert platform.state.deep_link_responses == []


def test_learner_cannot_open_the_picker(registered, course):
    platform = registered
    browser = requests.Session()
    answer = post_launch(browser, login(browser, platform, platform.plan(
        user="learner-1", message_type="LtiDeepLinkingRequest")))
    assert answer.status_code == 403 and 'id="failed-check">role<' in answer.text
