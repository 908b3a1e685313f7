"""Chromium for the LTI browser tests: the suite's Debian Chromium, a context that may reach
only the two loopback servers (elearn on 127.0.0.1, the platform on localhost)."""
from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext



def loopback_context(browser: Browser, allowed: list[str], offsite: list[str],
                     locale: str = "fi-FI") -> BrowserContext:
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(15_000)
    hosts = {urlsplit(url).netloc for url in allowed}

    def guard(route):
        if urlsplit(route.request.url).netloc in hosts:
            route.continue_()
        else:
            offsite.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    return context
