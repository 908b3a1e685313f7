"""Helpers for the browser tests: the bundled axe-core scan, keyboard moves, screenshots."""
from __future__ import annotations

import os
import re
from pathlib import Path

from axe_playwright_python.base import AXE_FILE_PATH
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

BLOCKING_IMPACTS = {"serious", "critical"}
BUNDLED_AXE = AXE_FILE_PATH.read_text(encoding="utf-8")
BUNDLED_AXE_VERSION = re.search(r"axe v(\d+\.\d+\.\d+)", BUNDLED_AXE[:200]).group(1)


def scan(page: Page, name: str) -> dict:
    """Run the axe-core bundled with axe-playwright-python (injected from the installed
    file, nothing fetched) on ``page``; fail on serious or critical violations.  Also checks
    what axe leaves to people: exactly one h1, a page title naming the page."""
    axe = Axe()
    assert axe.axe_script == BUNDLED_AXE
    results = axe.run(page)
    engine = results.response["testEngine"]
    assert engine["name"] == "axe-core" and engine["version"] == BUNDLED_AXE_VERSION
    blocking = [v for v in results.response["violations"] if v["impact"] in BLOCKING_IMPACTS]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + "; ".join(n["html"][:160] for n in v["nodes"][:3]) for v in blocking)
    assert not blocking, f"{name}: {report}"
    assert page.locator("h1").count() == 1, f"{name}: expected exactly one h1"
    heading = page.locator("h1").inner_text().strip()
    assert heading and heading in page.title(), \
        f"{name}: title {page.title()!r} does not name the page ({heading!r})"
    keep_screenshot(page, name)
    return results.response


def keep_screenshot(page: Page, name: str) -> None:
    """With ELEARN_BROWSER_SCREENSHOTS=DIR, keep a full-page screenshot for people to review."""
    folder = os.environ.get("ELEARN_BROWSER_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def focused_id(page: Page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def tab_to(page: Page, element_id: str, limit: int = 250) -> int:
    """Press Tab until the element ``element_id`` has focus; returns the number of presses.
    Fails when the element cannot be reached by keyboard or shows no visible focus."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if focused_id(page) == element_id:
            outline = page.evaluate(
                "(() => { const s = getComputedStyle(document.activeElement);"
                " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; })()")
            assert outline[0] != "none" or outline[2] != "none", \
                f"#{element_id} has no visible focus indicator"
            return presses
    raise AssertionError(f"#{element_id} was not reached with {limit} Tab presses")


def choose_with_arrows(page: Page, select_id: str, value: str) -> None:
    """On a focused, closed <select>, press ArrowDown until ``value`` is selected."""
    options = page.eval_on_selector(f"#{select_id}", "s => [...s.options].map(o => o.value)")
    current = page.eval_on_selector(f"#{select_id}", "s => s.selectedIndex")
    for _ in range(options.index(value) - current):
        page.keyboard.press("ArrowDown")
    assert page.eval_on_selector(f"#{select_id}", "s => s.value") == value
