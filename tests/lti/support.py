"""Driving a launch over HTTP as a browser would, without one: follow the tool's login
redirect to the platform, take the platform's auto-submitted form and post it to the tool."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

import requests

from tests.lti.platform.server import TestPlatform


@dataclass
class LaunchPost:
    """The form the platform sends the browser back with."""

    action: str
    id_token: str
    state: str


def field_value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no {name} in the platform's form: {page[:300]}"
    return html.unescape(match.group(1))


def login(browser: requests.Session, platform: TestPlatform, hint: str) -> LaunchPost:
    """Start at the tool's login URL; return the platform's form post (not yet sent)."""
    first = browser.get(platform.login_initiation_url(hint), allow_redirects=False, timeout=10)
    assert first.status_code == 302, first.text[:500]
    assert first.headers["Location"].startswith(platform.auth_url)
    answer = browser.get(first.headers["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 200, answer.text[:500]
    action = html.unescape(re.search(r'action="([^"]*)"', answer.text).group(1))
    return LaunchPost(action, field_value(answer.text, "id_token"),
                      field_value(answer.text, "state"))


def post_launch(browser: requests.Session, post: LaunchPost, **changes) -> requests.Response:
    data = {"id_token": post.id_token, "state": post.state}
    data.update(changes)
    return browser.post(post.action, data=data, allow_redirects=False, timeout=10)


def launch(browser: requests.Session, platform: TestPlatform, hint: str) -> requests.Response:
    """A whole launch; returns the tool's answer to the form post."""
    return post_launch(browser, login(browser, platform, hint))
