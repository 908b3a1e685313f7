"""Real headless Chromium (Debian's /usr/bin/chromium, never a downloaded browser) driven by
Playwright against the app served by a real WSGI server on a free loopback port.

The served app uses the suite's test database (SQLite or PostgreSQL) and has CSRF
protection switched on, as in production.  Requests to anything but the loopback server are
refused and recorded, so a page (or axe-core) that reaches for the network fails the test.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update"]


def pytest_collection_modifyitems(config, items) -> None:
    """Stop before the first test, with one line, when browser tests were chosen and the
    browser is missing (instead of a long setup error in every browser test)."""
    if any(item.get_closest_marker("browser") for item in items) \
            and not os.access(CHROMIUM, os.X_OK):
        pytest.exit(f"the browser tests need Debian's Chromium at {CHROMIUM}: install it as "
                    "root with 'apt-get install chromium' (make test does so where it can), "
                    "or deselect them with -m 'not browser'",
                    returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture
def app_overrides(tmp_path) -> dict:
    return {"WTF_CSRF_ENABLED": True, "COURSE_MEDIA_PATH": str(tmp_path / "media")}


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def server_url(app) -> Iterator[str]:
    """The app behind werkzeug's threaded server on 127.0.0.1 and a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-test-server",
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


class OffsiteRequests(list):
    """URLs the page tried to fetch from anywhere but the test server."""


@pytest.fixture
def offsite_requests() -> OffsiteRequests:
    return OffsiteRequests()


def _context(browser: Browser, server_url: str, offsite: OffsiteRequests,
             locale: str) -> BrowserContext:
    context = browser.new_context(locale=locale, base_url=server_url,
                                  viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    own = urlsplit(server_url).netloc

    def guard(route):
        if urlsplit(route.request.url).netloc == own:
            route.continue_()
        else:
            offsite.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return context


@pytest.fixture
def new_page(browser, server_url, offsite_requests) -> Iterator:
    """``new_page(locale="fi-FI")``: a page in a fresh browser context (own cookies)."""
    contexts: list[BrowserContext] = []

    def factory(locale: str = "fi-FI") -> Page:
        context = _context(browser, server_url, offsite_requests, locale)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()
    assert not offsite_requests, f"pages reached outside the test server: {offsite_requests}"


def sign_in(page: Page, username: str, password: str) -> None:
    """Sign in through the real form, whatever the interface language."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/learn/dashboard")
