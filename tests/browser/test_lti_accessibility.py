"""axe-core on the LTI pages people meet: the deep-linking picker (and choosing by keyboard),
a refused launch, the new-window page, and /admin/lti with a pending platform: no serious or
critical violations, one h1, a title naming the page."""
from __future__ import annotations

import pytest
import requests
from playwright.sync_api import expect

from tests.browser.support import scan
from tests.conftest import TEST_PASSWORD
from tests.lti.browser_support import loopback_context
from tests.lti.conftest import course, platform, registered, tool, tool_server  # noqa: F401
from tests.lti.platform.server import INSTRUCTOR
from tests.lti.support import launch

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides(tool_server, tmp_path) -> dict:  # noqa: F811
    return {"PUBLIC_URL": tool_server.url, "COURSE_MEDIA_PATH": str(tmp_path / "media"),
            "WTF_CSRF_ENABLED": True}


def test_lti_pages_are_accessible(browser, tool, registered, course,  # noqa: F811
                                  make_user):
    platform = registered
    offsite: list[str] = []
    context = loopback_context(browser, [tool, platform.base_url], offsite)
    try:
        page = context.new_page()
        page.goto(platform.login_initiation_url(platform.plan(
            user="teacher-1", roles=[INSTRUCTOR], message_type="LtiDeepLinkingRequest",
            locale="fi")))
        expect(page.locator("h1")).to_have_text("Valitse lisättävä sisältö")
        scan(page, "lti-picker")
        page.locator("#item-verkostot-unit-1").focus()
        page.keyboard.press("Space")
        page.locator("#add-item").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#added")).to_be_visible()  # the platform accepted the answer
        assert platform.state.deep_link_responses[0]["items"][0]["custom"]["unit"] == "unit-1"

        page.goto(f"{tool}/lti/login?iss=https%3A%2F%2Funknown.example&login_hint=x"
                  f"&target_link_uri={tool}/lti/launch")
        expect(page.locator("#failed-check")).to_have_text("unknown_issuer")
        scan(page, "lti-refused")

        answer = launch(requests.Session(), platform, platform.plan(
            user="learner-1", custom={"course": course["slug"]}))
        page.goto(tool + answer.headers["Location"])  # a browser without the session cookie
        expect(page.locator("#open-new-window")).to_be_visible()
        scan(page, "lti-new-window")

        admin = make_user("admin")
        page.goto(f"{tool}/login")
        page.fill("#username", admin.username)
        page.fill("#password", TEST_PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.goto(f"{tool}/admin/lti")
        expect(page.locator("#tool-config")).to_contain_text(f"{tool}/lti/jwks")
        scan(page, "lti-admin")
    finally:
        context.close()
    assert not offsite, offsite
