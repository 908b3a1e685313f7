"""Sessions the server can end: logout and end_sessions everywhere, idle and absolute lifetimes."""
from __future__ import annotations

import time

import pytest

from elearn import auth
from elearn.config import SettingError, load_settings
from elearn.models import User


def _copy_session(app, source):
    """A second browser holding a copy of ``source``'s session cookie."""
    cookie = source.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value, domain=cookie.domain)
    return thief


def test_a_copied_cookie_stops_working_after_logout(app, client_as):
    client = client_as("learner")
    thief = _copy_session(app, client)
    assert thief.get("/api/me").status_code == 200
    assert client.post("/logout").status_code == 302
    assert thief.get("/api/me").status_code == 401
    assert client.get("/api/me").status_code == 401


def test_logout_ends_the_sessions_on_other_devices(app, make_user, login):
    user = make_user("learner")
    laptop, phone = login(app.test_client(), user), login(app.test_client(), user)
    assert phone.get("/api/me").status_code == 200
    laptop.post("/logout")
    assert phone.get("/api/me").status_code == 401
    login(phone, user)  # signing in again works
    assert phone.get("/api/me").status_code == 200


def test_end_sessions_ends_every_session_of_that_account_only(app, make_user, login):
    user, other = make_user("learner"), make_user("learner")
    client, bystander = login(app.test_client(), user), login(app.test_client(), other)
    with app.extensions["elearn.db"].session_scope() as session:
        auth.end_sessions(session, session.get(User, user.id))
    assert client.get("/api/me").status_code == 401
    assert bystander.get("/api/me").status_code == 200


def test_ended_session_sends_pages_to_sign_in(app, client_as):
    client = client_as("learner")
    thief = _copy_session(app, client)
    client.post("/logout")
    response = thief.get("/learn/dashboard")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_deactivated_account_loses_its_session(app, client_as):
    client = client_as("learner")
    with app.extensions["elearn.db"].session_scope() as session:
        session.get(User, client.user.id).is_active_account = False
    assert client.get("/api/me").status_code == 401


class _Clock:
    def __init__(self, monkeypatch):
        self.now = time.time()
        monkeypatch.setattr(auth.time, "time", lambda: self.now)

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_idle_session_ends(app, client_as, monkeypatch):
    app.config["SESSION_IDLE_MINUTES"] = 30
    clock = _Clock(monkeypatch)
    client = client_as("learner")
    for _ in range(3):  # used every 20 minutes: stays alive past 30 minutes
        clock.advance(20 * 60)
        assert client.get("/api/me").status_code == 200
    clock.advance(31 * 60)
    assert client.get("/api/me").status_code == 401


def test_session_ends_after_its_absolute_lifetime_however_busy(app, client_as, monkeypatch):
    app.config["SESSION_IDLE_MINUTES"] = 60
    app.config["SESSION_MAX_HOURS"] = 2
    clock = _Clock(monkeypatch)
    client = client_as("learner")
    for _ in range(4):
        clock.advance(25 * 60)
        assert client.get("/api/me").status_code == 200
    clock.advance(25 * 60)  # 125 minutes after sign-in
    assert client.get("/api/me").status_code == 401


def test_a_session_without_the_server_marks_is_refused(app, client_as):
    """A cookie signed before these checks existed (or forged without them) is not a session."""
    client = client_as("learner")
    with client.session_transaction() as session:
        session.pop(auth.GENERATION_KEY)
    assert client.get("/api/me").status_code == 401


@pytest.mark.parametrize("name,value", [("SESSION_IDLE_MINUTES", "0"),
                                        ("SESSION_MAX_HOURS", "-1"),
                                        ("SESSION_MAX_HOURS", "soon")])
def test_session_lifetimes_are_validated(tmp_path, name, value):
    with pytest.raises(SettingError, match=f"ELEARN_{name}"):
        load_settings(str(tmp_path), environ={f"ELEARN_{name}": value})


def test_session_lifetimes_come_from_the_environment(tmp_path):
    settings = load_settings(str(tmp_path), environ={"ELEARN_SESSION_IDLE_MINUTES": "15",
                                                     "ELEARN_SESSION_MAX_HOURS": "8"})
    assert settings["SESSION_IDLE_MINUTES"] == 15 and settings["SESSION_MAX_HOURS"] == 8
