"""A learner launch inside the platform's iframe in real Chromium.  The platform's page is on
``localhost`` and elearn on ``127.0.0.1`` (different sites), so the browser applies its
cross-site cookie rules: with the SameSite=None; Secure session cookie the learner reaches
unit 1 signed in, inside the frame."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.lti.browser_support import loopback_context
from tests.lti.conftest import course, platform, registered, tool, tool_server  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides(tool_server, tmp_path) -> dict:
    return {"PUBLIC_URL": tool_server.url, "COURSE_MEDIA_PATH": str(tmp_path / "media"),
            "WTF_CSRF_ENABLED": True, "LTI_CROSS_SITE_COOKIES": "true"}


def test_learner_launch_in_an_iframe_reaches_unit_1_signed_in(browser, tool, registered,
                                                               course):  # noqa: F811
    platform = registered
    offsite: list[str] = []
    context = loopback_context(browser, [tool, platform.base_url], offsite)
    try:
        page = context.new_page()
        hint = platform.plan(user="moodle-learner-1", locale="fi",
                             custom={"course": course["slug"], "unit": "unit-1"})
        page.goto(platform.course_page_url(hint))
        frame = page.frame_locator("#tool")
        expect(frame.locator("h1")).to_have_text("Unit 1 (fi)")
        expect(frame.locator("form.logout button")).to_be_visible()  # signed in
        inner = page.frames[1]
        assert inner.url.startswith(tool + "/learn/courses/")
        cookies = {c["name"]: c for c in context.cookies(tool)}
        assert cookies["session"]["sameSite"] == "None" and cookies["session"]["secure"]
        # a second page inside the frame keeps the session (the cookie travels cross-site)
        frame.get_by_role("link", name="Omat opinnot").click()
        expect(frame.locator("h1")).to_have_text("Omat opinnot")
    finally:
        context.close()
    assert not offsite, offsite
