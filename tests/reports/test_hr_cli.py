"""``elearn reports completions``, ``elearn users import`` and ``elearn users set-org-unit``."""
from __future__ import annotations

from sqlalchemy import select

from elearn.models import Role, User


def test_report_to_file_matches_the_api_csv(app, client_as, cohort, tmp_path):
    out = tmp_path / "report.csv"
    result = app.test_cli_runner().invoke(args=[
        "reports", "completions", "--course", "testikurssi", "--status", "completed",
        "--delimiter", ";", "--output", str(out)])
    assert result.exit_code == 0, result.output
    from_cli = out.read_bytes()
    from_api = client_as("hr").get(
        "/api/reports/completions.csv?course=testikurssi&status=completed&delimiter=semicolon").data
    assert from_cli == from_api
    assert from_cli.startswith("\ufeffname;opaque_id;".encode())
    assert len(from_cli.decode("utf-8-sig").splitlines()) == 3


def test_report_to_stdout_with_dates(app, cohort):
    result = app.test_cli_runner().invoke(args=[
        "reports", "completions", "--date-field", "completed", "--since", "2026-03-05"])
    assert result.exit_code == 0, result.output
    lines = result.stdout_bytes.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith("Dave Dahl,")


def test_report_rejects_a_bad_date(app, cohort):
    result = app.test_cli_runner().invoke(args=["reports", "completions", "--since", "5.3.2026"])
    assert result.exit_code == 2
    assert "--since: Not a valid date." in result.output


GOOD = ("username,display_name,email,organisation_unit,role,password\n"
        "mmeikal,Matti Meikäläinen,matti@example.fi,Talousyksikkö,learner,\n"
        "aanna,Anna Andersson,anna@example.fi,HR-yksikkö,hr,long-enough-password\n")


def test_import_creates_accounts_and_hides_random_passwords(app, tmp_path, db_session):
    path = tmp_path / "users.csv"
    path.write_text("\ufeff" + GOOD, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["users", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "created 2, updated 0 account(s)" in result.output
    assert "1 new account(s) got a random password (not shown" in result.output
    users = {u.username: u for u in db_session.scalars(select(User))}
    assert users["mmeikal"].organisation_unit == "Talousyksikkö"
    assert users["aanna"].role == Role.HR and users["aanna"].check_password("long-enough-password")


def test_import_prints_passwords_only_when_asked_and_updates_existing(app, tmp_path, db_session,
                                                                      make_user):
    make_user("learner", username="mmeikal", organisation_unit="Vanha yksikkö")
    path = tmp_path / "users.csv"
    path.write_text(GOOD.replace("aanna,", "newbie,").replace("long-enough-password", ""),
                    encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["users", "import", str(path),
                                                "--print-passwords"])
    assert result.exit_code == 0, result.output
    assert "created 1, updated 1 account(s)" in result.output
    username, password = result.output.strip().splitlines()[-1].split("\t")
    assert username == "newbie" and len(password) >= 15
    user = db_session.scalar(select(User).where(User.username == "newbie"))
    assert user.check_password(password)
    existing = db_session.scalar(select(User).where(User.username == "mmeikal"))
    assert existing.organisation_unit == "Talousyksikkö"
    assert existing.check_password("correct horse battery")  # no password column value: kept


def test_import_reports_every_bad_row_and_imports_nothing(app, tmp_path, db_session):
    path = tmp_path / "bad.csv"
    path.write_text(
        "username;display_name;email;organisation_unit;role;password\n"
        "ok1;Fine Person;fine@example.fi;Unit;learner;\n"
        ";No Name;x@example.fi;Unit;learner;\n"
        "ok2;Bad Mail;not-an-address;Unit;learner;\n"
        "ok3;Bad Role;ok3@example.fi;Unit;boss;\n"
        "ok1;Twice;twice@example.fi;Unit;learner;\n"
        "ok4;Short Password;ok4@example.fi;Unit;trainer;short\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[:-1] == [
        f"{path}:3: username: must not be empty",
        f"{path}:4: email: 'not-an-address' is not an email address",
        f"{path}:5: role: 'boss' is not one of learner, trainer, hr, admin",
        f"{path}:6: username: 'ok1' is already on line 2",
        f"{path}:7: password: at least 10 characters",
    ]
    assert lines[-1] == "elearn: 5 problem(s); nothing was imported"
    assert db_session.scalars(select(User)).all() == []


def test_import_reports_missing_columns(app, tmp_path):
    path = tmp_path / "cols.csv"
    path.write_text("username,name,role\nx,y,learner\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["users", "import", str(path)])
    assert result.exit_code == 1
    assert f"{path}:1: missing column(s): display_name, email, organisation_unit" in result.output
    assert f"{path}:1: unknown column(s): name" in result.output


def test_set_org_unit(app, make_user, db_session):
    make_user("learner", username="liisa")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "set-org-unit", "liisa", "Viestintä"])
    assert result.exit_code == 0, result.output
    assert db_session.scalar(select(User.organisation_unit).where(User.username == "liisa")) \
        == "Viestintä"
    missing = runner.invoke(args=["users", "set-org-unit", "nobody", "X"])
    assert missing.exit_code == 2 and "no account 'nobody'" in missing.output
