"""Importing a whole agency: progress on standard error, accounts without a password, more
rows than a database takes bound parameters in one query, and hashing on every core."""
from __future__ import annotations

from sqlalchemy import func, select

from elearn.models import User
from elearn.services.users_import import hash_passwords
from werkzeug.security import check_password_hash

HEADER = "username,display_name,email,organisation_unit,role\n"


def _csv(tmp_path, count: int, unit: str = "Unit A"):
    path = tmp_path / "users.csv"
    path.write_text(HEADER + "".join(f"user{n},User {n},,{unit},learner\n" for n in range(count)),
                    encoding="utf-8")
    return path


def test_without_passwords_creates_accounts_that_cannot_sign_in_with_a_password(
        app, tmp_path, db_session):
    result = app.test_cli_runner().invoke(
        args=["users", "import", str(_csv(tmp_path, 3)), "--without-passwords"])
    assert result.exit_code == 0, result.output
    assert "created 3, updated 0 account(s)" in result.stdout
    assert "random password" not in result.stdout
    assert db_session.scalar(select(func.count(User.id)).where(User.password_hash.is_(None))) == 3
    refused = app.test_client().post("/login", data={"username": "user1", "password": ""})
    assert refused.status_code in {400, 401}
    refused = app.test_client().post("/login", data={"username": "user1",
                                                     "password": "any-password-at-all"})
    assert refused.status_code == 401


def test_set_password_lets_such_an_account_sign_in(app, tmp_path, monkeypatch):
    app.test_cli_runner().invoke(args=["users", "import", str(_csv(tmp_path, 1)),
                                       "--without-passwords"])
    monkeypatch.setenv("ELEARN_NEW_USER_PASSWORD", "a-long-enough-password")
    result = app.test_cli_runner().invoke(args=["users", "set-password", "user0"])
    assert result.exit_code == 0, result.output
    signed_in = app.test_client().post("/login", data={"username": "user0",
                                                       "password": "a-long-enough-password"})
    assert signed_in.status_code == 302


def test_progress_goes_to_standard_error_and_thousands_of_rows_update(app, tmp_path,
                                                                      db_session):
    path = _csv(tmp_path, 2500)
    first = app.test_cli_runner().invoke(args=["users", "import", str(path),
                                               "--without-passwords"])
    assert first.exit_code == 0, first.output
    assert "checked rows: 2,500/2,500" in first.stderr
    assert "saving accounts: 2,500/2,500" in first.stderr
    again = app.test_cli_runner().invoke(args=["users", "import",
                                               str(_csv(tmp_path, 2500, unit="Unit B"))])
    assert again.exit_code == 0, again.output
    assert "created 0, updated 2500 account(s)" in again.stdout
    assert db_session.scalar(select(func.count(User.id))
                             .where(User.organisation_unit == "Unit B")) == 2500
    quiet = app.test_cli_runner().invoke(args=["users", "import", str(path), "--quiet"])
    assert quiet.stderr == ""


def test_passwords_are_hashed_on_several_processes_in_order():
    passwords = [f"password-number-{n:03d}" for n in range(24)]
    seen = []
    hashes = hash_passwords(passwords, progress=lambda *args: seen.append(args), workers=2)
    assert len(hashes) == 24
    assert all(check_password_hash(h, p) for h, p in zip(hashes, passwords))
    assert seen[-1] == ("hashing passwords", 24, 24)


def test_random_passwords_still_come_by_default(app, tmp_path, db_session):
    result = app.test_cli_runner().invoke(args=["users", "import", str(_csv(tmp_path, 2)),
                                                "--print-passwords"])
    assert result.exit_code == 0
    lines = [line.split("\t") for line in result.stdout.splitlines() if "\t" in line]
    assert len(lines) == 2
    stored = db_session.scalar(select(User).where(User.username == lines[0][0]))
    assert stored.check_password(lines[0][1])
