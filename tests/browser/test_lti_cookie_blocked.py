"""When the browser refuses elearn's cookie inside the platform's iframe (here: a SameSite=Lax
cookie set in a cross-site frame, which Chromium drops), the learner gets a page with a
button that opens the launch in a new window, and lands there on unit 1, signed in."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.lti.browser_support import loopback_context
from tests.lti.conftest import course, platform, registered, tool, tool_server  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides(tool_server, tmp_path) -> dict:
    return {"PUBLIC_URL": tool_server.url, "COURSE_MEDIA_PATH": str(tmp_path / "media"),
            "WTF_CSRF_ENABLED": True, "LTI_CROSS_SITE_COOKIES": "false"}


def test_blocked_cookie_offers_a_new_window(browser, tool, registered,
                                            course):  # noqa: F811
    platform = registered
    offsite: list[str] = []
    context = loopback_context(browser, [tool, platform.base_url], offsite)
    try:
        page = context.new_page()
        hint = platform.plan(user="moodle-learner-2", locale="fi",
                             custom={"course": course["slug"], "unit": "unit-1"})
        page.goto(platform.course_page_url(hint))
        frame = page.frame_locator("#tool")
        button = frame.locator("#open-new-window")
        expect(button).to_have_text("Avaa uuteen ikkunaan")
        with page.expect_popup() as opened:
            button.click()
        window = opened.value
        expect(window.locator("h1")).to_have_text("Unit 1 (fi)")
        expect(window.locator("form.logout button")).to_be_visible()
    finally:
        context.close()
    assert not offsite, offsite
