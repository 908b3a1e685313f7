"""The HR pages as HR reads them, in real Chromium at 1280 and 1920 px: the overview's charts
fit the first screen and are followed by tables with the same figures; the completion report
never scrolls sideways (at 1920 px not even its table); axe finds nothing serious."""
from __future__ import annotations

import pytest

from tests.browser.support import scan
from tests.browser.test_reflow import assert_no_sideways_scroll, sign_in_staff
from tests.reports.cohort import DESTINATIONS, PUBLIC_URL, build_cohort

pytestmark = pytest.mark.browser


@pytest.fixture
def app_overrides(tmp_path) -> dict:
    return {"WTF_CSRF_ENABLED": True, "COURSE_MEDIA_PATH": str(tmp_path / "media"),
            "PUBLIC_URL": PUBLIC_URL, "LRS_DESTINATIONS": DESTINATIONS}


@pytest.mark.parametrize("width", [1280, 1920])
def test_overview_and_report_fit_the_screen(app, make_user, new_page, width):
    with app.extensions["elearn.db"].session_scope() as session:
        build_cohort(session)
    hr = make_user("hr", display_name="Hanna Henkilöstö")
    page = new_page("fi-FI")
    page.set_viewport_size({"width": width, "height": 800})
    sign_in_staff(page, hr.username)
    assert page.url.endswith("/hr/reports"), "HR lands on the overview"
    assert_no_sideways_scroll(page, f"overview at {width}")
    for chart in ("by-unit", "weekly"):
        svg = page.locator(f"svg[aria-labelledby='{chart}-title {chart}-desc']")
        box = svg.bounding_box()
        assert box and box["y"] + box["height"] <= 800, f"{chart} chart is on the first screen"
    tops = page.evaluate("""['by-unit-title', 'by-unit-table', 'weekly-title', 'weekly-table']
        .map(id => document.getElementById(id).getBoundingClientRect().top)""")
    assert tops[0] < tops[1] and tops[2] < tops[3], "each chart comes before its table"
    rows = page.locator("#by-unit-table tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().split("\t")[:2] == ["Unit A", "3"]
    scan(page, f"hr-overview-{width}")
    page.select_option("#o-course", "testikurssi")
    page.get_by_role("button", name="Näytä").click()
    page.wait_for_url("**course=testikurssi**")
    assert rows.nth(1).inner_text().split("\t") == ["Unit B", "2", "1", "0", "1", "0", "50\xa0%"]

    page.get_by_role("link", name="Suoritusraportti").first.click()
    page.wait_for_url("**/hr/reports/completions")
    assert_no_sideways_scroll(page, f"report at {width}")
    region = page.locator(".table-scroll")
    assert page.locator("table.report thead th").first.inner_text().startswith("Oppija")
    if width == 1920:
        assert region.evaluate("e => e.scrollWidth <= e.clientWidth"), \
            "at 1920 px the whole table fits"
    assert page.evaluate("document.querySelector('main').getBoundingClientRect().width") \
        > 1200, "the report uses the width of the screen"
    scan(page, f"hr-report-{width}")
