"""A learner launch inside the platform's iframe in real Chromium.  The platform's page is on
``localhost`` and elearn on ``127.0.0.1`` (different sites), so the browser applies its
cross-site cookie rules: with the SameSite=None; Secure session cookie the learner reaches
unit 1 signed in, inside the frame, passes unit 1 there, and the delivery worker puts the
learner's score in the platform's gradebook."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.lti.browser_support import loopback_context
from tests.lti.conftest import course, platform, registered, tool, tool_server  # noqa: F401
from tests.lti.passback_platform import service_claims, services  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides(tool_server, tmp_path) -> dict:
    return {"PUBLIC_URL": tool_server.url, "COURSE_MEDIA_PATH": str(tmp_path / "media"),
            "WTF_CSRF_ENABLED": True, "LTI_CROSS_SITE_COOKIES": "true"}


def test_learner_launch_in_an_iframe_reaches_unit_1_signed_in(app, browser, tool, services,
                                                               registered,
                                                               course):  # noqa: F811
    platform = registered
    lineitem = services.add_lineitem("moodle-course-7", label="Yksikkö 1",
                                     resource_link_id="resource-link-1")
    offsite: list[str] = []
    context = loopback_context(browser, [tool, platform.base_url], offsite)
    try:
        page = context.new_page()
        hint = platform.plan(user="moodle-learner-1", locale="fi",
                             custom={"course": course["slug"], "unit": "unit-1"},
                             extra_claims=service_claims(services, "moodle-course-7",
                                                         lineitem))
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

        # Pass unit 1 inside the frame: every question answered right, then the reflection.
        frame.get_by_role("link", name=f"Course {course['slug']} (fi)").first.click()
        frame.get_by_role("link", name="Unit 1 (fi)").first.click()
        expect(frame.locator("h1")).to_have_text("Unit 1 (fi)")
        frame.get_by_label("Right choice (fi)").check()
        frame.get_by_label("Right 1 (fi)").check()
        frame.get_by_label("Right 2 (fi)").check()
        frame.get_by_label("Tosi", exact=True).check()
        for n in (1, 2, 3):
            frame.get_by_label(f"Source {n} (fi)").select_option(label=f"Target {n} (fi)")
        for position, item in enumerate(("First", "Second", "Third"), start=1):
            frame.get_by_label(f"{item} (fi)").select_option(str(position))
        frame.get_by_role("button", name="Lähetä vastaukset").click()
        expect(frame.locator("#outcome")).to_contain_text("Hyväksytty")
        frame.get_by_role("link", name="Jatka pohdintatehtävään").click()
        frame.get_by_label("Reflect 1.1 (fi)").fill("Verkostossa luottamus syntyy teoista.")
        frame.get_by_role("button", name="Tallenna pohdinta").click()
        expect(frame.locator(".saved-status")).to_contain_text("Pohdintasi tallennettiin.")
    finally:
        context.close()
    assert not offsite, offsite
    assert services.record.score_requests == []  # nothing was sent while the learner worked
    result = app.test_cli_runner().invoke(args=["xapi", "worker", "--once"])
    assert result.exit_code == 0, result.output
    score = services.record.results(lineitem)["moodle-learner-1"]
    assert (score["scoreGiven"], score["scoreMaximum"]) == (100.0, 100)
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed",
                                                                    "FullyGraded")
