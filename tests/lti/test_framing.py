"""Framing and cookies: pages forbid framing unless the session came from a launch, and then
allow only the launching platform's origin; under cross-site cookies the session cookie is
SameSite=None; Secure; a browser that does not send it back gets the new-window page, whose
one-time ticket signs the person in once."""
from __future__ import annotations

import pytest
import requests

from tests.lti.support import launch


@pytest.fixture
def app_overrides(tool_server, tmp_path) -> dict:
    return {"PUBLIC_URL": tool_server.url, "COURSE_MEDIA_PATH": str(tmp_path / "media"),
            "LTI_CROSS_SITE_COOKIES": "true"}


def _csp(response) -> str:
    return response.headers["Content-Security-Policy"]


def test_launch_cookie_is_cross_site_and_framing_follows_the_platform(tool, registered,
                                                                      course):
    platform = registered
    browser = requests.Session()
    answer = launch(browser, platform, platform.plan(custom={"course": course["slug"],
                                                             "unit": "unit-1"}))
    assert answer.status_code == 303
    cookie = answer.headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie and "HttpOnly" in cookie
    assert "Partitioned" in cookie
    # requests keeps Secure cookies for https only, like a browser that refuses the cookie:
    landing = browser.get(tool + answer.headers["Location"], allow_redirects=False, timeout=10)
    assert landing.status_code == 200
    assert "frame-ancestors 'self' " + platform.base_url in _csp(landing)
    assert "X-Frame-Options" not in landing.headers
    assert 'id="open-new-window"' in landing.text

    # The new window (top level, first party) spends the ticket and signs in.
    opened = browser.get(tool + answer.headers["Location"] + "?window=new",
                         allow_redirects=False, timeout=10)
    assert opened.status_code == 303
    assert opened.headers["Location"].endswith(f"/learn/courses/{course['slug']}/units/unit-1")
    session_cookie = opened.cookies.get("session") or opened.headers["Set-Cookie"]
    assert session_cookie
    again = requests.get(tool + answer.headers["Location"] + "?window=new",
                         allow_redirects=False, timeout=10)
    assert again.status_code == 400  # spent


def test_signed_in_pages_are_framed_only_by_the_launching_platform(app, registered, course,
                                                                   login, make_user):
    platform = registered
    from elearn.lti.framing import SESSION_KEY
    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_KEY] = platform.base_url
    framed = client.get("/lti/jwks")
    assert f"frame-ancestors 'self' {platform.base_url}" in _csp(framed)

    plain = app.test_client()
    login(plain, make_user("learner"))
    page = plain.get(f"/learn/courses/{course['slug']}")
    assert "frame-ancestors 'none'" in _csp(page)
    assert page.headers["X-Frame-Options"] == "DENY"


def test_cookies_stay_lax_over_http_by_default(database_url):
    from elearn import create_app
    app = create_app({"ENV": "testing", "DATABASE_URL": database_url,
                      "PUBLIC_URL": "http://127.0.0.1:5000"})
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    https = create_app({"ENV": "testing", "DATABASE_URL": database_url,
                        "PUBLIC_URL": "https://elearn.example"})
    assert https.config["SESSION_COOKIE_SAMESITE"] == "None"
    assert https.config["SESSION_COOKIE_SECURE"] is True
