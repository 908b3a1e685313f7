"""A learner's journey in real Chromium: sign in, complete a unit in Finnish (every question
type, the reflection), see progress change, switch to Swedish; and the same quiz done with
the keyboard alone."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.support import choose_with_arrows, focused_id, keep_screenshot, tab_to
from tests.conftest import TEST_PASSWORD
from tests.factories import make_course_version

pytestmark = pytest.mark.browser

REFLECTION = "Verkostossani tärkeintä on luottamus ja yhteinen tavoite."


@pytest.fixture
def course(app):
    with app.extensions["elearn.db"].session_scope() as session:
        make_course_version(session, slug="testikurssi", units=2, min_length=20)


def _start_course(page) -> None:
    page.get_by_role("link", name="Kurssit").first.click()
    page.get_by_role("link", name="Course testikurssi (fi)").click()
    page.get_by_role("button", name="Aloita kurssi").click()
    expect(page.locator("h1")).to_have_text("Unit 1 (fi)")


def test_learner_completes_a_unit_in_finnish_and_switches_to_swedish(
        app, course, make_user, new_page):
    learner = make_user("learner", display_name="Liisa Oppija")
    page = new_page("fi-FI")
    sign_in(page, learner.username, TEST_PASSWORD)
    expect(page.locator("h1")).to_have_text("Omat opinnot")
    assert page.locator("html").get_attribute("lang") == "fi"
    _start_course(page)

    # Learning objectives and content in Finnish.
    expect(page.get_by_role("heading", name="Osaamistavoitteet")).to_be_visible()
    expect(page.locator(".unit-content")).to_contain_text("Content 1 (fi).")
    assert page.locator(".unit-content").get_attribute("lang") == "fi"

    # Every question type, answered through its labels.
    page.get_by_label("Right choice (fi)").check()
    page.get_by_label("Right 1 (fi)").check()
    page.get_by_label("Right 2 (fi)").check()
    page.get_by_label("Tosi", exact=True).check()
    for n in (1, 2, 3):
        page.get_by_label(f"Source {n} (fi)").select_option(label=f"Target {n} (fi)")
    for position, item in enumerate(("First", "Second", "Third"), start=1):
        page.get_by_label(f"{item} (fi)").select_option(str(position))
    page.get_by_role("button", name="Lähetä vastaukset").click()

    # The result: passed, score, pass mark, feedback.
    expect(page.locator("h1")).to_have_text("Testin tulos: Unit 1 (fi)")
    expect(page.locator("#outcome")).to_contain_text("Hyväksytty")
    expect(page.locator(".facts")).to_contain_text("100\xa0%")
    expect(page.locator(".facts")).to_contain_text("75\xa0%")
    expect(page.locator(".explanation").first).to_contain_text("q1-single-choice: right, because (fi)")
    keep_screenshot(page, "journey-result")
    page.get_by_role("link", name="Jatka pohdintatehtävään").click()

    # The reflection, then the unit is complete.
    page.get_by_label("Reflect 1.1 (fi)").fill(REFLECTION)
    page.get_by_role("button", name="Tallenna pohdinta").click()
    expect(page.locator(".saved-status")).to_contain_text("Pohdintasi tallennettiin.")
    expect(page.locator("h1 + .meta .status")).to_contain_text("Suoritettu")
    expect(page.get_by_label("Reflect 1.1 (fi)")).to_have_value(REFLECTION)

    # Progress changed: one unit of two.
    page.get_by_role("link", name="Course testikurssi (fi)").first.click()
    expect(page.locator("#course-progress")).to_have_text(
        re.compile(r"Kurssin eteneminen: 50\s%, suoritettu 1/2 osiota"))
    assert page.locator("progress").get_attribute("value") == "50"
    expect(page.get_by_role("link", name=re.compile("Jatka siitä, mihin jäit"))).to_be_visible()
    keep_screenshot(page, "journey-overview")

    # Swedish: interface and content.
    page.get_by_role("link", name="Unit 1 (fi)", exact=True).click()
    page.get_by_role("button", name="svenska").click()
    expect(page.locator("h1")).to_have_text("Unit 1 (sv)")
    assert page.locator("html").get_attribute("lang") == "sv"
    expect(page.get_by_role("heading", name="Lärandemål")).to_be_visible()
    expect(page.locator(".unit-content")).to_contain_text("Content 1 (sv).")
    expect(page.locator("h1 + .meta .status")).to_contain_text("Slutförd")
    expect(page.get_by_role("button", name="svenska")).to_have_attribute("aria-pressed", "true")


def shown_ids(page, name: str) -> list[str]:
    """The ids of the inputs named ``name`` in the order the page shows them."""
    return page.eval_on_selector_all(f'input[name="{name}"]', "els => els.map(e => e.id)")


def test_quiz_can_be_completed_with_the_keyboard_alone(app, course, make_user, new_page):
    learner = make_user("learner")
    page = new_page("fi-FI")
    sign_in(page, learner.username, TEST_PASSWORD)
    page.goto("/learn/courses/testikurssi")
    # Start the course with the keyboard too: skip link, then Tab to the button.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Siirry pääsisältöön"
    page.keyboard.press("Enter")
    assert focused_id(page) == "main"
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent").strip() == "Aloita kurssi":
            break
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Unit 1 (fi)")

    # A radio group with Tab and the arrow keys; checkboxes with Tab and Space.  Choices are
    # shown in the attempt's random order, so the page says which comes first.
    radios = shown_ids(page, "q-q1-single-choice")
    tab_to(page, radios[0])
    page.keyboard.press("Space")
    for _ in range(radios.index("q-q1-single-choice-a")):
        page.keyboard.press("ArrowDown")
    assert focused_id(page) == "q-q1-single-choice-a"
    for choice in shown_ids(page, "q-q2-multiple-choice"):
        if choice in ("q-q2-multiple-choice-a", "q-q2-multiple-choice-c"):
            tab_to(page, choice)
            page.keyboard.press("Space")
    tab_to(page, "q-q3-true-false-true")
    page.keyboard.press("Space")
    # Selects with the arrow keys.
    for source in ("p1", "p2", "p3"):
        tab_to(page, f"q-q4-matching-{source}")
        choose_with_arrows(page, f"q-q4-matching-{source}", source)
    for position, item in enumerate(("first", "second", "third"), start=1):
        tab_to(page, f"q-q5-ordering-{item}")
        choose_with_arrows(page, f"q-q5-ordering-{item}", str(position))
    assert page.is_checked("#q-q1-single-choice-a")
    assert page.is_checked("#q-q2-multiple-choice-c") and not page.is_checked(
        "#q-q2-multiple-choice-b")
    # Enter on the submit button sends the form.
    for _ in range(5):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    assert page.evaluate("document.activeElement.textContent").strip() == "Lähetä vastaukset"
    page.keyboard.press("Enter")
    expect(page.locator("#outcome")).to_contain_text("Hyväksytty")


def test_rejected_answers_are_announced_and_kept(app, course, make_user, new_page):
    learner = make_user("learner")
    page = new_page("fi-FI")
    sign_in(page, learner.username, TEST_PASSWORD)
    _start_course(page)
    page.get_by_label("Right choice (fi)").check()
    page.get_by_label("First (fi)").select_option("1")
    page.get_by_label("Second (fi)").select_option("1")
    page.get_by_role("button", name="Lähetä vastaukset").click()
    assert page.title().startswith("Virhe: Unit 1 (fi)")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()  # moved there by the progressive-enhancement script
    expect(summary.get_by_role("link")).to_have_count(4)
    summary.get_by_role("link", name=re.compile("Kysymys 5")).click()
    assert focused_id(page).startswith("q-q5-ordering-")
    expect(page.locator("#q-q5-ordering-error")).to_contain_text("eri järjestysnumero")
    expect(page.get_by_label("Right choice (fi)")).to_be_checked()
    expect(page.get_by_label("First (fi)")).to_have_value("1")
    assert page.get_by_label("Source 1 (fi)").get_attribute("aria-invalid") == "true"


def test_reflection_character_count_follows_the_text_and_is_announced_after_a_pause(
        app, course, make_user, new_page):
    """The count under a reflection (min 20 characters here) says how far the text is from
    the minimum as the learner types, counts like the server (surrounding space ignored,
    one per character), and reaches screen readers through a polite status after typing
    pauses."""
    learner = make_user("learner")
    page = new_page("fi-FI")
    sign_in(page, learner.username, TEST_PASSWORD)
    _start_course(page)
    field = page.get_by_label("Reflect 1.1 (fi)")
    counter = page.locator("#reflection-r1-count")
    status = page.locator("#reflection-r1-count-status")
    expect(counter).to_be_visible()
    expect(counter).to_have_text("Merkkejä: 0, vähintään 20.")
    assert field.get_attribute("aria-describedby") == "reflection-r1-hint"

    field.press_sequentially("  Luottamus 🤝")  # 11 characters once trimmed; the emoji is one
    expect(counter).to_have_text("Merkkejä: 11, vähintään 20.")
    expect(status).to_have_text("Merkkejä: 11, vähintään 20.", timeout=3000)

    field.press_sequentially(" rakentuu teoilla.")
    expect(counter).to_have_text("Merkkejä: 29.")
    expect(status).to_have_text("Merkkejä: 29.", timeout=3000)
    assert status.get_attribute("aria-live") == "polite"
    page.get_by_role("button", name="Tallenna pohdinta").click()
    expect(page.locator(".saved-status")).to_contain_text("Pohdintasi tallennettiin.")
    expect(page.locator("#reflection-r1-count")).to_have_text("Merkkejä: 29.")
