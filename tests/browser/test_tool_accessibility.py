"""axe-core on every HR and trainer page in the states their users meet them (with data,
with an invalid filter, with rejected statements, a broken course): no serious or critical
violations, one h1, a title naming the page; and the report's filters, sort links and
pages work by keyboard alone, without JavaScript."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.browser.support import choose_with_arrows, scan, tab_to
from tests.conftest import TEST_PASSWORD
from tests.reports.cohort import DESTINATIONS, PUBLIC_URL, build_cohort
from tests.trainer.test_analytics import _attempt, _learner
from tests.factories import make_course_version

pytestmark = pytest.mark.browser

VALID = Path(__file__).resolve().parents[1] / "fixtures" / "courses" / "valid" / "pienikurssi"


@pytest.fixture
def app_overrides(tmp_path) -> dict:
    courses = tmp_path / "courses"
    shutil.copytree(VALID, courses / "pienikurssi")
    broken = courses / "rikki"
    shutil.copytree(VALID, broken)
    (broken / "course.yaml").write_text((broken / "course.yaml").read_text(encoding="utf-8")
                                        .replace("id: pienikurssi", "id: rikki"), encoding="utf-8")
    unit = broken / "units" / "02-luottamus" / "unit.yaml"
    unit.write_text(unit.read_text(encoding="utf-8").replace("pass_mark: 0.5", "pass_mark: 5"),
                    encoding="utf-8")
    return {"WTF_CSRF_ENABLED": True, "COURSE_MEDIA_PATH": str(tmp_path / "media"),
            "COURSES_PATH": str(courses), "PUBLIC_URL": PUBLIC_URL,
            "LRS_DESTINATIONS": DESTINATIONS}


def _sign_in(page, username: str, landing: str) -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", TEST_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**{landing}")


def test_hr_pages_pass_axe_and_work_by_keyboard(app, make_user, new_page):
    with app.extensions["elearn.db"].session_scope() as session:
        build_cohort(session)
    hr = make_user("hr", display_name="Hanna Henkilöstö")
    page = new_page("fi-FI")
    _sign_in(page, hr.username, "/hr/reports")
    scan(page, "hr-overview")
    page.goto("/hr/reports/completions")
    scan(page, "hr-report")
    # keyboard only: choose a status, then Tab to the button and press Enter
    tab_to(page, "f-status")
    choose_with_arrows(page, "f-status", "completed")
    tab_to(page, "filters-submit")
    page.keyboard.press("Enter")
    page.wait_for_url("**status=completed**")
    assert page.locator("table.report tbody tr").count() == 2
    sort_link = page.locator("th a", has_text="Testipisteet")
    sort_link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**sort=score**")
    assert page.locator("th[aria-sort]").inner_text().startswith("Testipisteet")
    scan(page, "hr-report-filtered")
    page.goto("/hr/reports/completions?per_page=2")
    scan(page, "hr-report-paged")
    page.goto("/hr/reports/completions?since=eilen")
    scan(page, "hr-report-invalid-filter")
    page.goto("/hr/delivery")
    scan(page, "hr-delivery")
    page.get_by_role("link", name="Lähetä hylätyt lausumat uudelleen…").first.click()
    scan(page, "hr-resend-confirm")
    page.get_by_role("button", name="Kyllä, lähetä 1 lausuma uudelleen").click()
    page.wait_for_url("**/hr/delivery")
    assert "jonossa uudelleen" in page.locator(".flashes").inner_text()


def test_trainer_pages_pass_axe(app, make_user, new_page):
    with app.extensions["elearn.db"].session_scope() as session:
        version = make_course_version(session, slug="analytiikka", units=1,
                                      question_types=("single_choice", "matching"))
        for n in range(6):
            enrolment = _learner(session, n, version)
            _attempt(session, enrolment, version.units[0], 1, {"single_choice": "b"}, False)
            _attempt(session, enrolment, version.units[0], 2, {}, True)
    trainer = make_user("trainer")
    page = new_page("sv-FI")
    _sign_in(page, trainer.username, "/trainer/preview")
    scan(page, "trainer-preview-list")
    page.goto("/trainer/preview/pienikurssi?lang=sv")
    scan(page, "trainer-preview-valid")
    page.goto("/trainer/preview/rikki")
    scan(page, "trainer-preview-broken")
    page.goto("/trainer/analytics")
    scan(page, "trainer-analytics-list")
    page.goto("/trainer/analytics/analytiikka/1")
    scan(page, "trainer-analytics")


def test_admin_pages_pass_axe_and_save_by_keyboard(app, make_user, new_page):
    with app.extensions["elearn.db"].session_scope() as session:
        build_cohort(session)
    admin = make_user("admin", display_name="Aino Ylläpitäjä")
    page = new_page("fi-FI")
    _sign_in(page, admin.username, "/admin/accounts")
    scan(page, "admin-accounts")
    page.goto("/admin/accounts?role=pomo")
    scan(page, "admin-accounts-invalid-filter")
    page.goto("/admin/accounts?organisation_unit=Unit+A")
    page.get_by_role("link", name="Muokkaa: Bob Berg").click()
    scan(page, "admin-account-edit")
    page.fill("#organisation_unit", "x" * 201)
    page.get_by_role("button", name="Tallenna").click()
    assert page.locator("#organisation_unit").get_attribute("aria-invalid") == "true"
    scan(page, "admin-account-edit-invalid")
    # keyboard only: type the new unit, then Tab to the save button and press Enter
    page.fill("#organisation_unit", "")
    page.focus("#organisation_unit")
    page.keyboard.type("Talousyksikkö")
    tab_to(page, "role")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/admin/accounts?organisation_unit=Unit+A")
    assert "Talousyksikkö" in page.locator(".flashes").inner_text()
    page.goto("/hr/delivery?span=14d")
    scan(page, "hr-delivery-daily")
