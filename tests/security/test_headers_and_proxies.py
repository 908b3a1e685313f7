"""Headers for personal pages and https, and the client address behind trusted proxies."""
from __future__ import annotations

import pytest

from elearn import create_app
from tests.conftest import TEST_PASSWORD
from tests.security.conftest import SLUG


@pytest.mark.parametrize("role,path", [
    ("learner", "/learn/dashboard"),
    ("learner", "/learn/reflections"),
    ("learner", f"/learn/courses/{SLUG}/units/unit-1"),
    ("hr", "/hr/reports/completions"),
    ("admin", "/admin/accounts"),
])
def test_signed_in_pages_are_not_stored(client_as, course, role, path):
    client = client_as(role)
    if role == "learner":
        assert client.post(f"/api/courses/{SLUG}/enrolment", json={}).status_code == 201
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "Cookie" in response.headers.get("Vary", "")


def test_public_pages_and_static_files_may_be_cached(app, client_as):
    assert "no-store" not in app.test_client().get("/login").headers.get("Cache-Control", "")
    client = client_as("learner")
    static = client.get("/static/css/elearn.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")


def _app(database_url, **settings):
    return create_app({"ENV": "testing", "DATABASE_URL": database_url,
                       "SECRET_KEY": "test-secret-key-that-is-long-enough-0123",
                       "WTF_CSRF_ENABLED": False, **settings})


def test_hsts_when_the_public_url_is_https(database_url):
    secure = _app(database_url, PUBLIC_URL="https://oppiminen.example.fi")
    response = secure.test_client().get("/login", base_url="https://oppiminen.example.fi")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    plain = _app(database_url).test_client().get("/login")
    assert "Strict-Transport-Security" not in plain.headers


def test_hsts_max_age_is_a_setting(database_url):
    secure = _app(database_url, PUBLIC_URL="https://oppiminen.example.fi", HSTS_MAX_AGE=600)
    response = secure.test_client().get("/login", base_url="https://oppiminen.example.fi")
    assert response.headers["Strict-Transport-Security"] == "max-age=600"


def _fail_from_forwarded(client, username, forwarded_for):
    return client.post("/login", data={"username": username, "password": "wrong-password-1"},
                       headers={"X-Forwarded-For": forwarded_for},
                       environ_base={"REMOTE_ADDR": "10.0.0.2"})


def test_forwarded_for_is_ignored_without_trusted_proxies(database_url, make_user, db_session):
    from elearn.models import LoginFailure
    app = _app(database_url)
    user = make_user("learner")
    _fail_from_forwarded(app.test_client(), user.username, "198.51.100.23")
    assert db_session.query(LoginFailure.remote_addr).scalar() == "10.0.0.2"


def test_trusted_proxy_gives_the_client_address(database_url, make_user, db_session):
    from elearn.models import LoginFailure
    app = _app(database_url, TRUSTED_PROXIES=1, LOGIN_ADDRESS_LIMIT="2 per minute")
    user = make_user("learner")
    client = app.test_client()
    # a client's own X-Forwarded-For entry before the proxy's is not believed
    for _ in range(2):
        _fail_from_forwarded(client, user.username, "192.0.2.66, 198.51.100.23")
    assert {row for (row,) in db_session.query(LoginFailure.remote_addr)} == {"198.51.100.23"}
    assert _fail_from_forwarded(client, user.username, "198.51.100.23").status_code == 429
    other = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD},
                        headers={"X-Forwarded-For": "198.51.100.24"},
                        environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 302  # another client behind the same proxy is not limited
