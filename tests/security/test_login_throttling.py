"""Sign-in throttling: guessing slows down, strangers cannot lock the owner out, timing does
not tell which usernames exist, and failure records are pruned."""
from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from elearn.db import utcnow
from elearn.models import LoginFailure
from elearn.security.throttle import DEVICE_COOKIE
from tests.conftest import TEST_PASSWORD

WRONG = "wrong-password-123"


@pytest.fixture
def app_overrides():
    return {"LOGIN_MAX_FAILURES": 3, "LOGIN_ADDRESS_LIMIT": "5 per 10 minutes"}


def _post(client, username, password, addr="198.51.100.7"):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def test_strangers_guesses_do_not_lock_out_the_owners_browser(app, make_user):
    user = make_user("learner")
    owner = app.test_client()
    assert _post(owner, user.username, TEST_PASSWORD, "192.0.2.1").status_code == 302
    assert owner.get_cookie(DEVICE_COOKIE, path="/login") is not None
    owner.post("/logout")
    for n in range(3):  # guesses from three addresses lock the account for strangers
        assert _post(app.test_client(), user.username, WRONG, f"203.0.113.{n}").status_code == 401
    stranger = _post(app.test_client(), user.username, TEST_PASSWORD, "203.0.113.50")
    assert stranger.status_code == 429  # even the right password waits from an unknown browser
    assert _post(owner, user.username, TEST_PASSWORD, "192.0.2.1").status_code == 302


def test_the_owners_browser_has_its_own_count(app, make_user):
    user = make_user("learner")
    owner = app.test_client()
    _post(owner, user.username, TEST_PASSWORD)
    owner.post("/logout")
    for _ in range(3):
        assert _post(owner, user.username, WRONG).status_code == 401
    assert _post(owner, user.username, TEST_PASSWORD).status_code == 429


def test_a_device_token_for_another_account_does_not_help(app, make_user):
    mine, theirs = make_user("learner"), make_user("learner")
    insider = app.test_client()
    _post(insider, mine.username, TEST_PASSWORD)
    insider.post("/logout")
    for _ in range(3):
        _post(insider, theirs.username, WRONG)
    assert _post(insider, theirs.username, TEST_PASSWORD).status_code == 429


def test_a_forged_device_token_is_ignored(app, make_user):
    user = make_user("learner")
    for n in range(3):
        _post(app.test_client(), user.username, WRONG, f"203.0.113.{n}")
    forger = app.test_client()
    forger.set_cookie(DEVICE_COOKIE, '{"u": "%s", "d": "x"}' % user.username, path="/login")
    assert _post(forger, user.username, TEST_PASSWORD).status_code == 429


def test_one_address_trying_many_accounts_is_slowed(app, make_user):
    users = [make_user("learner") for _ in range(7)]
    client = app.test_client()
    answers = [_post(client, user.username, WRONG).status_code for user in users]
    assert answers[:5] == [401] * 5
    assert answers[5:] == [429, 429]
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = _post(client, users[0].username, WRONG).get_data(as_text=True)
    assert "Too many failed sign-ins from your network address" in page
    other_address = _post(app.test_client(), users[6].username, TEST_PASSWORD, "192.0.2.99")
    assert other_address.status_code == 302


def test_successful_sign_ins_from_one_address_are_not_counted(app, make_user):
    users = [make_user("learner") for _ in range(8)]
    for user in users:  # a whole office behind one address signs in
        assert _post(app.test_client(), user.username, TEST_PASSWORD).status_code == 302


def test_the_owner_is_not_stopped_by_the_address_limit_on_their_own_account(app, make_user):
    user, others = make_user("learner"), [make_user("learner") for _ in range(5)]
    owner = app.test_client()
    _post(owner, user.username, TEST_PASSWORD)
    owner.post("/logout")
    for other in others:  # someone at the same address fails five times
        _post(app.test_client(), other.username, WRONG)
    assert _post(app.test_client(), user.username, TEST_PASSWORD).status_code == 429
    assert _post(owner, user.username, TEST_PASSWORD).status_code == 302


def test_old_failures_are_pruned_as_new_ones_arrive(app, make_user, db_session):
    user = make_user("learner")
    with app.extensions["elearn.db"].session_scope() as session:
        long_ago = utcnow() - timedelta(seconds=app.config["LOGIN_LOCKOUT_SECONDS"] + 60)
        session.add_all(LoginFailure(username=f"ghost{n}", remote_addr="203.0.113.9",
                                     at=long_ago) for n in range(50))
    _post(app.test_client(), user.username, WRONG)
    assert db_session.scalar(select(func.count(LoginFailure.id))) == 1


def test_unknown_and_known_usernames_take_the_same_time(app, make_user):
    app.config["LOGIN_ADDRESS_LIMIT"] = "1000 per minute"
    app.config["LOGIN_MAX_FAILURES"] = 1000
    user = make_user("learner")
    client = app.test_client()

    def median_seconds(username: str) -> float:
        times = []
        for _ in range(7):
            started = time.perf_counter()
            assert _post(client, username, WRONG).status_code == 401
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    known, unknown = median_seconds(user.username), median_seconds("nobody-by-this-name")
    # both check one scrypt hash (tens of milliseconds); without the dummy check the unknown
    # name answered about ten times faster
    assert unknown > known * 0.5, (known, unknown)


def test_a_deactivated_account_costs_a_hash_check_too(app, make_user, monkeypatch):
    from elearn.models import User
    from elearn.services import accounts
    user = make_user("learner")
    with app.extensions["elearn.db"].session_scope() as session:
        session.get(User, user.id).is_active_account = False
    checks = []
    real = accounts.check_password_hash
    monkeypatch.setattr("elearn.models.accounts.check_password_hash",
                        lambda *a: checks.append("user") or real(*a))
    monkeypatch.setattr(accounts, "check_password_hash",
                        lambda *a: checks.append("dummy") or real(*a))
    assert _post(app.test_client(), user.username, TEST_PASSWORD).status_code == 401
    assert _post(app.test_client(), "no-such-user", TEST_PASSWORD).status_code == 401
    assert checks == ["user", "dummy"]
