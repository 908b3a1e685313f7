"""What a learner (and staff) meet on small and large screens, in real Chromium: no page
scrolls sideways at 320 CSS px (WCAG 1.4.10), wide tables scroll in their own region, the
header keeps one row at 1280 px and wraps at 200 % text, choice controls keep their size when
labels wrap, the continue link leads to the first unfinished unit, and a saved reflection is
confirmed where the learner is."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from elearn import PROJECT_ROOT
from elearn.content.importer import import_courses
from elearn.models import User
from elearn.services import learning
from tests.browser.conftest import sign_in
from tests.conftest import TEST_PASSWORD
from tests.factories import make_course_version
from tests.reports.cohort import build_cohort
from tests.services.support import pass_unit
from tests.trainer.test_analytics import _attempt, _learner

pytestmark = pytest.mark.browser

REAL_COURSES = PROJECT_ROOT / "courses"
OVERFLOW = """(() => {
  const root = document.documentElement;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
    .filter(e => !e.closest('.table-scroll, .visually-hidden'))
    .slice(0, 3).map(e => e.tagName + '.' + e.className);
  return [root.scrollWidth, root.clientWidth, wide];
})()"""


def assert_no_sideways_scroll(page: Page, name: str) -> None:
    scroll_width, client_width, wide = page.evaluate(OVERFLOW)
    assert scroll_width <= client_width, \
        f"{name}: the page scrolls sideways ({scroll_width} > {client_width}): {wide}"


def _narrow(page: Page, width: int = 320) -> None:
    page.set_viewport_size({"width": width, "height": 640})


def _nav_links(page: Page) -> list[str]:
    return page.eval_on_selector_all(
        "header nav a, header .header-tools a",
        "links => links.map(a => new URL(a.href).pathname)")


def _every_nav_page_reflows(page: Page, role: str) -> list[str]:
    seen = []
    for path in _nav_links(page):
        page.goto(path)
        assert_no_sideways_scroll(page, f"{role} {path}")
        seen.append(path)
    return seen


def test_learner_pages_of_the_real_course_reflow_at_320_px(app, make_user, new_page):
    with app.extensions["elearn.db"].session_scope() as session:
        import_courses(session, REAL_COURSES, media_dir=Path(app.config["COURSE_MEDIA_PATH"]))
    learner = make_user("learner")
    page = new_page("fi-FI")
    sign_in(page, learner.username, TEST_PASSWORD)
    _narrow(page)
    page.goto("/learn/courses")
    page.get_by_role("link", name=re.compile("Verkostotyö")).first.click()
    assert_no_sideways_scroll(page, "overview")
    page.get_by_role("button", name="Aloita kurssi").click()
    page.goto("/learn/courses/verkostojohtaminen")
    unit_paths = sorted(set(page.eval_on_selector_all(
        "main a[href*='/units/']", "a => a.map(x => x.pathname)")))
    assert len(unit_paths) == 8
    for path in unit_paths:
        page.goto(path)
        assert_no_sideways_scroll(page, path)
    page.goto("/learn/courses/verkostojohtaminen/units/miksi-verkostot")
    assert page.locator(".unit-content table").count() >= 1, "unit 1's table of key concepts"
    page.get_by_role("button", name="SV").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    assert_no_sideways_scroll(page, "unit 1 in Swedish")
    for path in _every_nav_page_reflows(page, "learner"):
        assert path.startswith("/learn/")


def test_staff_pages_reflow_at_320_px(app, make_user, new_page):
    with app.extensions["elearn.db"].session_scope() as session:
        build_cohort(session)
        version = make_course_version(session, slug="analytiikka", units=1,
                                      question_types=("single_choice", "matching"))
        for n in range(6):
            enrolment = _learner(session, n, version)
            _attempt(session, enrolment, version.units[0], 1, {"single_choice": "b"}, False)
            _attempt(session, enrolment, version.units[0], 2, {}, True)
    for role in ("trainer", "hr", "admin"):
        user = make_user(role)
        page = new_page("fi-FI")
        sign_in_staff(page, user.username)
        _narrow(page)
        seen = _every_nav_page_reflows(page, role)
        assert seen
        if role == "trainer":
            page.goto("/trainer/analytics/analytiikka/1")
            assert_no_sideways_scroll(page, "trainer analytics")
            region = page.locator(".table-scroll").first
            assert region.get_attribute("tabindex") == "0"
            assert region.evaluate("e => e.scrollWidth > e.clientWidth"), \
                "the questions table scrolls inside its own region"
        if role == "hr":
            page.goto("/hr/reports/completions?per_page=2")
            assert_no_sideways_scroll(page, "hr report")


def sign_in_staff(page: Page, username: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.fixture
def course(app):
    with app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="testikurssi", units=3, min_length=20)


def test_continue_link_leads_to_the_next_unit_once_one_is_complete(app, course, make_user,
                                                                     new_page):
    learner = make_user("learner")
    with app.app_context(), app.extensions["elearn.db"].session_scope() as session:
        user = session.get(User, learner.id)
        enrolment = learning.enrol(session, user, "testikurssi")
        pass_unit(session, enrolment, "unit-1", text="Pohdinta, joka on tarpeeksi pitkä.")
    page = new_page("fi-FI")
    sign_in(page, learner.username, TEST_PASSWORD)
    link = page.get_by_role("link", name=re.compile("Jatka siitä, mihin jäit"))
    expect(link).to_have_attribute("href", "/learn/courses/testikurssi/units/unit-2")
    page.goto("/learn/courses/testikurssi")
    expect(link).to_have_attribute("href", "/learn/courses/testikurssi/units/unit-2")
    link.click()
    expect(page.locator("h1")).to_have_text("Unit 2 (fi)")


def test_saved_reflection_is_confirmed_where_the_learner_is(app, course, make_user,
                                                            new_page):
    learner = make_user("learner")
    page = new_page("fi-FI")
    sign_in(page, learner.username, TEST_PASSWORD)
    page.goto("/learn/courses/testikurssi")
    page.get_by_role("button", name="Aloita kurssi").click()
    page.get_by_label("Reflect 1.1 (fi)").fill("Verkostossani tärkeintä on luottamus.")
    page.get_by_role("button", name="Tallenna pohdinta").click()
    status = page.locator("#reflection-r1-status")
    expect(status).to_contain_text("Pohdintasi tallennettiin.")
    assert page.url.endswith("#reflection-r1-status")
    box = status.bounding_box()
    assert box and 0 <= box["y"] and box["y"] + box["height"] <= 900, \
        "the confirmation is on screen without scrolling"
    assert page.evaluate("document.activeElement.id") == "reflection-r1-status"
    assert status.get_attribute("role") == "status"
    assert page.locator(".flashes").count() == 0, "not repeated at the top, off-screen"
    page.reload()
    expect(status).not_to_contain_text("Pohdintasi tallennettiin.")  # said once
    expect(status).to_contain_text("Tallennettu")  # when it was saved stays


def test_choice_controls_keep_their_size_when_labels_wrap(app, course, make_user, new_page):
    learner = make_user("learner")
    page = new_page("fi-FI")
    sign_in(page, learner.username, TEST_PASSWORD)
    page.goto("/learn/courses/testikurssi")
    page.get_by_role("button", name="Aloita kurssi").click()
    _narrow(page)
    page.eval_on_selector_all(
        ".choice label", "labels => labels.forEach(l => l.textContent += ' ' + "
        "'pitkä selitys, joka rivittyy usealle riville kapealla näytöllä '.repeat(4))")
    sizes = page.eval_on_selector_all(
        ".choice input", "inputs => inputs.map(i => [i.getBoundingClientRect().width, "
        "i.getBoundingClientRect().height, i.nextElementSibling.getBoundingClientRect().height])")
    assert sizes and all(label > 2 * 18 for _w, _h, label in sizes), "labels wrap"
    assert {(round(w), round(h)) for w, h, _label in sizes} == {(18, 18)}


@pytest.mark.parametrize("language", ["fi-FI", "sv-SE"])
def test_staff_menus_keep_one_row_of_their_own_at_1280_px(app, make_user, new_page, language):
    """Trainers and admins see more entries than fit beside the brand and tools: their menu
    takes a row of its own under them, and that row does not wrap."""
    for role in ("trainer", "admin"):
        user = make_user(role, display_name="Maija Meikäläinen")
        page = new_page(language)
        page.set_viewport_size({"width": 1280, "height": 800})
        sign_in_staff(page, user.username)
        menu_tops = page.eval_on_selector_all(
            "header nav a", "links => links.map(a => Math.round(a.getBoundingClientRect().top))")
        assert len(menu_tops) >= 5, role
        assert len(set(menu_tops)) == 1, f"{role}: the menu wraps at 1280 px"
        brand, tools = (page.eval_on_selector(
            selector, "e => Math.round(e.getBoundingClientRect().top)")
            for selector in (".brand", ".header-tools"))
        assert abs(brand - tools) < 20 and menu_tops[0] > brand, role
        assert_no_sideways_scroll(page, f"{role} at 1280 px")
        # The person's own data sits beside their name, not in the work menu.
        assert page.locator(".header-tools a[href='/learn/my-data']").count() == 1
        assert page.locator("header nav a[href='/learn/my-data']").count() == 0


def test_header_keeps_one_row_at_1280_px_and_wraps_at_200_percent_text(
        app, course, make_user, new_page):
    for role in ("learner", "hr"):
        user = make_user(role, display_name="Maija Meikäläinen")
        page = new_page("fi-FI")
        page.set_viewport_size({"width": 1280, "height": 800})
        sign_in_staff(page, user.username)
        tops = page.eval_on_selector_all(
            ".header-row > *", "items => items.map(e => Math.round(e.getBoundingClientRect().top))")
        rows = page.eval_on_selector_all(
            ".header-row > *", "items => items.map(e => e.getBoundingClientRect().height)")
        assert len(tops) == 3
        assert max(tops) - min(tops) < min(rows), f"{role}: the header wraps at 1280 px"
        # 200 % text at 1280 px: language buttons and tools wrap instead of overflowing
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        assert_no_sideways_scroll(page, f"{role} at 200 % text")
        buttons = page.locator(".language-switch button")
        assert buttons.count() == 3
        page.set_viewport_size({"width": 640, "height": 400})  # 1280 px zoomed to 200 %
        assert_no_sideways_scroll(page, f"{role} at 200 % text, 640 px")
        rights = buttons.evaluate_all("bs => bs.map(b => b.getBoundingClientRect().right)")
        assert max(rights) <= 640
