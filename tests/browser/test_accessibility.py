"""axe-core (the copy bundled with axe-playwright-python, injected from disk) on every
learner page, in the states learners meet them: no serious or critical violations, one h1,
a title naming the page.  Runs in Finnish, the primary language, and spot-checks Swedish."""
from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from elearn.content.importer import import_courses
from tests.browser.conftest import sign_in
from tests.browser.support import scan
from tests.conftest import TEST_PASSWORD
from tests.factories import make_course_version

pytestmark = pytest.mark.browser

FIXTURE_COURSES = Path(__file__).resolve().parents[1] / "fixtures" / "courses" / "valid"
REFLECTION = "Verkostossani tärkeintä on luottamus ja yhteinen tavoite."


def _answer_all(page, correct: bool) -> None:
    if correct:
        page.get_by_label("Right choice (fi)").check()
        page.get_by_label("Right 1 (fi)").check()
        page.get_by_label("Right 2 (fi)").check()
        page.get_by_label("Tosi", exact=True).check()
        for n in (1, 2, 3):
            page.get_by_label(f"Source {n} (fi)").select_option(label=f"Target {n} (fi)")
        order = ("First", "Second", "Third")
    else:
        page.get_by_label("Wrong choice (fi)", exact=True).check()
        page.get_by_label("Wrong (fi)", exact=True).check()
        page.get_by_label("Epätosi", exact=True).check()
        for n in (1, 2, 3):
            page.get_by_label(f"Source {n} (fi)").select_option(label=f"Target {n % 3 + 1} (fi)")
        order = ("Third", "Second", "First")
    for position, item in enumerate(order, start=1):
        page.get_by_label(f"{item} (fi)").select_option(str(position))
    page.get_by_role("button", name="Lähetä vastaukset").click()


def test_every_learner_page_passes_axe(app, make_user, new_page):
    with app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="testikurssi", units=2, min_length=20)
    learner = make_user("learner", display_name="Liisa Oppija")
    page = new_page("fi-FI")
    scanned = []

    def check(name: str) -> None:
        scan(page, name)
        scanned.append(name)

    page.goto("/login")
    check("login")
    page.fill("#username", learner.username)
    page.fill("#password", "wrong password!")
    page.locator("main form button[type=submit]").click()
    check("login-failed")
    sign_in(page, learner.username, TEST_PASSWORD)
    check("dashboard-empty")
    page.goto("/learn/courses")
    check("catalogue")
    page.goto("/learn/courses/testikurssi")
    check("overview-not-started")
    page.get_by_role("button", name="Aloita kurssi").click()
    check("unit")
    page.get_by_role("button", name="Lähetä vastaukset").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check("unit-quiz-errors")
    _answer_all(page, correct=False)
    expect(page.locator("#outcome")).to_contain_text("Ei vielä hyväksytty")
    check("result-failed")
    page.get_by_role("link", name="Yritä uudelleen").click()
    _answer_all(page, correct=True)
    check("result-passed")
    page.get_by_role("link", name="Jatka pohdintatehtävään").click()
    page.get_by_label("Reflect 1.1 (fi)").fill("Liian lyhyt")
    page.get_by_role("button", name="Tallenna pohdinta").click()
    check("unit-reflection-error")
    page.get_by_label("Reflect 1.1 (fi)").fill(REFLECTION)
    page.get_by_role("button", name="Tallenna pohdinta").click()
    check("unit-complete")
    page.goto("/learn/courses/testikurssi")
    check("overview-in-progress")
    page.goto("/learn/dashboard")
    check("dashboard-in-progress")
    page.goto("/learn/courses/testikurssi/units/unit-2")
    _answer_all(page, correct=True)
    page.get_by_role("link", name="Jatka pohdintatehtävään").click()
    page.get_by_label("Reflect 2.1 (fi)").fill(REFLECTION)
    page.get_by_role("button", name="Tallenna pohdinta").click()
    page.goto("/learn/courses/testikurssi/completion")
    expect(page.locator("h1")).to_contain_text("Kurssi suoritettu")
    check("completion")
    page.goto("/learn/reflections")
    check("reflections")
    page.goto("/learn/courses/no-such-course")
    check("error-404")
    page.get_by_role("button", name="svenska").click()
    page.goto("/learn/courses/testikurssi/units/unit-1")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    check("unit-swedish")

    trainer = make_user("trainer")
    other = new_page("fi-FI")
    other.goto("/login")
    other.fill("#username", trainer.username)
    other.fill("#password", TEST_PASSWORD)
    other.locator("main form button[type=submit]").click()
    other.goto("/learn/dashboard")
    expect(other.locator("h1")).to_have_text("Ei käyttöoikeutta")
    scan(other, "error-403")
    scanned.append("error-403")
    assert len(scanned) == 18


def test_unit_with_imported_course_content_passes_axe(app, make_user, new_page):
    """The fixture course through the real importer: Markdown-rendered content, images with
    alt text, tables, links."""
    with app.extensions["elearn.db"].session_scope() as session:
        results = import_courses(session, FIXTURE_COURSES,
                                 media_dir=app.config["COURSE_MEDIA_PATH"])
        slug = results[0].slug
    learner = make_user("learner")
    page = new_page("fi-FI")
    sign_in(page, learner.username, TEST_PASSWORD)
    page.goto(f"/learn/courses/{slug}")
    scan(page, "imported-overview")
    page.locator("form.card button[type=submit]").click()
    expect(page.locator(".unit-content")).not_to_be_empty()
    assert f"/learn/courses/{slug}/units/" in page.url
    scan(page, "imported-unit")
    images = page.locator(".unit-content img")
    for index in range(images.count()):
        assert images.nth(index).get_attribute("alt"), "content image without alt text"
        assert images.nth(index).evaluate("img => img.naturalWidth") > 0, "image did not load"
