"""Sign-in, sign-out, throttling, redirects, CSRF and cookie flags."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from elearn.models import LoginFailure
from tests.conftest import TEST_PASSWORD


def test_login_and_logout_round_trip(app, make_user, login):
    user = make_user("learner", display_name="Liisa Learner")
    client = app.test_client()
    login(client, user)
    me = client.get("/api/me")
    assert me.status_code == 200
    assert me.get_json()["username"] == user.username
    assert client.post("/logout").status_code == 302
    assert client.get("/api/me").status_code == 401


def test_password_is_stored_hashed(app, make_user, db_session):
    user = make_user("learner")
    stored = db_session.get(type(user), user.id)
    assert TEST_PASSWORD not in stored.password_hash
    assert stored.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_wrong_password_is_refused_and_recorded(app, make_user, db_session):
    user = make_user("learner")
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": "nope-nope-nope"})
    assert response.status_code == 401
    assert "aria-invalid" in response.get_data(as_text=True)
    assert db_session.scalar(select(func.count(LoginFailure.id))) == 1
    assert client.get("/api/me").status_code == 401


def test_repeated_failures_lock_the_username(app, make_user):
    app.config["LOGIN_MAX_FAILURES"] = 3
    user = make_user("learner")
    client = app.test_client()
    for _ in range(3):
        assert client.post("/login", data={"username": user.username,
                                           "password": "wrong-password"}).status_code == 401
    locked = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert locked.status_code == 429
    assert client.get("/api/me").status_code == 401


def test_success_clears_earlier_failures(app, make_user, login, db_session):
    app.config["LOGIN_MAX_FAILURES"] = 3
    user = make_user("learner")
    client = app.test_client()
    client.post("/login", data={"username": user.username, "password": "wrong-password"})
    login(client, user)
    assert db_session.scalar(select(func.count(LoginFailure.id))) == 0


@pytest.mark.parametrize("target,expected", [
    ("/api/me", "/api/me"),
    ("https://evil.example/", "/"),
    ("//evil.example/x", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_only_redirects_within_the_site(app, make_user, target, expected):
    user = make_user("learner")
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD,
                                           "next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    if expected == "/":
        assert "evil" not in location and "javascript" not in location
        assert location.startswith("/")
    else:
        assert location == expected


def test_forms_require_csrf_token(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    user = make_user("learner")
    client = app.test_client()
    refused = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    assert refused.status_code == 400
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD,
                                           "csrf_token": token})
    assert accepted.status_code == 302


def test_session_cookie_is_httponly_and_samesite(app, make_user):
    user = make_user("learner")
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": TEST_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # served over plain http on loopback


def test_cookie_is_secure_when_public_url_is_https(database_url):
    from elearn import create_app
    app = create_app({"ENV": "testing", "DATABASE_URL": database_url,
                      "PUBLIC_URL": "https://learn.example.fi"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_language_switch_changes_page_language(app):
    client = app.test_client()
    client.post("/language", data={"language": "sv", "next": "/login"})
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="sv">' in page


def test_accept_language_picks_default_language(app):
    client = app.test_client()
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in page
    page = client.get("/login", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert '<html lang="fi">' in page


def test_interface_is_translated(app):
    client = app.test_client()
    page = client.get("/login", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert "Kirjaudu sisään" in page and "Käyttäjätunnus" in page
    page = client.get("/login", headers={"Accept-Language": "sv"}).get_data(as_text=True)
    assert "Logga in" in page and "Användarnamn" in page
